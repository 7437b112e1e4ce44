/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-file-monitor.h"

#include "sd-triggers-i18n-private.h"

/**
 * SdFileWatch:
 *
 * A provider that names a file or directory to monitor, for the #SdFileMonitorTrigger
 * triggers whose source it is.
 *
 * The path comes from #SdFileWatch:path, or from the class default set with
 * sd_file_watch_type_set_default_path() in the `class_init` of a subclass. The provider
 * itself does no I/O: each trigger creates its own #GFileMonitor when it is set up, so that
 * the events arrive on the trigger's lane. The daemon refuses to start a provider without
 * a path (%SD_PROVIDER_ERROR_FATAL); a path that does not exist yet is fine — its creation
 * is an event.
 *
 * Since: 1.0
 */

/**
 * SdFileMonitorTrigger:
 *
 * A trigger that handles the changes of the file or directory of its
 * #SdFileMonitorTrigger:source watch: one message per #GFileMonitor::changed signal.
 *
 * The payload is a #GVariant of type `(ssu)`: the path of the file that changed, the path
 * of the other file of the event (the new name of a move or rename with
 * %G_FILE_MONITOR_WATCH_MOVES, the default flags) or the empty string, and the
 * #GFileMonitorEvent as a `u`. Files without a local path are given by URI.
 *
 * The monitor is created in `setup`, on the trigger's lane, and cancelled in `teardown`;
 * events are queued in order and none is coalesced (the monitor itself rate-limits
 * %G_FILE_MONITOR_EVENT_CHANGED). Events queued but not handled when a generation ends are
 * handled by the next one; changes while no generation runs are not seen.
 *
 * Since: 1.0
 */

typedef struct
{
  char              *path;   /* (owned) (nullable) */
  GFileMonitorFlags  flags;
} SdFileWatchPrivate;

typedef struct
{
  SdFileWatch  *source;      /* (owned) (nullable) */

  /* On the trigger's lane */
  GFileMonitor *monitor;     /* (owned) (nullable): between setup and teardown */
  gulong        changed_id;
  GQueue        events;      /* (element-type SdMessage) (owned) */
} SdFileMonitorTriggerPrivate;

enum {
  PROP_0,
  PROP_PATH,
  PROP_FLAGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  TRIGGER_PROP_0,
  TRIGGER_PROP_SOURCE,
  N_TRIGGER_PROPS
};

static GParamSpec *trigger_properties[N_TRIGGER_PROPS];

static void sd_file_watch_initable_iface_init (GInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (SdFileWatch, sd_file_watch, SD_TYPE_PROVIDER,
                         G_ADD_PRIVATE (SdFileWatch)
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, sd_file_watch_initable_iface_init))
G_DEFINE_TYPE_WITH_PRIVATE (SdFileMonitorTrigger, sd_file_monitor_trigger, SD_TYPE_TRIGGER)

static GMutex defaults_lock;

static GQuark
default_path_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-file-watch-default-path");

  return quark;
}

/* The class default of @type: the nearest type that set one */
static char *
dup_default_path (GType type)
{
  char *path = NULL;

  g_mutex_lock (&defaults_lock);
  for (; type != 0 && path == NULL; type = g_type_parent (type))
    path = g_strdup (g_type_get_qdata (type, default_path_quark ()));
  g_mutex_unlock (&defaults_lock);

  return path;
}

static void
sd_file_watch_constructed (GObject *object)
{
  SdFileWatch *self = SD_FILE_WATCH (object);
  SdFileWatchPrivate *priv = sd_file_watch_get_instance_private (self);

  G_OBJECT_CLASS (sd_file_watch_parent_class)->constructed (object);

  if (priv->path == NULL)
    priv->path = dup_default_path (G_OBJECT_TYPE (self));
}

static void
sd_file_watch_finalize (GObject *object)
{
  SdFileWatchPrivate *priv = sd_file_watch_get_instance_private (SD_FILE_WATCH (object));

  g_clear_pointer (&priv->path, g_free);

  G_OBJECT_CLASS (sd_file_watch_parent_class)->finalize (object);
}

static void
sd_file_watch_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SdFileWatchPrivate *priv = sd_file_watch_get_instance_private (SD_FILE_WATCH (object));

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, priv->path);
      break;

    case PROP_FLAGS:
      g_value_set_flags (value, priv->flags);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_file_watch_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SdFileWatchPrivate *priv = sd_file_watch_get_instance_private (SD_FILE_WATCH (object));

  switch (prop_id)
    {
    case PROP_PATH:
      priv->path = g_value_dup_string (value);
      break;

    case PROP_FLAGS:
      priv->flags = g_value_get_flags (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
sd_file_watch_initable_init (GInitable     *initable,
                             GCancellable  *cancellable,
                             GError       **error)
{
  SdFileWatchPrivate *priv = sd_file_watch_get_instance_private (SD_FILE_WATCH (initable));

  if (priv->path == NULL || priv->path[0] == '\0')
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The file watch %s has no path: set its “path” property or a class default"),
                   G_OBJECT_TYPE_NAME (initable));
      return FALSE;
    }

  return TRUE;
}

