/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-watch.h"

#include <stdlib.h>

#include "sd-triggers-i18n-private.h"
#include "sd-triggers-message-private.h"

/**
 * SdWatchTrigger:
 *
 * A trigger that fires each time its #SdWatchTrigger:source provider changes: each `notify`
 * of the provider — of any property, or only of #SdWatchTrigger:property-name — delivers a
 * message with the provider's current value.
 *
 * The payload is a #GVariant snapshot, taken on the thread that changed the provider, right
 * after the change (a provider may be written from any thread; the writer never waits for a
 * handler):
 *
 * - if the source is an #SdValueProvider, its value (sd_value_provider_dup_value()), of the
 *   provider's value type;
 * - for any other provider, a dictionary `a{sv}` from the name of each property that changed
 *   since the previous message to its current value. Booleans, integers, doubles, strings,
 *   string arrays, enums (as `i`), flags (as `u`) and #GVariant properties are converted; a
 *   property of another type (an object, a boxed value) is given as the empty tuple `()` —
 *   read it from sd_watch_trigger_get_source(), which the handler may always do.
 *
 * Bursts are coalesced: a trigger that is busy while the provider changes several times
 * handles only the latest value once it is free, never a stale one, and a value equal to
 * the one it handled last is not delivered again. Changes made while the trigger is not
 * running (between generations, during a restart backoff) are delivered when it runs again.
 * A trigger does not fire when it starts, only on changes.
 *
 * A change of a watchable provider (%SD_PROVIDER_FLAGS_WATCHABLE) reloads the services that
 * depend on it, but not a watch trigger through its `source`: the trigger fires instead.
 * Any provider can be watched, watchable or not, as long as it notifies its changes and its
 * properties can be read from the thread that changes them.
 *
 * An application declares its watch by subclassing:
 *
 * |[<!-- language="C" -->
 * static void
 * my_port_watch_class_init (MyPortWatchClass *klass)
 * {
 *   SD_TRIGGER_CLASS (klass)->handle = my_port_watch_handle;
 *   sd_trigger_type_set_source (G_TYPE_FROM_CLASS (klass), MY_TYPE_PORT);
 * }
 * ]|
 *
 * or creates one with a provider and a closure (sd_trigger_set_handler()).
 *
 * Since: 1.0
 */

typedef struct
{
  SdProvider *source;          /* (owned) (nullable) */
  char       *property_name;   /* (owned) (nullable): %NULL watches every property */
  gulong      notify_id;       /* 0 when the property does not exist */

  GMutex      lock;
  GVariant   *value;           /* (owned) (nullable) (lock lock): value provider: latest snapshot not taken yet */
  GVariant   *last_value;      /* (owned) (nullable) (lock lock): value provider: last snapshot taken */
  GHashTable *changed;         /* (owned) (lock lock) (element-type utf8 GVariant): other providers */
  GHashTable *last_changed;    /* (owned) (lock lock) (element-type utf8 GVariant): last values taken */
  SdMessage  *cause;           /* (owned) (nullable) (lock lock): the message handled when the latest change was made */
} SdWatchTriggerPrivate;

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_PROPERTY_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_TYPE_WITH_PRIVATE (SdWatchTrigger, sd_watch_trigger, SD_TYPE_TRIGGER)

static GMutex property_names_lock;

static GQuark
property_name_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-watch-trigger-property-name");

  return quark;
}

/* The class default of the watched property: the nearest type that set one */
static char *
dup_default_property_name (GType type)
{
  char *name = NULL;

  g_mutex_lock (&property_names_lock);
  for (; type != 0 && name == NULL; type = g_type_parent (type))
    name = g_strdup (g_type_get_qdata (type, property_name_quark ()));
  g_mutex_unlock (&property_names_lock);

  return name;
}

static GVariant *
unit_variant (void)
{
  return g_variant_ref_sink (g_variant_new_tuple (NULL, 0));
}

/* A GVariant snapshot of one property of @object; the empty tuple for what has no natural
 * GVariant form. */
