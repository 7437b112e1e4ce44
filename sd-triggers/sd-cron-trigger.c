/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-cron-trigger.h"

#include "sd-triggers-i18n-private.h"

/**
 * SdCronSchedule:
 *
 * A provider that says when a #SdCronTrigger fires: a cron expression (see
 * #SdCronExpression for the syntax and the rules for leap days and daylight saving time)
 * and the time zone it is read in, UTC unless given.
 *
 * Applications usually subclass it, one type per schedule, and set the expression in
 * `class_init`:
 *
 * ```c
 * static void
 * my_nightly_class_init (MyNightlyClass *klass)
 * {
 *   sd_cron_schedule_type_set (G_TYPE_FROM_CLASS (klass), "0 3 * * *", "Europe/Berlin");
 * }
 * ```
 *
 * The expression is parsed when the daemon initialises the provider (#GInitable): a
 * malformed expression or an unknown time zone fails startup with
 * %SD_PROVIDER_ERROR_FATAL and a message that names the field at fault.
 *
 * Since: 1.0
 */

/**
 * SdCronTrigger:
 *
 * A trigger that fires at the times of its #SdCronTrigger:source schedule. Each fire
 * delivers one message whose payload is the scheduled fire time, an `int64` (`x`) of
 * microseconds since the Unix epoch.
 *
 * Subclass it and name your schedule type with sd_trigger_type_set_source(), or create it
 * with a `source` schedule the daemon knows (sd_daemon_add_provider()).
 *
 * The trigger waits with sd_clock_create_wall_clock_source() of the daemon's clock, on its
 * lane: it wakes up at the fire time even if the wall clock is set in between, without
 * waking up before. The rules:
 *
 * - missed fire times are not made up for one by one: after a suspend or a jump of the
 *   wall clock over several fire times, the trigger fires once, with the first of them, and
 *   goes on with the first fire time after the current time; fire times that pass while the
 *   handler is still busy with an earlier message are coalesced into one message, the
 *   latest;
 * - when the wall clock is set back, fire times that already fired are not repeated: the
 *   trigger waits until the clock reaches the next fire time after the last one;
 * - a new generation (restart, reload) starts from the current time; nothing missed while
 *   the trigger was not running is made up for.
 *
 * Since: 1.0
 */

typedef struct
{
  GMutex            lock;
  char             *expression_text;  /* (owned) (nullable) */
  char             *time_zone_id;     /* (owned) (nullable) */
  SdCronExpression *expression;       /* (owned) (nullable) (lock lock): once parsed */
  GTimeZone        *time_zone;        /* (owned) (nullable) (lock lock): once parsed */
} SdCronSchedulePrivate;

/* Class-level configuration, in the qdata of each type that sets some */
typedef struct
{
  char *expression;  /* (owned) (nullable) */
  char *time_zone;   /* (owned) (nullable) */
} SdCronScheduleConfig;

typedef struct
{
  SdCronSchedule *source;         /* (owned) (nullable) */

  /* Between setup and teardown, on the trigger's lane */
  SdClock        *clock;          /* (owned) (nullable) */
  GMainContext   *main_context;   /* (owned) (nullable) */
  GSource        *timer;          /* (owned) (nullable) */
  SdMessage      *pending;        /* (owned) (nullable): fired, not yet polled */
  gint64          last_fire_us;   /* G_MININT64 before the first fire */

  GMutex          next_lock;
  gint64          next_fire_us;   /* (lock next_lock): 0 when not waiting */
} SdCronTriggerPrivate;

enum {
  SCHEDULE_PROP_0,
  SCHEDULE_PROP_EXPRESSION,
  SCHEDULE_PROP_TIME_ZONE,
  SCHEDULE_N_PROPS
};

static GParamSpec *schedule_properties[SCHEDULE_N_PROPS];

enum {
  TRIGGER_PROP_0,
  TRIGGER_PROP_SOURCE,
  TRIGGER_N_PROPS
};

static GParamSpec *trigger_properties[TRIGGER_N_PROPS];

static void sd_cron_schedule_initable_iface_init (GInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (SdCronSchedule, sd_cron_schedule, SD_TYPE_PROVIDER,
                         G_ADD_PRIVATE (SdCronSchedule)
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                sd_cron_schedule_initable_iface_init))
G_DEFINE_TYPE_WITH_PRIVATE (SdCronTrigger, sd_cron_trigger, SD_TYPE_TRIGGER)

static GMutex config_lock;

static GQuark
config_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-cron-schedule-config");

  return quark;
}

