/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-interval.h"

#include "sd-triggers-i18n-private.h"

/**
 * SdInterval:
 *
 * A provider that holds a period, in milliseconds, for the #SdIntervalTrigger triggers whose
 * source it is.
 *
 * The period starts from the class default, set with
 * sd_interval_type_set_default_period_ms() in the `class_init` of a subclass
 * (%SD_INTERVAL_DEFAULT_PERIOD_MS for a type that sets none), and may be changed at run
 * time with sd_interval_set_period_ms(), from any thread: each trigger then starts counting
 * again with the new period.
 *
 * Since: 1.0
 */

/**
 * SdIntervalTrigger:
 *
 * A trigger that fires once per period of its #SdIntervalTrigger:source interval.
 *
 * The payload of each message is the tick number, a `t` (#guint64) #GVariant: tick *n* is
 * due *n* periods after the trigger was set up (the first tick is 1, one period after the
 * start of the generation; a reload or a new generation counts from 1 again). Time is
 * measured with the daemon's #SdClock, so a virtual clock drives the trigger in tests.
 *
 * Drift does not accumulate: every tick is scheduled on the grid `start + n × period`, not
 * one period after the previous tick fired, so a late wake-up or a slow handler does not
 * shift the ticks that follow. Ticks that could not be handled in time are not made up
 * for: when the handler takes longer than a period (or the process was suspended), the
 * trigger delivers one message with the number of the latest tick that is due, so tick
 * numbers always increase but may skip — the number tells how many periods have passed.
 *
 * Since: 1.0
 */

typedef struct
{
  GMutex   lock;
  guint64  period_ms;  /* (lock lock): 0 until constructed */
} SdIntervalPrivate;

typedef struct
{
  SdInterval *source;      /* (owned) (nullable) */

  /* Between setup and teardown, on the trigger's lane */
  SdClock    *clock;       /* (owned) (nullable) */
  GSource    *timer;       /* (owned) (nullable) */
  gulong      notify_id;
  gint64      start;       /* monotonic time of the setup, in µs */
  guint64     period_us;
  guint64     next_tick;   /* the number of the tick the timer waits for */
  guint64     due_tick;    /* the tick to deliver, 0 when none */
} SdIntervalTriggerPrivate;

enum {
  PROP_0,
  PROP_PERIOD_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  TRIGGER_PROP_0,
  TRIGGER_PROP_SOURCE,
  N_TRIGGER_PROPS
};

static GParamSpec *trigger_properties[N_TRIGGER_PROPS];

G_DEFINE_TYPE_WITH_PRIVATE (SdInterval, sd_interval, SD_TYPE_PROVIDER)
G_DEFINE_TYPE_WITH_PRIVATE (SdIntervalTrigger, sd_interval_trigger, SD_TYPE_TRIGGER)

static GQuark
default_period_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-interval-default-period-ms");

  return quark;
}

static GMutex defaults_lock;

/* The class default of @type: the nearest type that set one */
static guint64
default_period_ms (GType type)
{
  guint64 period = 0;

  g_mutex_lock (&defaults_lock);
  for (; type != 0 && period == 0; type = g_type_parent (type))
    {
      guint64 *value = g_type_get_qdata (type, default_period_quark ());

      if (value != NULL)
        period = *value;
    }
  g_mutex_unlock (&defaults_lock);

  return period != 0 ? period : SD_INTERVAL_DEFAULT_PERIOD_MS;
}

static void
sd_interval_constructed (GObject *object)
{
  SdInterval *self = SD_INTERVAL (object);
  SdIntervalPrivate *priv = sd_interval_get_instance_private (self);

  G_OBJECT_CLASS (sd_interval_parent_class)->constructed (object);

  g_mutex_lock (&priv->lock);
  if (priv->period_ms == 0)
    priv->period_ms = default_period_ms (G_OBJECT_TYPE (self));
  g_mutex_unlock (&priv->lock);
}

static void
sd_interval_finalize (GObject *object)
{
  SdIntervalPrivate *priv = sd_interval_get_instance_private (SD_INTERVAL (object));

  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (sd_interval_parent_class)->finalize (object);
}