static GVariant *
property_snapshot (GObject    *object,
                   GParamSpec *pspec)
{
  g_auto(GValue) value = G_VALUE_INIT;
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  GVariant *snapshot = NULL;

  if ((pspec->flags & G_PARAM_READABLE) == 0)
    return unit_variant ();

  g_value_init (&value, type);
  g_object_get_property (object, pspec->name, &value);

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
      snapshot = g_variant_new_boolean (g_value_get_boolean (&value));
      break;

    case G_TYPE_CHAR:
      snapshot = g_variant_new_int16 (g_value_get_schar (&value));
      break;

    case G_TYPE_UCHAR:
      snapshot = g_variant_new_byte (g_value_get_uchar (&value));
      break;

    case G_TYPE_INT:
      snapshot = g_variant_new_int32 (g_value_get_int (&value));
      break;

    case G_TYPE_UINT:
      snapshot = g_variant_new_uint32 (g_value_get_uint (&value));
      break;

    case G_TYPE_LONG:
      snapshot = g_variant_new_int64 (g_value_get_long (&value));
      break;

    case G_TYPE_ULONG:
      snapshot = g_variant_new_uint64 (g_value_get_ulong (&value));
      break;

    case G_TYPE_INT64:
      snapshot = g_variant_new_int64 (g_value_get_int64 (&value));
      break;

    case G_TYPE_UINT64:
      snapshot = g_variant_new_uint64 (g_value_get_uint64 (&value));
      break;

    case G_TYPE_FLOAT:
      snapshot = g_variant_new_double (g_value_get_float (&value));
      break;

    case G_TYPE_DOUBLE:
      snapshot = g_variant_new_double (g_value_get_double (&value));
      break;

    case G_TYPE_ENUM:
      snapshot = g_variant_new_int32 (g_value_get_enum (&value));
      break;

    case G_TYPE_FLAGS:
      snapshot = g_variant_new_uint32 (g_value_get_flags (&value));
      break;

    case G_TYPE_STRING:
      snapshot = g_variant_new_string (g_value_get_string (&value) ? g_value_get_string (&value) : "");
      break;

    case G_TYPE_VARIANT:
      if (g_value_get_variant (&value) != NULL)
        snapshot = g_value_get_variant (&value);
      break;

    case G_TYPE_BOXED:
      if (type == G_TYPE_STRV)
        snapshot = g_variant_new_strv (g_value_get_boxed (&value), -1);
      break;

    default:
      break;
    }

  return snapshot != NULL ? g_variant_ref_sink (snapshot) : unit_variant ();
}

/* Records a change of @source; runs on the thread that changed it */
static void
record_change (SdWatchTrigger *self,
               GObject        *source,
               GParamSpec     *pspec)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (self);

  /* The snapshot is taken under the lock: of two writers racing, the one whose snapshot is
   * stored last read the value after both writes, so the latest value wins */
  g_mutex_lock (&priv->lock);
  if (SD_IS_VALUE_PROVIDER (source))
    {
      g_clear_pointer (&priv->value, g_variant_unref);
      priv->value = sd_value_provider_dup_value (SD_VALUE_PROVIDER (source));
      sd_message_set (&priv->cause, sd_message_get_current ());
    }
  else
    {
      g_hash_table_insert (priv->changed, g_strdup (pspec->name), property_snapshot (source, pspec));
      sd_message_set (&priv->cause, sd_message_get_current ());
    }
  g_mutex_unlock (&priv->lock);
}

static void
source_notify_cb (GObject    *source,
                  GParamSpec *pspec,
                  gpointer    data)
{
  g_autoptr(SdWatchTrigger) self = g_weak_ref_get (data);

  if (self == NULL)
    return;

  record_change (self, source, pspec);
  sd_trigger_wake (SD_TRIGGER (self));
}

static void
weak_ref_free (gpointer  data,
               GClosure *closure)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static gboolean
has_pending (SdWatchTrigger *self)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (self);
  gboolean pending;

  g_mutex_lock (&priv->lock);
  pending = priv->value != NULL || g_hash_table_size (priv->changed) > 0;
  g_mutex_unlock (&priv->lock);

  return pending;
}

static void
sd_watch_trigger_constructed (GObject *object)
{
  SdWatchTrigger *self = SD_WATCH_TRIGGER (object);
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (self);
  g_autofree char *signal = NULL;
  GWeakRef *ref;

  G_OBJECT_CLASS (sd_watch_trigger_parent_class)->constructed (object);

  if (priv->property_name == NULL)
    priv->property_name = dup_default_property_name (G_OBJECT_TYPE (self));

  if (priv->source == NULL)
    return;
  if (priv->property_name != NULL &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (priv->source), priv->property_name) == NULL)
    return;  /* reported by setup */

  /* Subscribed for the life of the trigger, so that a change between two generations is
   * not lost. A weak reference: the provider may notify from another thread while the
   * trigger goes away. */
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  signal = priv->property_name ? g_strconcat ("notify::", priv->property_name, NULL) : g_strdup ("notify");
  priv->notify_id = g_signal_connect_data (priv->source, signal, G_CALLBACK (source_notify_cb),
                                           ref, weak_ref_free, 0);
}

