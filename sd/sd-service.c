/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-service.h"

#include <string.h>

#include <gobject/gvaluecollector.h>

#include "sd-enum-types.h"
#include "sd-error.h"
#include "sd-context-private.h"
#include "sd-i18n-private.h"
#include "sd-service-private.h"

/**
 * SdService:
 *
 * One supervised long-running loop.
 *
 * A service is written by subclassing #SdService and overriding either
 *
 * - `run()` — a **blocking** body. It gets a thread of its own (and a fresh #GMainContext
 *   pushed as thread-default) for each generation, and polls sd_context_is_shutdown() or
 *   sleeps with sd_context_sleep(), which returns %FALSE as soon as the generation must
 *   stop; or
 * - `run_async()` (and, if it completes with anything else than a #GTask returning a
 *   boolean or sd_context_wait_shutdown_async(), `run_finish()`) — an **asynchronous** body.
 *   It runs on the #GMainContext
 *   of the service's #SdLane and learns that it must stop through the cancellable it is
 *   given (also available as sd_context_get_cancellable()).
 *
 * Each run of the body is a *generation* with its own #SdContext. How a generation ends
 * decides what happens next: a clean exit is restarted (restart mode
 * %SD_RESTART_MODE_ALWAYS); an error in %SD_SERVICE_ERROR with code
 * %SD_SERVICE_ERROR_FATAL ends the service for good (%SD_SERVICE_STATE_TERMINATED); any
 * other error leads to %SD_SERVICE_STATE_RECOVERING and a restart after the backoff of the
 * daemon's #SdRestartPolicy; whatever a generation returns while the daemon shuts down ends
 * it silently.
 *
 * The defining properties — #SdService:name, #SdService:priority, #SdService:lane,
 * #SdService:tags, #SdService:restart-mode and #SdService:reloadable — take their values from
 * class-level defaults that a subclass sets in its `class_init` with
 * sd_service_type_set_defaults():
 *
 * |[<!-- language="C" -->
 * static void
 * my_heartbeat_class_init (MyHeartbeatClass *klass)
 * {
 *   SD_SERVICE_CLASS (klass)->run = my_heartbeat_run;
 *   sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
 *                                 "priority", SD_PRIORITY_STORAGE,
 *                                 "lane", SD_LANE_ISOLATED,
 *                                 NULL);
 * }
 * ]|
 *
 * A registry entry (sd_registry_add_type()) or the code that creates the instance may set
 * them differently; once the daemon that runs the service is built they are fixed. The
 * name defaults to the type name in kebab case (`MyHeartbeat` → `my-heartbeat`).
 *
 * The runtime properties — #SdService:state, #SdService:generation,
 * #SdService:n-restarts, #SdService:last-error, #SdService:next-restart-delay-ms and
 * #SdService:since — are maintained by the daemon. They change, and are notified, on the
 * thread that runs the daemon; reading them from other threads is safe.
 *
 * Since: 1.0
 */

typedef struct
{
  char           *name;                  /* (owned) */
  char          **tags;                  /* (owned) (nullable) (array zero-terminated=1) */
  char           *last_error;            /* (owned) (nullable) (lock strings_lock) */
  SdUnit         *unit;                  /* (unowned) (nullable): set while a daemon owns it */
  gint64          since;
  guint64         next_restart_delay_ms;
  guint           priority;
  guint           generation;
  guint           n_restarts;
  int             state;                 /* (atomic) SdServiceState */
  guint8          lane;
  guint8          restart_mode;
  guint8          reloadable : 1;
  guint8          constructed : 1;
  guint8          registered : 1;        /* added to a registry as an instance */
} SdServicePrivate;

enum {
  PROP_0,
  PROP_NAME,
  PROP_PRIORITY,
  PROP_LANE,
  PROP_TAGS,
  PROP_RESTART_MODE,
  PROP_RELOADABLE,
  PROP_STATE,
  PROP_GENERATION,
  PROP_N_RESTARTS,
  PROP_LAST_ERROR,
  PROP_NEXT_RESTART_DELAY_MS,
  PROP_SINCE,
  PROP_LANE_NAME,
  N_PROPS
};

/* The properties a class default or a registry entry may set. */
#define FIRST_DEFINING_PROP PROP_NAME
#define LAST_DEFINING_PROP  PROP_RELOADABLE

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SdService, sd_service, G_TYPE_OBJECT)