/* Copies of the nearest expression and time zone set for @type or a parent */
static void
lookup_config (GType   type,
               char  **expression,
               char  **time_zone)
{
  *expression = NULL;
  *time_zone = NULL;

  g_mutex_lock (&config_lock);
  for (; type != 0 && g_type_is_a (type, SD_TYPE_CRON_SCHEDULE); type = g_type_parent (type))
    {
      SdCronScheduleConfig *config = g_type_get_qdata (type, config_quark ());

      if (config == NULL)
        continue;
      if (*expression == NULL && config->expression != NULL)
        *expression = g_strdup (config->expression);
      if (*time_zone == NULL && config->time_zone != NULL)
        *time_zone = g_strdup (config->time_zone);
    }
  g_mutex_unlock (&config_lock);
}

/* ---- the schedule ---- */

static void
sd_cron_schedule_constructed (GObject *object)
{
  SdCronSchedulePrivate *priv = sd_cron_schedule_get_instance_private (SD_CRON_SCHEDULE (object));
  g_autofree char *expression = NULL;
  g_autofree char *time_zone = NULL;

  G_OBJECT_CLASS (sd_cron_schedule_parent_class)->constructed (object);

  lookup_config (G_OBJECT_TYPE (object), &expression, &time_zone);
  if (priv->expression_text == NULL)
    priv->expression_text = g_steal_pointer (&expression);
  if (priv->time_zone_id == NULL)
    priv->time_zone_id = time_zone != NULL ? g_steal_pointer (&time_zone) : g_strdup ("UTC");
}

static void
sd_cron_schedule_finalize (GObject *object)
{
  SdCronSchedulePrivate *priv = sd_cron_schedule_get_instance_private (SD_CRON_SCHEDULE (object));

  g_clear_pointer (&priv->expression_text, g_free);
  g_clear_pointer (&priv->time_zone_id, g_free);
  g_clear_pointer (&priv->expression, sd_cron_expression_unref);
  g_clear_pointer (&priv->time_zone, g_time_zone_unref);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (sd_cron_schedule_parent_class)->finalize (object);
}

static void
sd_cron_schedule_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SdCronSchedule *self = SD_CRON_SCHEDULE (object);

  switch (prop_id)
    {
    case SCHEDULE_PROP_EXPRESSION:
      g_value_set_string (value, sd_cron_schedule_get_expression (self));
      break;

    case SCHEDULE_PROP_TIME_ZONE:
      g_value_set_string (value, sd_cron_schedule_get_time_zone (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_cron_schedule_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SdCronSchedulePrivate *priv = sd_cron_schedule_get_instance_private (SD_CRON_SCHEDULE (object));

  switch (prop_id)
    {
    case SCHEDULE_PROP_EXPRESSION:
      g_free (priv->expression_text);
      priv->expression_text = g_value_dup_string (value);
      break;

    case SCHEDULE_PROP_TIME_ZONE:
      g_free (priv->time_zone_id);
      priv->time_zone_id = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Parses the expression and the time zone once; any thread */
static gboolean
schedule_ensure_parsed (SdCronSchedule  *self,
                        GError         **error)
{
  SdCronSchedulePrivate *priv = sd_cron_schedule_get_instance_private (self);
  g_autoptr(GError) local_error = NULL;
  gboolean ok = FALSE;

  g_mutex_lock (&priv->lock);

  if (priv->expression != NULL)
    {
      ok = TRUE;
    }
  else if (priv->expression_text == NULL)
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The cron schedule %s has no expression; set one with "
                     "sd_cron_schedule_type_set() or the “expression” property"),
                   G_OBJECT_TYPE_NAME (self));
    }
  else
    {
      g_autoptr(SdCronExpression) expression = sd_cron_expression_parse (priv->expression_text,
                                                                          &local_error);
      g_autoptr(GTimeZone) time_zone = NULL;

      if (expression == NULL)
        {
          g_set_error_literal (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                               local_error->message);
        }
      else if (*priv->time_zone_id == '\0' ||
               (time_zone = g_time_zone_new_identifier (priv->time_zone_id)) == NULL)
        {
          g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                       _("Unknown time zone “%s” of the cron schedule %s"),
                       priv->time_zone_id, G_OBJECT_TYPE_NAME (self));
        }
      else
        {
          priv->expression = g_steal_pointer (&expression);
          priv->time_zone = g_steal_pointer (&time_zone);
          ok = TRUE;
        }
    }

  g_mutex_unlock (&priv->lock);

  return ok;
}

static gboolean
sd_cron_schedule_initable_init (GInitable     *initable,
                                GCancellable  *cancellable,
                                GError       **error)
{
  return schedule_ensure_parsed (SD_CRON_SCHEDULE (initable), error);
}