static void
sd_watch_trigger_dispose (GObject *object)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (SD_WATCH_TRIGGER (object));

  if (priv->source != NULL)
    g_clear_signal_handler (&priv->notify_id, priv->source);
  g_clear_object (&priv->source);

  G_OBJECT_CLASS (sd_watch_trigger_parent_class)->dispose (object);
}

static void
sd_watch_trigger_finalize (GObject *object)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (SD_WATCH_TRIGGER (object));

  g_clear_pointer (&priv->property_name, g_free);
  g_clear_pointer (&priv->cause, sd_message_unref);
  g_clear_pointer (&priv->value, g_variant_unref);
  g_clear_pointer (&priv->last_value, g_variant_unref);
  g_clear_pointer (&priv->changed, g_hash_table_unref);
  g_clear_pointer (&priv->last_changed, g_hash_table_unref);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (sd_watch_trigger_parent_class)->finalize (object);
}

static void
sd_watch_trigger_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (SD_WATCH_TRIGGER (object));

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, priv->source);
      break;

    case PROP_PROPERTY_NAME:
      g_value_set_string (value, priv->property_name);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_watch_trigger_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (SD_WATCH_TRIGGER (object));

  switch (prop_id)
    {
    case PROP_SOURCE:
      priv->source = g_value_dup_object (value);
      break;

    case PROP_PROPERTY_NAME:
      priv->property_name = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
sd_watch_trigger_setup (SdTrigger  *trigger,
                        SdContext  *context,
                        GError    **error)
{
  SdWatchTrigger *self = SD_WATCH_TRIGGER (trigger);
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (self);

  if (priv->source == NULL)
    {
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                   _("The watch trigger %s has no source"),
                   sd_service_get_name (SD_SERVICE (self)));
      return FALSE;
    }

  if (priv->notify_id == 0)
    {
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                   _("The watch trigger %s cannot watch “%s”: %s has no such property"),
                   sd_service_get_name (SD_SERVICE (self)), priv->property_name,
                   G_OBJECT_TYPE_NAME (priv->source));
      return FALSE;
    }

  /* A change while the trigger was not running is delivered now */
  if (has_pending (self))
    sd_trigger_wake (trigger);

  return TRUE;
}

static SdMessage *
take_value (SdWatchTriggerPrivate *priv)
{
  g_autoptr(GVariant) value = NULL;
  g_autoptr(SdMessage) cause = NULL;

  g_mutex_lock (&priv->lock);
  value = g_steal_pointer (&priv->value);
  cause = g_steal_pointer (&priv->cause);
  if (value != NULL && priv->last_value != NULL && g_variant_equal (value, priv->last_value))
    g_clear_pointer (&value, g_variant_unref);
  if (value != NULL)
    {
      g_clear_pointer (&priv->last_value, g_variant_unref);
      priv->last_value = g_variant_ref (value);
    }
  g_mutex_unlock (&priv->lock);

  if (value == NULL)
    return NULL;
  return cause != NULL ? sd_message_new_child (cause, value) : sd_message_new (value);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static SdMessage *
take_changes (SdWatchTriggerPrivate *priv)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autofree const char **names = NULL;
  guint n_names;
  gboolean any = FALSE;

  g_mutex_lock (&priv->lock);
  names = (const char **) g_hash_table_get_keys_as_array (priv->changed, &n_names);
  qsort (names, n_names, sizeof (char *), compare_strings);
  for (guint i = 0; i < n_names; i++)
    {
      GVariant *value = g_hash_table_lookup (priv->changed, names[i]);
      GVariant *last = g_hash_table_lookup (priv->last_changed, names[i]);

      if (last != NULL && g_variant_equal (value, last))
        continue;

      g_variant_builder_add (&builder, "{sv}", names[i], value);
      g_hash_table_insert (priv->last_changed, g_strdup (names[i]), g_variant_ref (value));
      any = TRUE;
    }
  g_hash_table_remove_all (priv->changed);
  g_mutex_unlock (&priv->lock);

  return any ? sd_message_new (g_variant_builder_end (&builder)) : NULL;
}

static SdMessage *
sd_watch_trigger_poll (SdTrigger *trigger,
                       SdContext *context)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (SD_WATCH_TRIGGER (trigger));

  if (SD_IS_VALUE_PROVIDER (priv->source))
    return take_value (priv);

  return take_changes (priv);
}