static GMutex strings_lock;   /* guards the strings written after construction */
static GMutex defaults_lock;

static GQuark defaults_quark   (void);
static guint  defining_prop_id (const char *property_name);

/* Class-level defaults live in the qdata of each GType that set some. */
typedef struct
{
  GValue values[LAST_DEFINING_PROP + 1];  /* unset GValues mean "inherit" */
  char  *error;                           /* (owned) (nullable): first invalid default */
} SdServiceDefaults;


static void
sd_service_finalize (GObject *object)
{
  SdService *self = SD_SERVICE (object);
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_clear_pointer (&priv->name, g_free);
  g_clear_pointer (&priv->tags, g_strfreev);
  g_clear_pointer (&priv->last_error, g_free);

  G_OBJECT_CLASS (sd_service_parent_class)->finalize (object);
}

static void
sd_service_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SdService *self = SD_SERVICE (object);
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, sd_service_get_name (self));
      break;

    case PROP_PRIORITY:
      g_value_set_uint (value, priv->priority);
      break;

    case PROP_LANE:
      g_value_set_enum (value, priv->lane);
      break;

    case PROP_TAGS:
      g_value_set_boxed (value, sd_service_get_tags (self));
      break;

    case PROP_RESTART_MODE:
      g_value_set_enum (value, priv->restart_mode);
      break;

    case PROP_RELOADABLE:
      g_value_set_boolean (value, priv->reloadable);
      break;

    case PROP_STATE:
      g_value_set_enum (value, sd_service_get_state (self));
      break;

    case PROP_GENERATION:
      g_value_set_uint (value, priv->generation);
      break;

    case PROP_N_RESTARTS:
      g_value_set_uint (value, priv->n_restarts);
      break;

    case PROP_LAST_ERROR:
      g_value_take_string (value, sd_service_dup_last_error (self));
      break;

    case PROP_NEXT_RESTART_DELAY_MS:
      g_value_set_uint64 (value, priv->next_restart_delay_ms);
      break;

    case PROP_SINCE:
      g_value_set_int64 (value, priv->since);
      break;

    case PROP_LANE_NAME:
      g_value_take_string (value, sd_service_dup_lane_name (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_defining_property (SdService    *self,
                       guint         prop_id,
                       const GValue *value,
                       gboolean      notify)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      if (g_value_get_string (value) == NULL)
        return;
      g_free (priv->name);
      priv->name = g_value_dup_string (value);
      break;

    case PROP_PRIORITY:
      priv->priority = g_value_get_uint (value);
      break;

    case PROP_LANE:
      priv->lane = g_value_get_enum (value);
      break;

    case PROP_TAGS:
      g_strfreev (priv->tags);
      priv->tags = g_value_dup_boxed (value);
      if (priv->tags != NULL && priv->tags[0] == NULL)
        g_clear_pointer (&priv->tags, g_strfreev);
      break;

    case PROP_RESTART_MODE:
      priv->restart_mode = g_value_get_enum (value);
      break;

    case PROP_RELOADABLE:
      priv->reloadable = g_value_get_boolean (value);
      break;

    default:
      g_assert_not_reached ();
    }

  if (notify)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
sd_service_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  SdService *self = SD_SERVICE (object);
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  if (prop_id < FIRST_DEFINING_PROP || prop_id > LAST_DEFINING_PROP)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  if (priv->unit != NULL)
    {
      g_critical ("The property “%s” of service “%s” cannot change once its daemon is built",
                  pspec->name, sd_service_get_name (SD_SERVICE (object)));
      return;
    }

  set_defining_property (self, prop_id, value, priv->constructed);
}