static void
sd_cron_schedule_initable_iface_init (GInitableIface *iface)
{
  iface->init = sd_cron_schedule_initable_init;
}

static void
sd_cron_schedule_class_init (SdCronScheduleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sd_cron_schedule_constructed;
  object_class->finalize = sd_cron_schedule_finalize;
  object_class->get_property = sd_cron_schedule_get_property;
  object_class->set_property = sd_cron_schedule_set_property;

  /**
   * SdCronSchedule:expression:
   *
   * The cron expression; when not given, the one set for the type (or its nearest parent)
   * with sd_cron_schedule_type_set().
   *
   * Since: 1.0
   */
  schedule_properties[SCHEDULE_PROP_EXPRESSION] =
    g_param_spec_string ("expression", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdCronSchedule:time-zone:
   *
   * The time zone the expression is read in, as accepted by
   * g_time_zone_new_identifier(): an IANA name such as `Europe/Berlin`, `UTC`, or an
   * offset such as `+05:30`. When not given, the one set for the type, else `UTC`.
   *
   * Since: 1.0
   */
  schedule_properties[SCHEDULE_PROP_TIME_ZONE] =
    g_param_spec_string ("time-zone", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, SCHEDULE_N_PROPS, schedule_properties);
}

static void
sd_cron_schedule_init (SdCronSchedule *self)
{
  SdCronSchedulePrivate *priv = sd_cron_schedule_get_instance_private (self);

  g_mutex_init (&priv->lock);
}

/**
 * sd_cron_schedule_new:
 * @expression: a cron expression
 * @time_zone: (nullable): the time zone the expression is read in (%NULL for UTC)
 *
 * Creates a schedule with an expression of its own rather than one of its type. Hand it
 * to the daemon with sd_daemon_add_provider(), or give it as the `source` of a
 * #SdCronTrigger.
 *
 * Returns: (transfer full): a new #SdCronSchedule
 *
 * Since: 1.0
 */
SdCronSchedule *
sd_cron_schedule_new (const char *expression,
                      const char *time_zone)
{
  g_return_val_if_fail (expression != NULL, NULL);

  return g_object_new (SD_TYPE_CRON_SCHEDULE,
                       "expression", expression,
                       "time-zone", time_zone,
                       NULL);
}

/**
 * sd_cron_schedule_type_set:
 * @schedule_type: a subtype of #SdCronSchedule
 * @expression: the cron expression of the type
 * @time_zone: (nullable): the time zone it is read in (%NULL for UTC)
 *
 * Sets the expression and time zone of the schedules of @schedule_type (and of its
 * subtypes that set none of their own). Call it from `class_init`. The expression is
 * checked when the daemon initialises the schedule.
 *
 * Since: 1.0
 */
void
sd_cron_schedule_type_set (GType       schedule_type,
                           const char *expression,
                           const char *time_zone)
{
  SdCronScheduleConfig *config;

  g_return_if_fail (g_type_is_a (schedule_type, SD_TYPE_CRON_SCHEDULE));
  g_return_if_fail (expression != NULL);

  g_mutex_lock (&config_lock);
  config = g_type_get_qdata (schedule_type, config_quark ());
  if (config == NULL)
    {
      config = g_new0 (SdCronScheduleConfig, 1);
      /* Types are never unregistered, so neither is their configuration */
      g_type_set_qdata (schedule_type, config_quark (), config);
    }
  g_free (config->expression);
  g_free (config->time_zone);
  config->expression = g_strdup (expression);
  config->time_zone = g_strdup (time_zone);
  g_mutex_unlock (&config_lock);
}

/**
 * sd_cron_schedule_get_expression:
 * @self: a #SdCronSchedule
 *
 * Gets #SdCronSchedule:expression.
 *
 * Returns: (nullable): the expression as given
 *
 * Since: 1.0
 */
const char *
sd_cron_schedule_get_expression (SdCronSchedule *self)
{
  SdCronSchedulePrivate *priv = sd_cron_schedule_get_instance_private (self);

  g_return_val_if_fail (SD_IS_CRON_SCHEDULE (self), NULL);

  return priv->expression_text;
}

/**
 * sd_cron_schedule_get_time_zone:
 * @self: a #SdCronSchedule
 *
 * Gets #SdCronSchedule:time-zone.
 *
 * Returns: the identifier of the time zone
 *
 * Since: 1.0
 */
const char *
sd_cron_schedule_get_time_zone (SdCronSchedule *self)
{
  SdCronSchedulePrivate *priv = sd_cron_schedule_get_instance_private (self);

  g_return_val_if_fail (SD_IS_CRON_SCHEDULE (self), NULL);

  return priv->time_zone_id;
}

/**
 * sd_cron_schedule_next:
 * @self: a #SdCronSchedule
 * @after: the time to start from, in any time zone
 *
 * Computes the first fire time of @self strictly after @after, in the schedule's time
 * zone (see sd_cron_expression_next()).
 *
 * Returns: (transfer full) (nullable): the next fire time, in the time zone of the
 *   schedule; %NULL if the schedule is invalid or has no fire time left before year 10000
 *
 * Since: 1.0
 */
GDateTime *
sd_cron_schedule_next (SdCronSchedule *self,
                       GDateTime      *after)
{
  SdCronSchedulePrivate *priv = sd_cron_schedule_get_instance_private (self);
  g_autoptr(GDateTime) local_after = NULL;

  g_return_val_if_fail (SD_IS_CRON_SCHEDULE (self), NULL);
  g_return_val_if_fail (after != NULL, NULL);

  if (!schedule_ensure_parsed (self, NULL))
    return NULL;

  /* Set once, never changed after */
  local_after = g_date_time_to_timezone (after, priv->time_zone);
  if (local_after == NULL)
    return NULL;

  return sd_cron_expression_next (priv->expression, local_after);
}

/* ---- the trigger ---- */

static void
sd_cron_trigger_dispose (GObject *object)
{
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (SD_CRON_TRIGGER (object));

  g_clear_object (&priv->source);

  G_OBJECT_CLASS (sd_cron_trigger_parent_class)->dispose (object);
}

static void
sd_cron_trigger_finalize (GObject *object)
{
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (SD_CRON_TRIGGER (object));

  g_assert (priv->timer == NULL);
  g_clear_pointer (&priv->pending, sd_message_unref);
  g_clear_object (&priv->clock);
  g_clear_pointer (&priv->main_context, g_main_context_unref);
  g_mutex_clear (&priv->next_lock);

  G_OBJECT_CLASS (sd_cron_trigger_parent_class)->finalize (object);
}

static void
sd_cron_trigger_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (SD_CRON_TRIGGER (object));

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
sd_cron_trigger_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (SD_CRON_TRIGGER (object));

  switch (prop_id)
    {
    case TRIGGER_PROP_SOURCE:
      g_clear_object (&priv->source);
      priv->source = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_next_fire_time (SdCronTrigger *self,
                    gint64         next_fire_us)
{
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (self);

  g_mutex_lock (&priv->next_lock);
  priv->next_fire_us = next_fire_us;
  g_mutex_unlock (&priv->next_lock);
}

static gboolean timer_cb (gpointer data);

/* Arms the timer for the first fire time after the last one and after @now_us */
static void
arm_timer (SdCronTrigger *self,
           gint64         now_us)
{
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (self);
  gint64 after_us = MAX (priv->last_fire_us, now_us);
  gint64 after_s = after_us / G_USEC_PER_SEC - (after_us % G_USEC_PER_SEC < 0 ? 1 : 0);
  g_autoptr(GDateTime) after = g_date_time_new_from_unix_utc (after_s);
  g_autoptr(GDateTime) next = after ? sd_cron_schedule_next (priv->source, after) : NULL;
  gint64 fire_us;

  g_assert (priv->timer == NULL);

  if (next == NULL)
    {
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                        "SD_SERVICE", sd_service_get_name (SD_SERVICE (self)),
                        "MESSAGE", _("The cron trigger %s has no fire time left"),
                        sd_service_get_name (SD_SERVICE (self)));
      set_next_fire_time (self, 0);
      return;
    }

  fire_us = g_date_time_to_unix (next) * G_USEC_PER_SEC;
  set_next_fire_time (self, fire_us);

  priv->timer = sd_clock_create_wall_clock_source (priv->clock, fire_us);
  g_source_set_static_name (priv->timer, "[sd] cron trigger");
  g_source_set_callback (priv->timer, timer_cb, self, NULL);
  g_source_attach (priv->timer, priv->main_context);
}

/* On the trigger's lane: the fire time came, or the wall clock was changed */
static gboolean
timer_cb (gpointer data)
{
  SdCronTrigger *self = data;
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (self);
  gint64 now_us = sd_clock_get_real_time (priv->clock);
  gint64 fire_us;

  g_mutex_lock (&priv->next_lock);
  fire_us = priv->next_fire_us;
  g_mutex_unlock (&priv->next_lock);

  /* The clock was changed but is not there yet (or was set back): keep waiting */
  if (now_us < fire_us)
    return G_SOURCE_CONTINUE;

  /* A fire not handled yet is replaced: the trigger delivers the latest */
  g_clear_pointer (&priv->pending, sd_message_unref);
  priv->pending = sd_message_new (g_variant_new_int64 (fire_us));
  priv->last_fire_us = fire_us;

  /* The source is destroyed when this returns */
  g_clear_pointer (&priv->timer, g_source_unref);
  arm_timer (self, now_us);

  sd_trigger_wake (SD_TRIGGER (self));

  return G_SOURCE_REMOVE;
}

static gboolean
sd_cron_trigger_setup (SdTrigger  *trigger,
                       SdContext  *context,
                       GError    **error)
{
  SdCronTrigger *self = SD_CRON_TRIGGER (trigger);
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (self);
  g_autoptr(GError) local_error = NULL;

  if (priv->source == NULL)
    {
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                   _("The cron trigger %s has no schedule"),
                   sd_service_get_name (SD_SERVICE (trigger)));
      return FALSE;
    }

  /* Normally parsed when the daemon initialised the schedule */
  if (!schedule_ensure_parsed (priv->source, &local_error))
    {
      g_set_error_literal (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL, local_error->message);
      return FALSE;
    }

  g_set_object (&priv->clock, sd_context_get_clock (context));
  g_clear_pointer (&priv->main_context, g_main_context_unref);
  priv->main_context = g_main_context_ref_thread_default ();
  priv->last_fire_us = G_MININT64;

  arm_timer (self, sd_clock_get_real_time (priv->clock));

  return TRUE;
}