/* A change taken but not handled goes back, unless a newer one came meanwhile */
static void
sd_watch_trigger_requeue (SdTrigger *trigger,
                          SdMessage *message)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (SD_WATCH_TRIGGER (trigger));
  GVariant *payload = sd_message_get_payload (message);

  if (payload == NULL)
    return;

  g_mutex_lock (&priv->lock);
  if (SD_IS_VALUE_PROVIDER (priv->source))
    {
      if (priv->value == NULL)
        priv->value = g_variant_ref (payload);
      g_clear_pointer (&priv->last_value, g_variant_unref);
    }
  else if (g_variant_is_of_type (payload, G_VARIANT_TYPE_VARDICT))
    {
      GVariantIter iter;
      const char *name;
      GVariant *value;

      g_variant_iter_init (&iter, payload);
      while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
        {
          if (!g_hash_table_contains (priv->changed, name))
            g_hash_table_insert (priv->changed, g_strdup (name), g_variant_ref (value));
          g_hash_table_remove (priv->last_changed, name);
          g_variant_unref (value);
        }
    }
  g_mutex_unlock (&priv->lock);
}

static void
sd_watch_trigger_class_init (SdWatchTriggerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdTriggerClass *trigger_class = SD_TRIGGER_CLASS (klass);

  object_class->constructed = sd_watch_trigger_constructed;
  object_class->dispose = sd_watch_trigger_dispose;
  object_class->finalize = sd_watch_trigger_finalize;
  object_class->get_property = sd_watch_trigger_get_property;
  object_class->set_property = sd_watch_trigger_set_property;

  trigger_class->setup = sd_watch_trigger_setup;
  trigger_class->poll = sd_watch_trigger_poll;
  trigger_class->requeue = sd_watch_trigger_requeue;

  /**
   * SdWatchTrigger:source:
   *
   * The provider the trigger watches, injected by the daemon. It is declared as any
   * #SdProvider: a subclass names its provider type with sd_trigger_type_set_source().
   * A change of it does not reload the trigger (see sd_type_set_dependency_reloads()):
   * the trigger fires instead.
   *
   * Since: 1.0
   */
  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         SD_TYPE_PROVIDER,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdWatchTrigger:property-name:
   *
   * The property of the source to watch, or %NULL to fire on a change of any property.
   * Defaults to the name given to sd_watch_trigger_type_set_property_name() for the
   * trigger's type or its nearest ancestor. A name the source does not have fails the
   * trigger's startup.
   *
   * Since: 1.0
   */
  properties[PROP_PROPERTY_NAME] =
    g_param_spec_string ("property-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The trigger observes its source itself: a change fires it rather than reload it */
  sd_type_set_dependency_reloads (G_TYPE_FROM_CLASS (klass), "source", FALSE);
}

static void
sd_watch_trigger_init (SdWatchTrigger *self)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (self);

  g_mutex_init (&priv->lock);
  priv->changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  priv->last_changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
}

/**
 * sd_watch_trigger_type_set_property_name:
 * @trigger_type: a watch trigger type
 * @property_name: (nullable): the property of the source to watch, or %NULL for any
 *
 * Sets the class default of #SdWatchTrigger:property-name for @trigger_type and its
 * subtypes. Call it from the `class_init` of the type.
 *
 * Since: 1.0
 */
void
sd_watch_trigger_type_set_property_name (GType       trigger_type,
                                         const char *property_name)
{
  g_return_if_fail (g_type_is_a (trigger_type, SD_TYPE_WATCH_TRIGGER));

  g_mutex_lock (&property_names_lock);
  /* Types are never unregistered: the name lives as long as the type */
  g_type_set_qdata (trigger_type, property_name_quark (), (gpointer) g_intern_string (property_name));
  g_mutex_unlock (&property_names_lock);
}

/**
 * sd_watch_trigger_get_source:
 * @self: a #SdWatchTrigger
 *
 * Gets #SdWatchTrigger:source.
 *
 * Returns: (transfer none) (nullable): the watched provider
 *
 * Since: 1.0
 */
SdProvider *
sd_watch_trigger_get_source (SdWatchTrigger *self)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_WATCH_TRIGGER (self), NULL);

  return priv->source;
}

/**
 * sd_watch_trigger_get_property_name:
 * @self: a #SdWatchTrigger
 *
 * Gets #SdWatchTrigger:property-name.
 *
 * Returns: (transfer none) (nullable): the watched property, or %NULL for any
 *
 * Since: 1.0
 */
const char *
sd_watch_trigger_get_property_name (SdWatchTrigger *self)
{
  SdWatchTriggerPrivate *priv = sd_watch_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_WATCH_TRIGGER (self), NULL);

  return priv->property_name;
}