static void
sd_service_constructed (GObject *object)
{
  SdService *self = SD_SERVICE (object);
  SdServicePrivate *priv = sd_service_get_instance_private (self);
  gboolean applied[LAST_DEFINING_PROP + 1] = { FALSE, };

  G_OBJECT_CLASS (sd_service_parent_class)->constructed (object);

  /* Class defaults: the nearest type that set a property wins. Invalid defaults were
   * recorded when they were set and are reported by _sd_service_check(). */
  g_mutex_lock (&defaults_lock);
  for (GType type = G_OBJECT_TYPE (object);
       type != 0 && g_type_is_a (type, SD_TYPE_SERVICE);
       type = g_type_parent (type))
    {
      SdServiceDefaults *defaults = g_type_get_qdata (type, defaults_quark ());

      if (defaults == NULL)
        continue;

      for (guint i = FIRST_DEFINING_PROP; i <= LAST_DEFINING_PROP; i++)
        {
          if (applied[i] || !G_IS_VALUE (&defaults->values[i]))
            continue;
          set_defining_property (self, i, &defaults->values[i], FALSE);
          applied[i] = TRUE;
        }
    }
  g_mutex_unlock (&defaults_lock);

  /* Without a name, sd_service_get_name() derives one from the type when first asked */
  priv->constructed = TRUE;
}

/*
 * The default run_finish() finishes the two results an asynchronous body usually completes
 * with: its own GTask (returning a boolean or an error) or, for a body that only waits, the
 * result of sd_context_wait_shutdown_async().
 */
static gboolean
sd_service_real_run_finish (SdService     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  gboolean handled;
  gboolean ret;

  ret = _sd_context_finish_wait (result, &handled, error);
  if (handled)
    return ret;

  if (G_IS_TASK (result))
    return g_task_propagate_boolean (G_TASK (result), error);

  g_set_error (error, SD_ERROR, SD_ERROR_FAILED,
               _("%s completed run_async() with a %s; override run_finish() to finish it"),
               G_OBJECT_TYPE_NAME (self), G_OBJECT_TYPE_NAME (result));
  return FALSE;
}