static void
sd_cron_trigger_teardown (SdTrigger *trigger,
                          SdContext *context)
{
  SdCronTrigger *self = SD_CRON_TRIGGER (trigger);
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (self);

  if (priv->timer != NULL)
    {
      g_source_destroy (priv->timer);
      g_clear_pointer (&priv->timer, g_source_unref);
    }
  g_clear_pointer (&priv->pending, sd_message_unref);
  g_clear_object (&priv->clock);
  g_clear_pointer (&priv->main_context, g_main_context_unref);
  set_next_fire_time (self, 0);
}

static SdMessage *
sd_cron_trigger_poll (SdTrigger *trigger,
                      SdContext *context)
{
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (SD_CRON_TRIGGER (trigger));

  return g_steal_pointer (&priv->pending);
}

static void
sd_cron_trigger_class_init (SdCronTriggerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdTriggerClass *trigger_class = SD_TRIGGER_CLASS (klass);

  object_class->dispose = sd_cron_trigger_dispose;
  object_class->finalize = sd_cron_trigger_finalize;
  object_class->get_property = sd_cron_trigger_get_property;
  object_class->set_property = sd_cron_trigger_set_property;

  trigger_class->setup = sd_cron_trigger_setup;
  trigger_class->teardown = sd_cron_trigger_teardown;
  trigger_class->poll = sd_cron_trigger_poll;

  /**
   * SdCronTrigger:source:
   *
   * The schedule the trigger fires on, injected by the daemon (a subclass names its
   * schedule type with sd_trigger_type_set_source()).
   *
   * Since: 1.0
   */
  trigger_properties[TRIGGER_PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         SD_TYPE_CRON_SCHEDULE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, TRIGGER_N_PROPS, trigger_properties);
}