static void
sd_file_watch_initable_iface_init (GInitableIface *iface)
{
  iface->init = sd_file_watch_initable_init;
}

static void
sd_file_watch_class_init (SdFileWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sd_file_watch_constructed;
  object_class->finalize = sd_file_watch_finalize;
  object_class->get_property = sd_file_watch_get_property;
  object_class->set_property = sd_file_watch_set_property;

  /**
   * SdFileWatch:path:
   *
   * The file or directory to monitor. A directory is monitored for changes of the files
   * in it. Defaults to the class default (see sd_file_watch_type_set_default_path()).
   *
   * Since: 1.0
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdFileWatch:flags:
   *
   * The flags each trigger creates its #GFileMonitor with.
   *
   * Since: 1.0
   */
  properties[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL,
                        G_TYPE_FILE_MONITOR_FLAGS,
                        G_FILE_MONITOR_WATCH_MOVES,
                        (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sd_file_watch_init (SdFileWatch *self)
{
  SdFileWatchPrivate *priv = sd_file_watch_get_instance_private (self);

  priv->flags = G_FILE_MONITOR_WATCH_MOVES;
}

/**
 * sd_file_watch_new:
 * @path: (type filename): the file or directory to monitor
 *
 * Creates a file watch, for an application that hands providers to the daemon itself with
 * sd_daemon_add_provider().
 *
 * Returns: (transfer full): a new #SdFileWatch
 *
 * Since: 1.0
 */
SdFileWatch *
sd_file_watch_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (SD_TYPE_FILE_WATCH, "path", path, NULL);
}

/**
 * sd_file_watch_type_set_default_path:
 * @file_watch_type: an #SdFileWatch type
 * @path: (type filename): the default path
 *
 * Sets the path that instances of @file_watch_type and its subtypes watch when their
 * #SdFileWatch:path is not given. Call it from the `class_init` of the type.
 *
 * Since: 1.0
 */
void
sd_file_watch_type_set_default_path (GType       file_watch_type,
                                     const char *path)
{
  g_return_if_fail (g_type_is_a (file_watch_type, SD_TYPE_FILE_WATCH));
  g_return_if_fail (path != NULL);

  g_mutex_lock (&defaults_lock);
  /* Types are never unregistered: the path lives as long as the type */
  g_type_set_qdata (file_watch_type, default_path_quark (), (gpointer) g_intern_string (path));
  g_mutex_unlock (&defaults_lock);
}

/**
 * sd_file_watch_get_path:
 * @self: a #SdFileWatch
 *
 * Gets #SdFileWatch:path.
 *
 * Returns: (transfer none) (nullable) (type filename): the watched path
 *
 * Since: 1.0
 */
const char *
sd_file_watch_get_path (SdFileWatch *self)
{
  SdFileWatchPrivate *priv = sd_file_watch_get_instance_private (self);

  g_return_val_if_fail (SD_IS_FILE_WATCH (self), NULL);

  return priv->path;
}

/**
 * sd_file_watch_get_flags:
 * @self: a #SdFileWatch
 *
 * Gets #SdFileWatch:flags.
 *
 * Returns: the monitor flags
 *
 * Since: 1.0
 */
GFileMonitorFlags
sd_file_watch_get_flags (SdFileWatch *self)
{
  SdFileWatchPrivate *priv = sd_file_watch_get_instance_private (self);

  g_return_val_if_fail (SD_IS_FILE_WATCH (self), G_FILE_MONITOR_NONE);

  return priv->flags;
}

/* ---- the trigger ---- */

static char *
dup_file_name (GFile *file)
{
  const char *path;

  if (file == NULL)
    return g_strdup ("");

  path = g_file_peek_path (file);
  return path != NULL ? g_strdup (path) : g_file_get_uri (file);
}

/* On the trigger's lane: the monitor was created there */
static void
changed_cb (GFileMonitor      *monitor,
            GFile             *file,
            GFile             *other_file,
            GFileMonitorEvent  event,
            gpointer           data)
{
  SdFileMonitorTrigger *self = data;
  SdFileMonitorTriggerPrivate *priv = sd_file_monitor_trigger_get_instance_private (self);
  g_autofree char *name = dup_file_name (file);
  g_autofree char *other_name = dup_file_name (other_file);

  g_queue_push_tail (&priv->events,
                     sd_message_new (g_variant_new ("(ssu)", name, other_name, (guint32) event)));
  sd_trigger_wake (SD_TRIGGER (self));
}

static void
sd_file_monitor_trigger_dispose (GObject *object)
{
  SdFileMonitorTriggerPrivate *priv = sd_file_monitor_trigger_get_instance_private (SD_FILE_MONITOR_TRIGGER (object));

  /* Torn down by the generation; unless it was abandoned */
  if (priv->monitor != NULL)
    {
      g_clear_signal_handler (&priv->changed_id, priv->monitor);
      g_file_monitor_cancel (priv->monitor);
      g_clear_object (&priv->monitor);
    }

  g_queue_clear_full (&priv->events, (GDestroyNotify) sd_message_unref);
  g_clear_object (&priv->source);

  G_OBJECT_CLASS (sd_file_monitor_trigger_parent_class)->dispose (object);
}

static void
sd_file_monitor_trigger_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  SdFileMonitorTriggerPrivate *priv = sd_file_monitor_trigger_get_instance_private (SD_FILE_MONITOR_TRIGGER (object));

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
sd_file_monitor_trigger_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  SdFileMonitorTriggerPrivate *priv = sd_file_monitor_trigger_get_instance_private (SD_FILE_MONITOR_TRIGGER (object));

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
sd_file_monitor_trigger_setup (SdTrigger  *trigger,
                               SdContext  *context,
                               GError    **error)
{
  SdFileMonitorTrigger *self = SD_FILE_MONITOR_TRIGGER (trigger);
  SdFileMonitorTriggerPrivate *priv = sd_file_monitor_trigger_get_instance_private (self);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *path;

  path = priv->source ? sd_file_watch_get_path (priv->source) : NULL;
  if (path == NULL)
    {
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                   _("The file monitor trigger %s has no path to watch"),
                   sd_service_get_name (SD_SERVICE (self)));
      return FALSE;
    }

  /* Created on the lane: its signals come on the lane's thread-default context */
  file = g_file_new_for_path (path);
  priv->monitor = g_file_monitor (file, sd_file_watch_get_flags (priv->source), NULL, &local_error);
  if (priv->monitor == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot monitor %s: %s"), path, local_error->message);
      return FALSE;
    }
  priv->changed_id = g_signal_connect (priv->monitor, "changed", G_CALLBACK (changed_cb), self);

  /* Events left from the previous generation */
  if (!g_queue_is_empty (&priv->events))
    sd_trigger_wake (trigger);

  return TRUE;
}

static void
sd_file_monitor_trigger_teardown (SdTrigger *trigger,
                                  SdContext *context)
{
  SdFileMonitorTriggerPrivate *priv = sd_file_monitor_trigger_get_instance_private (SD_FILE_MONITOR_TRIGGER (trigger));

  if (priv->monitor == NULL)
    return;

  g_clear_signal_handler (&priv->changed_id, priv->monitor);
  g_file_monitor_cancel (priv->monitor);
  g_clear_object (&priv->monitor);
}

static SdMessage *
sd_file_monitor_trigger_poll (SdTrigger *trigger,
                              SdContext *context)
{
  SdFileMonitorTriggerPrivate *priv = sd_file_monitor_trigger_get_instance_private (SD_FILE_MONITOR_TRIGGER (trigger));

  return g_queue_pop_head (&priv->events);
}

static void
sd_file_monitor_trigger_requeue (SdTrigger *trigger,
                                 SdMessage *message)
{
  SdFileMonitorTriggerPrivate *priv = sd_file_monitor_trigger_get_instance_private (SD_FILE_MONITOR_TRIGGER (trigger));

  g_queue_push_head (&priv->events, sd_message_ref (message));
}

static void
sd_file_monitor_trigger_class_init (SdFileMonitorTriggerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdTriggerClass *trigger_class = SD_TRIGGER_CLASS (klass);

  object_class->dispose = sd_file_monitor_trigger_dispose;
  object_class->get_property = sd_file_monitor_trigger_get_property;
  object_class->set_property = sd_file_monitor_trigger_set_property;

  trigger_class->setup = sd_file_monitor_trigger_setup;
  trigger_class->teardown = sd_file_monitor_trigger_teardown;
  trigger_class->poll = sd_file_monitor_trigger_poll;
  trigger_class->requeue = sd_file_monitor_trigger_requeue;

  /**
   * SdFileMonitorTrigger:source:
   *
   * The file watch whose path the trigger monitors, injected by the daemon (a subclass
   * names its own file watch type with sd_trigger_type_set_source()).
   *
   * Since: 1.0
   */
  trigger_properties[TRIGGER_PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         SD_TYPE_FILE_WATCH,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_TRIGGER_PROPS, trigger_properties);
}

static void
sd_file_monitor_trigger_init (SdFileMonitorTrigger *self)
{
  SdFileMonitorTriggerPrivate *priv = sd_file_monitor_trigger_get_instance_private (self);

  g_queue_init (&priv->events);
}

/**
 * sd_file_monitor_trigger_get_source:
 * @self: a #SdFileMonitorTrigger
 *
 * Gets #SdFileMonitorTrigger:source.
 *
 * Returns: (transfer none) (nullable): the file watch
 *
 * Since: 1.0
 */
SdFileWatch *
sd_file_monitor_trigger_get_source (SdFileMonitorTrigger *self)
{
  SdFileMonitorTriggerPrivate *priv = sd_file_monitor_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_FILE_MONITOR_TRIGGER (self), NULL);

  return priv->source;
}