static void
sd_service_class_init (SdServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  klass->run_finish = sd_service_real_run_finish;

  object_class->constructed = sd_service_constructed;
  object_class->finalize = sd_service_finalize;
  object_class->get_property = sd_service_get_property;
  object_class->set_property = sd_service_set_property;

  /**
   * SdService:name:
   *
   * The unique name of the service within its daemon, used in logs, on D-Bus and by
   * `sdctl`. Defaults to the class default, or else the type name in kebab case.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:priority:
   *
   * The startup priority, from 0 to 255 (see #SdPriority). Services of the same priority
   * form a wave; higher waves start first and stop last.
   *
   * Since: 1.0
   */
  properties[PROP_PRIORITY] =
    g_param_spec_uint ("priority", NULL, NULL,
                       0, SD_PRIORITY_MAX, SD_PRIORITY_DEFAULT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:lane:
   *
   * The lane the asynchronous code of the service runs on.
   *
   * Since: 1.0
   */
  properties[PROP_LANE] =
    g_param_spec_enum ("lane", NULL, NULL,
                       SD_TYPE_LANE, SD_LANE_STANDARD,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:tags:
   *
   * Free-form tags a #SdRegistry filters services by.
   *
   * Since: 1.0
   */
  properties[PROP_TAGS] =
    g_param_spec_boxed ("tags", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:restart-mode:
   *
   * When a generation that returned on its own is followed by another one.
   *
   * Since: 1.0
   */
  properties[PROP_RESTART_MODE] =
    g_param_spec_enum ("restart-mode", NULL, NULL,
                       SD_TYPE_RESTART_MODE, SD_RESTART_MODE_ALWAYS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:reloadable:
   *
   * Whether a reload of the whole daemon (SIGHUP, sd_daemon_reload()) reloads this service.
   * A reload of this service by name works either way.
   *
   * Since: 1.0
   */
  properties[PROP_RELOADABLE] =
    g_param_spec_boolean ("reloadable", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:state:
   *
   * The current state of the service.
   *
   * Since: 1.0
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       SD_TYPE_SERVICE_STATE, SD_SERVICE_STATE_INITIALIZING,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:generation:
   *
   * The number of the current (or last) generation; 0 before the first start.
   *
   * Since: 1.0
   */
  properties[PROP_GENERATION] =
    g_param_spec_uint ("generation", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:n-restarts:
   *
   * How often the supervisor restarted the service on its own (after an exit, an error or a
   * reload). Starts by an operator are not counted.
   *
   * Since: 1.0
   */
  properties[PROP_N_RESTARTS] =
    g_param_spec_uint ("n-restarts", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:last-error:
   *
   * The message of the last error of the service, or %NULL.
   *
   * Since: 1.0
   */
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:next-restart-delay-ms:
   *
   * The delay before the pending restart, in milliseconds; 0 when no restart is pending.
   *
   * Since: 1.0
   */
  properties[PROP_NEXT_RESTART_DELAY_MS] =
    g_param_spec_uint64 ("next-restart-delay-ms", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:since:
   *
   * The wall-clock time of the last state change, in microseconds since the Unix epoch (as
   * the daemon's #SdClock tells it); 0 before the first.
   *
   * Since: 1.0
   */
  properties[PROP_SINCE] =
    g_param_spec_int64 ("since", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdService:lane-name:
   *
   * The full name of the lane the service runs on, such as `standard`, `high-priority` or
   * `isolated:my-service`.
   *
   * Since: 1.0
   */
  properties[PROP_LANE_NAME] =
    g_param_spec_string ("lane-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sd_service_init (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  priv->priority = SD_PRIORITY_DEFAULT;
  priv->lane = SD_LANE_STANDARD;
  priv->restart_mode = SD_RESTART_MODE_ALWAYS;
  priv->reloadable = TRUE;
  priv->state = SD_SERVICE_STATE_INITIALIZING;
}

/* The property specs live in the class: make sure it exists (it is never freed). */
static void
ensure_service_class (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      g_type_class_ref (SD_TYPE_SERVICE);
      g_once_init_leave (&initialized, 1);
    }
}

static GQuark
defaults_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-service-defaults");

  return quark;
}

static guint
defining_prop_id (const char *property_name)
{
  for (guint i = FIRST_DEFINING_PROP; i <= LAST_DEFINING_PROP; i++)
    {
      if (g_strcmp0 (property_name, g_param_spec_get_name (properties[i])) == 0)
        return i;
    }

  return 0;
}

/*
 * _sd_service_validate_property:
 * @property_name: the name of one of the defining properties
 * @value: the value to check
 * @out_value: (out caller-allocates): an unset #GValue that receives @value converted to
 *   the property's type
 *
 * Checks that @property_name is a property a default or registry entry may set and that
 * @value converts to a valid value of it.
 */
gboolean
_sd_service_validate_property (const char    *property_name,
                               const GValue  *value,
                               GValue        *out_value,
                               GError       **error)
{
  g_auto(GValue) converted = G_VALUE_INIT;
  GParamSpec *pspec;
  guint prop_id;

  ensure_service_class ();

  prop_id = defining_prop_id (property_name);
  if (prop_id == 0)
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a property that a service default or registry entry can set "
                     "(name, priority, lane, tags, restart-mode or reloadable)"),
                   property_name ? property_name : "(null)");
      return FALSE;
    }

  pspec = properties[prop_id];
  g_value_init (&converted, pspec->value_type);

  if (G_IS_PARAM_SPEC_ENUM (pspec) && !G_VALUE_HOLDS_ENUM (value))
    {
      /* Bindings hand enums over as plain integers */
      g_auto(GValue) as_int = G_VALUE_INIT;
      GEnumClass *enum_class = G_PARAM_SPEC_ENUM (pspec)->enum_class;

      g_value_init (&as_int, G_TYPE_INT);
      if (!g_value_transform (value, &as_int) ||
          g_enum_get_value (enum_class, g_value_get_int (&as_int)) == NULL)
        {
          g_autofree char *contents = g_strdup_value_contents (value);

          g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                       _("%s is not a valid value for the service property “%s”"),
                       contents, property_name);
          return FALSE;
        }
      g_value_set_enum (&converted, g_value_get_int (&as_int));
    }
  else if (!g_value_transform (value, &converted))
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("A value of type %s cannot be used for the service property “%s” of type %s"),
                   G_VALUE_TYPE_NAME (value), property_name, g_type_name (pspec->value_type));
      return FALSE;
    }

  if ((G_VALUE_HOLDS_INT (value) && g_value_get_int (value) < 0 && prop_id == PROP_PRIORITY) ||
      (G_VALUE_HOLDS_INT64 (value) && g_value_get_int64 (value) < 0 && prop_id == PROP_PRIORITY) ||
      g_param_value_validate (pspec, &converted))
    {
      g_autofree char *contents = g_strdup_value_contents (value);

      if (prop_id == PROP_PRIORITY)
        g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                     _("Priority %s is out of range: it must be from 0 to %u"),
                     contents, SD_PRIORITY_MAX);
      else
        g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                     _("%s is not a valid value for the service property “%s”"),
                     contents, property_name);
      return FALSE;
    }

  if (prop_id == PROP_NAME && !_sd_service_name_is_valid (g_value_get_string (&converted), error))
    return FALSE;

  if (out_value != NULL)
    {
      g_value_init (out_value, pspec->value_type);
      g_value_copy (&converted, out_value);
    }

  return TRUE;
}

gboolean
_sd_service_name_is_valid (const char  *name,
                           GError     **error)
{
  if (name == NULL || *name == '\0' || strlen (name) > 255)
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("A service name must have 1 to 255 characters, not “%s”"),
                   name ? name : "(null)");
      return FALSE;
    }

  for (const char *p = name; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("-_.@:", *p) == NULL)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                       _("The service name “%s” has the character “%c”; use letters, digits and “-_.@:”"),
                       name, *p);
          return FALSE;
        }
    }

  return TRUE;
}