static void
sd_cron_trigger_init (SdCronTrigger *self)
{
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (self);

  g_mutex_init (&priv->next_lock);
  priv->last_fire_us = G_MININT64;
}

/**
 * sd_cron_trigger_get_source:
 * @self: a #SdCronTrigger
 *
 * Gets #SdCronTrigger:source.
 *
 * Returns: (transfer none) (nullable): the schedule
 *
 * Since: 1.0
 */
SdCronSchedule *
sd_cron_trigger_get_source (SdCronTrigger *self)
{
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_CRON_TRIGGER (self), NULL);

  return priv->source;
}

/**
 * sd_cron_trigger_get_next_fire_time:
 * @self: a #SdCronTrigger
 *
 * Gets the fire time the trigger waits for. Safe to call from any thread.
 *
 * Returns: the next fire time in microseconds since the Unix epoch, or 0 when the trigger
 *   is not running or its schedule has no fire time left
 *
 * Since: 1.0
 */
gint64
sd_cron_trigger_get_next_fire_time (SdCronTrigger *self)
{
  SdCronTriggerPrivate *priv = sd_cron_trigger_get_instance_private (self);
  gint64 next_fire_us;

  g_return_val_if_fail (SD_IS_CRON_TRIGGER (self), 0);

  g_mutex_lock (&priv->next_lock);
  next_fire_us = priv->next_fire_us;
  g_mutex_unlock (&priv->next_lock);

  return next_fire_us;
}