static void
sd_interval_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SdInterval *self = SD_INTERVAL (object);

  switch (prop_id)
    {
    case PROP_PERIOD_MS:
      g_value_set_uint64 (value, sd_interval_get_period_ms (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_interval_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SdInterval *self = SD_INTERVAL (object);

  switch (prop_id)
    {
    case PROP_PERIOD_MS:
      sd_interval_set_period_ms (self, g_value_get_uint64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_interval_class_init (SdIntervalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sd_interval_constructed;
  object_class->finalize = sd_interval_finalize;
  object_class->get_property = sd_interval_get_property;
  object_class->set_property = sd_interval_set_property;

  /**
   * SdInterval:period-ms:
   *
   * The period in milliseconds. Setting 0 restores the class default (see
   * sd_interval_type_set_default_period_ms()). A change restarts the count of every
   * trigger of this interval with the new period.
   *
   * Since: 1.0
   */
  properties[PROP_PERIOD_MS] =
    g_param_spec_uint64 ("period-ms", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sd_interval_init (SdInterval *self)
{
  SdIntervalPrivate *priv = sd_interval_get_instance_private (self);

  g_mutex_init (&priv->lock);
}

/**
 * sd_interval_new:
 * @period_ms: the period in milliseconds, or 0 for the default
 *
 * Creates an interval, for an application that hands providers to the daemon itself with
 * sd_daemon_add_provider().
 *
 * Returns: (transfer full): a new #SdInterval
 *
 * Since: 1.0
 */
SdInterval *
sd_interval_new (guint64 period_ms)
{
  return g_object_new (SD_TYPE_INTERVAL, "period-ms", period_ms, NULL);
}

/**
 * sd_interval_type_set_default_period_ms:
 * @interval_type: an #SdInterval type
 * @period_ms: the default period in milliseconds, at least 1
 *
 * Sets the period that instances of @interval_type and its subtypes start with. Call it
 * from the `class_init` of the type.
 *
 * Since: 1.0
 */
void
sd_interval_type_set_default_period_ms (GType   interval_type,
                                        guint64 period_ms)
{
  guint64 *value;

  g_return_if_fail (g_type_is_a (interval_type, SD_TYPE_INTERVAL));
  g_return_if_fail (period_ms > 0);

  g_mutex_lock (&defaults_lock);
  value = g_type_get_qdata (interval_type, default_period_quark ());
  if (value == NULL)
    {
      /* Types are never unregistered, so neither is their default */
      value = g_new (guint64, 1);
      g_type_set_qdata (interval_type, default_period_quark (), value);
    }
  *value = period_ms;
  g_mutex_unlock (&defaults_lock);
}

/**
 * sd_interval_get_period_ms:
 * @self: a #SdInterval
 *
 * Gets #SdInterval:period-ms. Safe to call from any thread.
 *
 * Returns: the period in milliseconds
 *
 * Since: 1.0
 */
guint64
sd_interval_get_period_ms (SdInterval *self)
{
  SdIntervalPrivate *priv = sd_interval_get_instance_private (self);
  guint64 period;

  g_return_val_if_fail (SD_IS_INTERVAL (self), 0);

  g_mutex_lock (&priv->lock);
  period = priv->period_ms;
  g_mutex_unlock (&priv->lock);

  return period != 0 ? period : default_period_ms (G_OBJECT_TYPE (self));
}

/**
 * sd_interval_set_period_ms:
 * @self: a #SdInterval
 * @period_ms: the period in milliseconds, or 0 for the class default
 *
 * Sets #SdInterval:period-ms, from any thread. The triggers of @self set themselves up again
 * with the new period (their tick numbers start from 1 again).
 *
 * Since: 1.0
 */
void
sd_interval_set_period_ms (SdInterval *self,
                           guint64     period_ms)
{
  SdIntervalPrivate *priv = sd_interval_get_instance_private (self);
  gboolean changed;

  g_return_if_fail (SD_IS_INTERVAL (self));

  if (period_ms == 0)
    period_ms = default_period_ms (G_OBJECT_TYPE (self));

  g_mutex_lock (&priv->lock);
  changed = priv->period_ms != period_ms;
  priv->period_ms = period_ms;
  g_mutex_unlock (&priv->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERIOD_MS]);
}

/* ---- the trigger ---- */

static void arm (SdIntervalTrigger *self);

static gboolean
tick_cb (gpointer data)
{
  SdIntervalTrigger *self = data;
  SdIntervalTriggerPrivate *priv = sd_interval_trigger_get_instance_private (self);
  gint64 now = sd_clock_get_monotonic_time (priv->clock);
  guint64 tick = now > priv->start ? (guint64) (now - priv->start) / priv->period_us : 0;

  /* The latest tick due: a tick that was missed is not made up for */
  tick = MAX (tick, priv->next_tick);
  priv->due_tick = tick;
  priv->next_tick = tick + 1;

  g_clear_pointer (&priv->timer, g_source_unref);
  arm (self);
  sd_trigger_wake (SD_TRIGGER (self));

  return G_SOURCE_REMOVE;
}

/* Waits for next_tick, on the grid of the setup time */
static void
arm (SdIntervalTrigger *self)
{
  SdIntervalTriggerPrivate *priv = sd_interval_trigger_get_instance_private (self);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  gint64 deadline = priv->start + (gint64) (priv->next_tick * priv->period_us);
  gint64 remaining = deadline - sd_clock_get_monotonic_time (priv->clock);
  guint64 delay_ms = remaining > 0 ? ((guint64) remaining + 999) / 1000 : 0;

  g_assert (priv->timer == NULL);

  priv->timer = sd_clock_create_timeout_source (priv->clock, delay_ms);
  g_source_set_static_name (priv->timer, "[sd] interval trigger");
  g_source_set_callback (priv->timer, tick_cb, self, NULL);
  g_source_attach (priv->timer, context);
}

static void
period_changed_cb (GObject    *source,
                   GParamSpec *pspec,
                   gpointer    data)
{
  g_autoptr(SdTrigger) self = g_weak_ref_get (data);

  if (self != NULL)
    sd_trigger_request_transition (self, SD_TRIGGER_TRANSITION_RELOAD);
}

static void
weak_ref_free (gpointer  data,
               GClosure *closure)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static void
sd_interval_trigger_dispose (GObject *object)
{
  SdIntervalTriggerPrivate *priv = sd_interval_trigger_get_instance_private (SD_INTERVAL_TRIGGER (object));

  if (priv->source != NULL)
    g_clear_signal_handler (&priv->notify_id, priv->source);
  g_clear_object (&priv->source);

  G_OBJECT_CLASS (sd_interval_trigger_parent_class)->dispose (object);
}

static void
sd_interval_trigger_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SdIntervalTriggerPrivate *priv = sd_interval_trigger_get_instance_private (SD_INTERVAL_TRIGGER (object));

  switch (prop_id)
    {
    case TRIGGER_PROP_SOURCE:
      g_value_set_object (value, priv->source);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_interval_trigger_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SdIntervalTriggerPrivate *priv = sd_interval_trigger_get_instance_private (SD_INTERVAL_TRIGGER (object));

  switch (prop_id)
    {
    case TRIGGER_PROP_SOURCE:
      priv->source = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
sd_interval_trigger_setup (SdTrigger  *trigger,
                           SdContext  *context,
                           GError    **error)
{
  SdIntervalTrigger *self = SD_INTERVAL_TRIGGER (trigger);
  SdIntervalTriggerPrivate *priv = sd_interval_trigger_get_instance_private (self);
  GWeakRef *ref;

  if (priv->source == NULL)
    {
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                   _("The interval trigger %s has no source"),
                   sd_service_get_name (SD_SERVICE (self)));
      return FALSE;
    }

  /* A change of the period sets the trigger up again; it may come from any thread */
  if (priv->notify_id == 0)
    {
      ref = g_new0 (GWeakRef, 1);
      g_weak_ref_init (ref, self);
      priv->notify_id = g_signal_connect_data (priv->source, "notify::period-ms",
                                               G_CALLBACK (period_changed_cb), ref, weak_ref_free, 0);
    }

  priv->clock = g_object_ref (sd_context_get_clock (context));
  priv->period_us = sd_interval_get_period_ms (priv->source) * 1000;
  priv->start = sd_clock_get_monotonic_time (priv->clock);
  priv->next_tick = 1;
  priv->due_tick = 0;
  arm (self);

  return TRUE;
}

static void
sd_interval_trigger_teardown (SdTrigger *trigger,
                              SdContext *context)
{
  SdIntervalTriggerPrivate *priv = sd_interval_trigger_get_instance_private (SD_INTERVAL_TRIGGER (trigger));

  if (priv->timer != NULL)
    g_source_destroy (priv->timer);
  g_clear_pointer (&priv->timer, g_source_unref);
  g_clear_object (&priv->clock);
  priv->due_tick = 0;
}

static SdMessage *
sd_interval_trigger_poll (SdTrigger *trigger,
                          SdContext *context)
{
  SdIntervalTriggerPrivate *priv = sd_interval_trigger_get_instance_private (SD_INTERVAL_TRIGGER (trigger));
  guint64 tick = priv->due_tick;

  if (tick == 0)
    return NULL;

  priv->due_tick = 0;
  return sd_message_new (g_variant_new_uint64 (tick));
}

static void
sd_interval_trigger_class_init (SdIntervalTriggerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdTriggerClass *trigger_class = SD_TRIGGER_CLASS (klass);

  object_class->dispose = sd_interval_trigger_dispose;
  object_class->get_property = sd_interval_trigger_get_property;
  object_class->set_property = sd_interval_trigger_set_property;

  trigger_class->setup = sd_interval_trigger_setup;
  trigger_class->teardown = sd_interval_trigger_teardown;
  trigger_class->poll = sd_interval_trigger_poll;

  /**
   * SdIntervalTrigger:source:
   *
   * The interval whose period the trigger follows, injected by the daemon (a subclass
   * names its own interval type with sd_trigger_type_set_source()).
   *
   * Since: 1.0
   */
  trigger_properties[TRIGGER_PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         SD_TYPE_INTERVAL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_TRIGGER_PROPS, trigger_properties);
}

static void
sd_interval_trigger_init (SdIntervalTrigger *self)
{
}

/**
 * sd_interval_trigger_get_source:
 * @self: a #SdIntervalTrigger
 *
 * Gets #SdIntervalTrigger:source.
 *
 * Returns: (transfer none) (nullable): the interval
 *
 * Since: 1.0
 */
SdInterval *
sd_interval_trigger_get_source (SdIntervalTrigger *self)
{
  SdIntervalTriggerPrivate *priv = sd_interval_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_INTERVAL_TRIGGER (self), NULL);

  return priv->source;
}