/*
 * _sd_service_check:
 *
 * The build-time checks of one service instance: valid class defaults, a body, a valid
 * name. Errors name the type and the property.
 */
gboolean
_sd_service_check (SdService  *self,
                   GError    **error)
{
  SdServiceClass *klass = SD_SERVICE_GET_CLASS (self);
  const char *type_name = G_OBJECT_TYPE_NAME (self);

  g_mutex_lock (&defaults_lock);
  for (GType type = G_OBJECT_TYPE (self);
       type != 0 && g_type_is_a (type, SD_TYPE_SERVICE);
       type = g_type_parent (type))
    {
      SdServiceDefaults *defaults = g_type_get_qdata (type, defaults_quark ());

      if (defaults != NULL && defaults->error != NULL)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                       _("Invalid class default of service type %s: %s"),
                       g_type_name (type), defaults->error);
          g_mutex_unlock (&defaults_lock);
          return FALSE;
        }
    }
  g_mutex_unlock (&defaults_lock);

  if (klass->run == NULL && klass->run_async == NULL)
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("Service type %s implements neither run() nor run_async()"),
                   type_name);
      return FALSE;
    }

  if (!_sd_service_name_is_valid (sd_service_get_name (self), error))
    {
      g_prefix_error (error, "%s: ", type_name);
      return FALSE;
    }

  return TRUE;
}

/* The tags instances of @service_type get from class defaults, or NULL */
const char * const *
_sd_service_type_peek_default_tags (GType service_type)
{
  const char * const *tags = NULL;

  g_mutex_lock (&defaults_lock);
  for (GType type = service_type;
       type != 0 && g_type_is_a (type, SD_TYPE_SERVICE);
       type = g_type_parent (type))
    {
      SdServiceDefaults *defaults = g_type_get_qdata (type, defaults_quark ());

      if (defaults != NULL && G_IS_VALUE (&defaults->values[PROP_TAGS]))
        {
          /* Defaults are never freed or replaced in place once set by class_init */
          tags = g_value_get_boxed (&defaults->values[PROP_TAGS]);
          break;
        }
    }
  g_mutex_unlock (&defaults_lock);

  return tags;
}

/* Marks an instance as added to a registry; FALSE if it was already. Called on one thread. */
gboolean
_sd_service_mark_registered (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  if (priv->registered)
    return FALSE;

  priv->registered = TRUE;
  return TRUE;
}

SdUnit *
_sd_service_get_unit (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  return priv->unit;
}

void
_sd_service_set_unit (SdService *self,
                      SdUnit    *unit)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  priv->unit = unit;
}

static void
touch_since (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  priv->since = g_get_real_time ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SINCE]);
}

void
_sd_service_set_state (SdService      *self,
                       SdServiceState  state)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  if (g_atomic_int_get (&priv->state) == (int) state)
    return;

  g_atomic_int_set (&priv->state, state);
  touch_since (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
_sd_service_set_generation (SdService *self,
                            guint      generation,
                            guint      n_restarts)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  if (priv->generation != generation)
    {
      priv->generation = generation;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATION]);
    }

  if (priv->n_restarts != n_restarts)
    {
      priv->n_restarts = n_restarts;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RESTARTS]);
    }
}

void
_sd_service_set_last_error (SdService  *self,
                            const char *message)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);
  gboolean changed;

  g_mutex_lock (&strings_lock);
  changed = g_strcmp0 (priv->last_error, message) != 0;
  if (changed)
    {
      g_free (priv->last_error);
      priv->last_error = g_strdup (message);
    }
  g_mutex_unlock (&strings_lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

void
_sd_service_set_next_restart_delay_ms (SdService *self,
                                       guint64    delay_ms)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  if (priv->next_restart_delay_ms == delay_ms)
    return;

  priv->next_restart_delay_ms = delay_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_RESTART_DELAY_MS]);
}

/**
 * sd_service_type_set_default_value:
 * @service_type: a #SdService subtype
 * @property_name: one of `name`, `priority`, `lane`, `tags`, `restart-mode`, `reloadable`
 * @value: the default value
 *
 * Sets a class-level default of @service_type: every instance of it (and of its subtypes
 * that do not set their own) starts with @value for @property_name. Call it from the
 * `class_init` of the type, or right after a binding defined the class.
 *
 * An invalid value (an unknown property, a priority above 255, a value that does not fit the
 * property) is not applied: it is recorded, and building a daemon that runs the type fails
 * with an error that names the type and the value.
 *
 * This is the binding-friendly form of sd_service_type_set_defaults().
 *
 * Since: 1.0
 */
void
sd_service_type_set_default_value (GType         service_type,
                                   const char   *property_name,
                                   const GValue *value)
{
  g_autoptr(GError) error = NULL;
  g_auto(GValue) converted = G_VALUE_INIT;
  SdServiceDefaults *defaults;

  g_return_if_fail (g_type_is_a (service_type, SD_TYPE_SERVICE));
  g_return_if_fail (property_name != NULL);
  g_return_if_fail (G_IS_VALUE (value));

  g_mutex_lock (&defaults_lock);

  defaults = g_type_get_qdata (service_type, defaults_quark ());
  if (defaults == NULL)
    {
      defaults = g_new0 (SdServiceDefaults, 1);
      /* Types are never unregistered, so neither are their defaults. */
      g_type_set_qdata (service_type, defaults_quark (), defaults);
    }

  if (_sd_service_validate_property (property_name, value, &converted, &error))
    {
      guint prop_id = defining_prop_id (property_name);

      if (G_IS_VALUE (&defaults->values[prop_id]))
        g_value_unset (&defaults->values[prop_id]);
      g_value_init (&defaults->values[prop_id], G_VALUE_TYPE (&converted));
      g_value_copy (&converted, &defaults->values[prop_id]);
    }
  else if (defaults->error == NULL)
    {
      defaults->error = g_strdup (error->message);
    }

  g_mutex_unlock (&defaults_lock);
}

/**
 * sd_service_type_set_defaults: (skip)
 * @service_type: a #SdService subtype
 * @first_property_name: the name of the first property to set
 * @...: the value of the first property, then more name/value pairs, ending with %NULL
 *
 * Sets class-level defaults of @service_type, as sd_service_type_set_default_value() does
 * for each pair. The values are collected like the arguments of g_object_new(): pass a
 * #guint for `priority`, a #SdLane for `lane`, a %NULL-terminated string array for `tags`.
 *
 * Since: 1.0
 */
void
sd_service_type_set_defaults (GType       service_type,
                              const char *first_property_name,
                              ...)
{
  const char *name;
  va_list args;

  g_return_if_fail (g_type_is_a (service_type, SD_TYPE_SERVICE));

  ensure_service_class ();

  va_start (args, first_property_name);
  for (name = first_property_name; name != NULL; name = va_arg (args, const char *))
    {
      g_auto(GValue) value = G_VALUE_INIT;
      g_autofree char *collect_error = NULL;
      guint prop_id = defining_prop_id (name);

      if (prop_id == 0)
        {
          /* The varargs cannot be skipped without knowing the type: record and stop. */
          GValue dummy = G_VALUE_INIT;

          g_value_init (&dummy, G_TYPE_INT);
          sd_service_type_set_default_value (service_type, name, &dummy);
          g_value_unset (&dummy);
          break;
        }

      G_VALUE_COLLECT_INIT (&value, properties[prop_id]->value_type, args, 0, &collect_error);
      if (collect_error != NULL)
        {
          g_critical ("%s: %s", G_STRFUNC, collect_error);
          break;
        }

      sd_service_type_set_default_value (service_type, name, &value);
    }
  va_end (args);
}

/**
 * sd_service_type_dup_default_name:
 * @service_type: a #SdService subtype
 *
 * Derives the name a service of @service_type gets when neither a class default nor the
 * instance sets one: the type name in kebab case, without the module prefix a binding adds
 * (`MyHeartbeat` → `my-heartbeat`, `HTTPServer` → `http-server`,
 * `__main__+Worker` → `worker`).
 *
 * Returns: (transfer full): the derived name
 *
 * Since: 1.0
 */
char *
sd_service_type_dup_default_name (GType service_type)
{
  const char *type_name;
  const char *start;
  GString *out;

  g_return_val_if_fail (service_type != 0, NULL);

  type_name = g_type_name (service_type);
  start = strrchr (type_name, '+');
  start = start ? start + 1 : type_name;

  out = g_string_sized_new (strlen (start) + 4);
  for (const char *p = start; *p; p++)
    {
      char c = *p;

      if (g_ascii_isupper (c))
        {
          gboolean after_lower = p > start && (g_ascii_islower (p[-1]) || g_ascii_isdigit (p[-1]));
          gboolean acronym_end = p > start && g_ascii_isupper (p[-1]) && g_ascii_islower (p[1]);

          if ((after_lower || acronym_end) && out->len > 0 && out->str[out->len - 1] != '-')
            g_string_append_c (out, '-');
          g_string_append_c (out, g_ascii_tolower (c));
        }
      else if (g_ascii_isalnum (c))
        {
          g_string_append_c (out, c);
        }
      else if (out->len > 0 && out->str[out->len - 1] != '-')
        {
          g_string_append_c (out, '-');
        }
    }

  while (out->len > 0 && out->str[out->len - 1] == '-')
    g_string_truncate (out, out->len - 1);

  if (out->len == 0)
    g_string_append (out, "service");

  /* Copy out of the GString's oversized buffer: the name lives as long as the service */
  {
    char *name = g_strndup (out->str, out->len);

    g_string_free (out, TRUE);
    return name;
  }
}

/**
 * sd_service_get_name:
 * @self: a #SdService
 *
 * Gets #SdService:name.
 *
 * Returns: (transfer none): the name of the service
 *
 * Since: 1.0
 */
const char *
sd_service_get_name (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);
  const char *name;

  g_return_val_if_fail (SD_IS_SERVICE (self), NULL);

  name = g_atomic_pointer_get (&priv->name);
  if G_LIKELY (name != NULL)
    return name;

  /* Derived on first use, not at construction: most services are given a name, and the
   * string is set once and then never freed before the service. */
  g_mutex_lock (&strings_lock);
  if (priv->name == NULL)
    g_atomic_pointer_set (&priv->name, sd_service_type_dup_default_name (G_OBJECT_TYPE (self)));
  name = priv->name;
  g_mutex_unlock (&strings_lock);

  return name;
}

/**
 * sd_service_get_priority:
 * @self: a #SdService
 *
 * Gets #SdService:priority.
 *
 * Returns: the startup priority, from 0 to 255
 *
 * Since: 1.0
 */
guint
sd_service_get_priority (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), 0);

  return priv->priority;
}

/**
 * sd_service_get_lane:
 * @self: a #SdService
 *
 * Gets #SdService:lane.
 *
 * Returns: the lane of the service
 *
 * Since: 1.0
 */
SdLane
sd_service_get_lane (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), SD_LANE_STANDARD);

  return priv->lane;
}

/**
 * sd_service_dup_lane_name:
 * @self: a #SdService
 *
 * Gets #SdService:lane-name: the full name of the lane, such as `isolated:my-service`.
 *
 * Returns: (transfer full): the lane name
 *
 * Since: 1.0
 */
char *
sd_service_dup_lane_name (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), NULL);

  if (priv->lane == SD_LANE_ISOLATED)
    return g_strdup_printf ("isolated:%s", sd_service_get_name (self));

  return g_strdup (sd_lane_to_string (priv->lane));
}

/**
 * sd_service_get_tags:
 * @self: a #SdService
 *
 * Gets #SdService:tags.
 *
 * Returns: (transfer none) (array zero-terminated=1): the tags of the service
 *
 * Since: 1.0
 */
const char * const *
sd_service_get_tags (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);
  static const char * const no_tags[] = { NULL };

  g_return_val_if_fail (SD_IS_SERVICE (self), NULL);

  return priv->tags ? (const char * const *) priv->tags : no_tags;
}

/**
 * sd_service_has_tag:
 * @self: a #SdService
 * @tag: a tag
 *
 * Checks whether @tag is one of #SdService:tags.
 *
 * Returns: %TRUE if the service has @tag
 *
 * Since: 1.0
 */
gboolean
sd_service_has_tag (SdService  *self,
                    const char *tag)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (tag != NULL, FALSE);

  return priv->tags != NULL && g_strv_contains ((const char * const *) priv->tags, tag);
}

/**
 * sd_service_get_restart_mode:
 * @self: a #SdService
 *
 * Gets #SdService:restart-mode.
 *
 * Returns: the restart mode
 *
 * Since: 1.0
 */
SdRestartMode
sd_service_get_restart_mode (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), SD_RESTART_MODE_ALWAYS);

  return priv->restart_mode;
}

/**
 * sd_service_get_reloadable:
 * @self: a #SdService
 *
 * Gets #SdService:reloadable.
 *
 * Returns: whether a daemon-wide reload reloads this service
 *
 * Since: 1.0
 */
gboolean
sd_service_get_reloadable (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), FALSE);

  return priv->reloadable;
}

/**
 * sd_service_is_blocking:
 * @self: a #SdService
 *
 * Whether the service has a blocking body (`run()`) rather than an asynchronous one.
 *
 * Returns: %TRUE for a blocking service
 *
 * Since: 1.0
 */
gboolean
sd_service_is_blocking (SdService *self)
{
  g_return_val_if_fail (SD_IS_SERVICE (self), FALSE);

  return SD_SERVICE_GET_CLASS (self)->run_async == NULL;
}

/**
 * sd_service_get_state:
 * @self: a #SdService
 *
 * Gets #SdService:state. Safe to call from any thread.
 *
 * Returns: the current state
 *
 * Since: 1.0
 */
SdServiceState
sd_service_get_state (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), SD_SERVICE_STATE_INITIALIZING);

  return g_atomic_int_get (&priv->state);
}

/**
 * sd_service_get_generation:
 * @self: a #SdService
 *
 * Gets #SdService:generation.
 *
 * Returns: the number of the current or last generation, 0 before the first start
 *
 * Since: 1.0
 */
guint
sd_service_get_generation (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), 0);

  return priv->generation;
}

/**
 * sd_service_get_n_restarts:
 * @self: a #SdService
 *
 * Gets #SdService:n-restarts.
 *
 * Returns: how often the supervisor restarted the service
 *
 * Since: 1.0
 */
guint
sd_service_get_n_restarts (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), 0);

  return priv->n_restarts;
}

/**
 * sd_service_dup_last_error:
 * @self: a #SdService
 *
 * Gets #SdService:last-error. Safe to call from any thread.
 *
 * Returns: (transfer full) (nullable): the message of the last error
 *
 * Since: 1.0
 */
char *
sd_service_dup_last_error (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);
  char *ret;

  g_return_val_if_fail (SD_IS_SERVICE (self), NULL);

  g_mutex_lock (&strings_lock);
  ret = g_strdup (priv->last_error);
  g_mutex_unlock (&strings_lock);

  return ret;
}

/**
 * sd_service_get_next_restart_delay_ms:
 * @self: a #SdService
 *
 * Gets #SdService:next-restart-delay-ms.
 *
 * Returns: the delay of the pending restart in milliseconds, or 0
 *
 * Since: 1.0
 */
guint64
sd_service_get_next_restart_delay_ms (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), 0);

  return priv->next_restart_delay_ms;
}

/**
 * sd_service_get_since:
 * @self: a #SdService
 *
 * Gets #SdService:since.
 *
 * Returns: the wall-clock time of the last state change in microseconds, or 0
 *
 * Since: 1.0
 */
gint64
sd_service_get_since (SdService *self)
{
  SdServicePrivate *priv = sd_service_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SERVICE (self), 0);

  return priv->since;
}
