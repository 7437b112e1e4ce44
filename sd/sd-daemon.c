/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-daemon.h"

#include <glib-unix.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "sd-clock.h"
#include "sd-daemon-private.h"
#include "sd-enum-types.h"
#include "sd-error.h"
#include "sd-i18n-private.h"
#include "sd-log-private.h"
#include "sd-provider-private.h"
#include "sd-registry-private.h"
#include "sd-resolver-private.h"
#include "sd-restart-policy.h"
#include "sd-service-private.h"

/**
 * SdDaemon:
 *
 * Builds, starts, supervises and stops a set of services.
 *
 * A daemon is built from a #SdRegistry (sd_daemon_build(), implicitly by the first run):
 * every service is instantiated and checked, and services of equal priority are grouped in
 * *waves*. sd_daemon_run() then
 *
 * 1. starts the waves from the highest priority down, each wave only after every service
 *    of the previous one is HEALTHY (or #SdRestartPolicy:wave-spawn-timeout-ms passed —
 *    startup then goes on with a warning);
 * 2. supervises the services: restarts after clean exits and failures according to their
 *    #SdRestartMode and the #SdRestartPolicy, reloads them on request, and answers
 *    sd_daemon_start_service_async() and its siblings;
 * 3. on shutdown (SIGINT, SIGTERM, sd_daemon_shutdown(), or the cancellable given to
 *    sd_daemon_run()) stops the waves from the lowest priority up, waiting for each
 *    generation up to #SdRestartPolicy:wave-stop-timeout-ms and abandoning it after that,
 *    so that exit never blocks on a stuck service.
 *
 * While running, a second SIGINT or SIGTERM ends the process at once with status 130 or 143,
 * and SIGHUP reloads every service whose #SdService:reloadable is set (set
 * #SdDaemon:handle-signals to %FALSE to leave signals to the application).
 *
 * All signals of the daemon and all property notifications of its services are emitted on
 * the thread that runs the daemon. sd_daemon_shutdown() and sd_daemon_reload() may be called
 * from any thread. Several daemons can run in one process; they share nothing.
 *
 * Since: 1.0
 */

typedef struct
{
  guint      priority;
  GPtrArray *units;  /* (owned) (element-type SdUnit) (unowned elements) */
} SdWave;

struct _SdDaemon
{
  GObject           parent_instance;

  SdRegistry       *registry;          /* (owned) */
  SdRestartPolicy  *policy;            /* (owned) */
  SdClock          *clock;             /* (owned) */

  GPtrArray        *given_providers;   /* (owned) (element-type SdProvider): ready-made */
  SdResolver       *resolver;          /* (owned) (nullable): once built */
  GPtrArray        *units;             /* (owned) (element-type SdUnit): wave order */
  GHashTable       *units_by_name;     /* (owned) (element-type utf8 SdUnit) (unowned) */
  GArray           *waves;             /* (owned) (element-type SdWave) */

  GMainContext     *main_context;      /* (owned) (nullable): while running */
  SdEventQueue     *events;            /* (owned) (nullable) (lock control_lock) */
  SdLaneRuntime    *standard_lane;     /* (owned) (nullable) */
  SdLaneRuntime    *high_priority_lane; /* (owned) (nullable) */
  GPtrArray        *lanes;             /* (owned) (element-type SdLaneRuntime): to stop */
  GTask            *run_task;          /* (owned) (nullable) */
  GCancellable     *external;          /* (owned) (nullable) */
  gulong            external_handler;
  GSource          *wave_timer;        /* (owned) (nullable) */
  GArray           *watch_handlers;    /* (owned) (nullable) (element-type gulong): per watchable provider */
  GError           *run_error;         /* (owned) (nullable): why startup failed */

  /* Initialisation of the providers a wave needs, one after the other */
  GPtrArray        *init_queue;        /* (owned) (nullable) (element-type SdProvider) */
  GCancellable     *init_cancellable;  /* (owned) (nullable) */
  GSource          *init_timer;        /* (owned) (nullable): retry delay */
  gint64            init_started;      /* first attempt of the current provider */
  guint             init_index;
  guint             init_attempt;
  gboolean          wave_providers_ready;
  guint             signal_ids[3];

  GMutex            control_lock;
  guint             current_wave;
  guint             wave_pending;
  guint             n_signals;
  int               exit_status;
  SdDaemonPhase     phase;
  gboolean          handle_signals;
  gboolean          shutdown_requested; /* (lock control_lock): before run */
};

enum {
  PROP_0,
  PROP_REGISTRY,
  PROP_RESTART_POLICY,
  PROP_CLOCK,
  PROP_HANDLE_SIGNALS,
  PROP_PHASE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SERVICE_STATE_CHANGED,
  READY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdDaemon, sd_daemon, G_TYPE_OBJECT)

static void start_wave         (SdDaemon *self);
static void begin_shutdown     (SdDaemon *self);
static void stop_next_wave     (SdDaemon *self);
static void stop_provider_init (SdDaemon *self);
static void unwatch_providers  (SdDaemon *self);
static void init_next_provider (SdDaemon *self);
static gboolean init_retry_cb  (gpointer  data);

static void
sd_wave_clear (gpointer data)
{
  SdWave *wave = data;

  g_clear_pointer (&wave->units, g_ptr_array_unref);
}

static void
remove_signal_sources (SdDaemon *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->signal_ids); i++)
    {
      if (self->signal_ids[i] != 0)
        {
          GSource *source = g_main_context_find_source_by_id (self->main_context, self->signal_ids[i]);

          if (source != NULL)
            g_source_destroy (source);
          self->signal_ids[i] = 0;
        }
    }
}

static void
sd_daemon_dispose (GObject *object)
{
  SdDaemon *self = SD_DAEMON (object);

  g_mutex_lock (&self->control_lock);
  if (self->events != NULL)
    _sd_event_queue_close (self->events);
  g_mutex_unlock (&self->control_lock);

  if (self->wave_timer != NULL)
    {
      g_source_destroy (self->wave_timer);
      g_clear_pointer (&self->wave_timer, g_source_unref);
    }

  stop_provider_init (self);
  unwatch_providers (self);

  G_OBJECT_CLASS (sd_daemon_parent_class)->dispose (object);
}

static void
sd_daemon_finalize (GObject *object)
{
  SdDaemon *self = SD_DAEMON (object);

  g_clear_pointer (&self->waves, g_array_unref);
  g_clear_pointer (&self->units_by_name, g_hash_table_unref);
  g_clear_pointer (&self->units, g_ptr_array_unref);
  g_clear_pointer (&self->resolver, _sd_resolver_free);
  g_clear_pointer (&self->given_providers, g_ptr_array_unref);
  g_clear_error (&self->run_error);
  g_clear_pointer (&self->lanes, g_ptr_array_unref);
  g_clear_pointer (&self->standard_lane, _sd_lane_runtime_unref);
  g_clear_pointer (&self->high_priority_lane, _sd_lane_runtime_unref);
  g_clear_pointer (&self->events, _sd_event_queue_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_object (&self->external);
  g_clear_object (&self->registry);
  g_clear_object (&self->policy);
  g_clear_object (&self->clock);
  g_mutex_clear (&self->control_lock);

  G_OBJECT_CLASS (sd_daemon_parent_class)->finalize (object);
}

static void
sd_daemon_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SdDaemon *self = SD_DAEMON (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;

    case PROP_RESTART_POLICY:
      g_value_set_object (value, self->policy);
      break;

    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
      break;

    case PROP_HANDLE_SIGNALS:
      g_value_set_boolean (value, self->handle_signals);
      break;

    case PROP_PHASE:
      g_value_set_enum (value, self->phase);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_daemon_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  SdDaemon *self = SD_DAEMON (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      self->registry = g_value_dup_object (value);
      if (self->registry == NULL)
        self->registry = sd_registry_new_discovered ();
      break;

    case PROP_RESTART_POLICY:
      sd_daemon_set_restart_policy (self, g_value_get_object (value));
      break;

    case PROP_CLOCK:
      sd_daemon_set_clock (self, g_value_get_object (value));
      break;

    case PROP_HANDLE_SIGNALS:
      sd_daemon_set_handle_signals (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_daemon_class_init (SdDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_daemon_dispose;
  object_class->finalize = sd_daemon_finalize;
  object_class->get_property = sd_daemon_get_property;
  object_class->set_property = sd_daemon_set_property;

  /**
   * SdDaemon:registry:
   *
   * The registry the daemon takes its services from. A daemon made with sd_daemon_new()
   * gets one that includes the discovered services.
   *
   * Since: 1.0
   */
  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL,
                         SD_TYPE_REGISTRY,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdDaemon:restart-policy:
   *
   * The restart policy: backoff, budget and timeouts. Never %NULL; setting %NULL restores
   * the defaults.
   *
   * Since: 1.0
   */
  properties[PROP_RESTART_POLICY] =
    g_param_spec_object ("restart-policy", NULL, NULL,
                         SD_TYPE_RESTART_POLICY,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdDaemon:clock:
   *
   * The clock that measures every delay and timeout of the daemon. It can only be replaced
   * before the daemon runs.
   *
   * Since: 1.0
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL,
                         SD_TYPE_CLOCK,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdDaemon:handle-signals:
   *
   * Whether sd_daemon_run() handles SIGINT, SIGTERM (graceful shutdown; a second one exits
   * at once with status 130 or 143) and SIGHUP (reload).
   *
   * Since: 1.0
   */
  properties[PROP_HANDLE_SIGNALS] =
    g_param_spec_boolean ("handle-signals", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdDaemon:phase:
   *
   * Where the daemon is in its life cycle.
   *
   * Since: 1.0
   */
  properties[PROP_PHASE] =
    g_param_spec_enum ("phase", NULL, NULL,
                       SD_TYPE_DAEMON_PHASE, SD_DAEMON_PHASE_CREATED,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SdDaemon::service-state-changed:
   * @self: the daemon
   * @service: the service
   * @old_state: the previous state
   * @new_state: the new state
   *
   * Emitted on the daemon's thread for every state transition of every service.
   *
   * Since: 1.0
   */
  signals[SERVICE_STATE_CHANGED] =
    g_signal_new ("service-state-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3,
                  SD_TYPE_SERVICE, SD_TYPE_SERVICE_STATE, SD_TYPE_SERVICE_STATE);

  /**
   * SdDaemon::ready:
   * @self: the daemon
   *
   * Emitted once the last startup wave has settled (or timed out).
   *
   * Since: 1.0
   */
  signals[READY] =
    g_signal_new ("ready",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
sd_daemon_init (SdDaemon *self)
{
  g_mutex_init (&self->control_lock);
  self->policy = sd_restart_policy_new ();
  self->clock = sd_clock_new ();
  self->handle_signals = TRUE;
  self->lanes = g_ptr_array_new_with_free_func ((GDestroyNotify) _sd_lane_runtime_unref);
  self->given_providers = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
set_phase (SdDaemon      *self,
           SdDaemonPhase  phase)
{
  if (self->phase == phase)
    return;

  self->phase = phase;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
}

/* ---- internal API for units ---- */

SdEventQueue *
_sd_daemon_get_events (SdDaemon *self)
{
  return self->events;
}

GMainContext *
_sd_daemon_get_main_context (SdDaemon *self)
{
  return self->main_context;
}

gboolean
_sd_daemon_is_stopping (SdDaemon *self)
{
  return self->phase >= SD_DAEMON_PHASE_STOPPING;
}

SdLaneRuntime *
_sd_daemon_acquire_lane (SdDaemon *self,
                         SdUnit   *unit)
{
  SdLaneRuntime *lane;

  switch (sd_service_get_lane (unit->service))
    {
    case SD_LANE_HIGH_PRIORITY:
      if (self->high_priority_lane == NULL)
        {
          self->high_priority_lane = _sd_lane_runtime_new_thread (SD_LANE_HIGH_PRIORITY, "high-priority");
          g_ptr_array_add (self->lanes, _sd_lane_runtime_ref (self->high_priority_lane));
        }
      return _sd_lane_runtime_ref (self->high_priority_lane);

    case SD_LANE_ISOLATED:
      {
        g_autofree char *name = g_strdup_printf ("isolated:%s", sd_service_get_name (unit->service));

        lane = _sd_lane_runtime_new_thread (SD_LANE_ISOLATED, name);
        g_ptr_array_add (self->lanes, _sd_lane_runtime_ref (lane));
        return lane;
      }

    case SD_LANE_STANDARD:
    default:
      return _sd_lane_runtime_ref (self->standard_lane);
    }
}

void
_sd_daemon_unit_state_changed (SdDaemon       *self,
                               SdUnit         *unit,
                               SdServiceState  old_state,
                               SdServiceState  new_state)
{
  g_signal_emit (self, signals[SERVICE_STATE_CHANGED], 0, unit->service, old_state, new_state);

  if (unit->wave_pending && _sd_unit_is_settled (unit))
    {
      unit->wave_pending = FALSE;
      g_assert (self->wave_pending > 0);
      self->wave_pending--;
      if (self->wave_pending == 0 && self->phase == SD_DAEMON_PHASE_STARTING)
        {
          self->current_wave++;
          start_wave (self);
        }
    }
}

void
_sd_daemon_unit_down (SdDaemon *self,
                      SdUnit   *unit)
{
  if (!unit->stop_pending)
    return;

  unit->stop_pending = FALSE;
  g_assert (self->wave_pending > 0);
  self->wave_pending--;
  if (self->wave_pending == 0 && self->phase == SD_DAEMON_PHASE_STOPPING)
    {
      if (self->wave_timer != NULL)
        {
          g_source_destroy (self->wave_timer);
          g_clear_pointer (&self->wave_timer, g_source_unref);
        }
      stop_next_wave (self);
    }
}

/* ---- providers: initialisation and watching ---- */

static void
stop_provider_init (SdDaemon *self)
{
  if (self->init_cancellable != NULL)
    g_cancellable_cancel (self->init_cancellable);
  g_clear_object (&self->init_cancellable);
  if (self->init_timer != NULL)
    {
      g_source_destroy (self->init_timer);
      g_clear_pointer (&self->init_timer, g_source_unref);
    }
  g_clear_pointer (&self->init_queue, g_ptr_array_unref);
}

/* Startup fails: the error is what the run returns; started services stop gracefully. */
static void
fail_startup (SdDaemon *self,
              GError   *error)
{
  _sd_log (G_LOG_LEVEL_WARNING, NULL, "%s", error->message);
  if (self->run_error == NULL)
    self->run_error = error;
  else
    g_error_free (error);
  begin_shutdown (self);
}

static void
provider_init_finished (SdDaemon   *self,
                        SdProvider *provider,
                        GError     *error)
{
  SdRestartPolicy *policy = self->policy;
  gint64 now;
  gint64 elapsed_ms;
  guint64 timeout_ms;
  guint64 delay_ms;

  /* Shutdown began meanwhile: nothing more to do */
  if (self->init_queue == NULL || self->phase != SD_DAEMON_PHASE_STARTING)
    {
      g_clear_error (&error);
      return;
    }

  if (error == NULL)
    {
      _sd_provider_set_initialized (provider, TRUE);
      _sd_log (G_LOG_LEVEL_INFO, NULL, "Provider %s is initialised", G_OBJECT_TYPE_NAME (provider));
      self->init_index++;
      self->init_attempt = 0;
      init_next_provider (self);
      return;
    }

  now = sd_clock_get_monotonic_time (self->clock);
  elapsed_ms = (now - self->init_started) / 1000;
  timeout_ms = sd_restart_policy_get_provider_init_timeout_ms (policy);

  if (g_error_matches (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_RETRYABLE) &&
      (guint64) elapsed_ms < timeout_ms)
    {
      self->init_attempt++;
      delay_ms = MIN (sd_restart_policy_compute_delay_ms (policy, self->init_attempt),
                      timeout_ms - (guint64) elapsed_ms);
      _sd_log (G_LOG_LEVEL_MESSAGE, NULL,
               _("Provider %s failed to initialise (attempt %u): %s; retrying in %" PRIu64 " ms"),
               G_OBJECT_TYPE_NAME (provider), self->init_attempt, error->message, delay_ms);
      g_error_free (error);

      self->init_timer = sd_clock_create_timeout_source (self->clock, MAX (delay_ms, 1));
      g_source_set_static_name (self->init_timer, "[sd] provider retry");
      g_source_set_callback (self->init_timer, init_retry_cb, self, NULL);
      g_source_attach (self->init_timer, self->main_context);
      return;
    }

  if (g_error_matches (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_RETRYABLE))
    g_prefix_error (&error, _("Provider %s did not initialise within %" PRIu64 " ms: "),
                    G_OBJECT_TYPE_NAME (provider), timeout_ms);
  else
    g_prefix_error (&error, _("Provider %s failed to initialise: "), G_OBJECT_TYPE_NAME (provider));

  stop_provider_init (self);
  fail_startup (self, error);
}

static void
async_init_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(SdDaemon) self = data;
  GError *error = NULL;

  g_async_initable_init_finish (G_ASYNC_INITABLE (object), result, &error);
  provider_init_finished (self, SD_PROVIDER (object), error);
}

static void
initable_thread_func (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GError *error = NULL;

  if (g_initable_init (G_INITABLE (source_object), cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
initable_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(SdDaemon) self = data;
  GError *error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  provider_init_finished (self, SD_PROVIDER (object), error);
}

static gboolean
init_retry_cb (gpointer data)
{
  SdDaemon *self = data;

  g_clear_pointer (&self->init_timer, g_source_unref);
  init_next_provider (self);

  return G_SOURCE_REMOVE;
}

/* Initialises the queued providers one after the other, then starts the wave. */
static void
init_next_provider (SdDaemon *self)
{
  while (self->init_index < self->init_queue->len)
    {
      SdProvider *provider = g_ptr_array_index (self->init_queue, self->init_index);

      if (sd_provider_get_initialized (provider))
        {
          self->init_index++;
          continue;
        }

      if (self->init_attempt == 0)
        self->init_started = sd_clock_get_monotonic_time (self->clock);

      if (G_IS_ASYNC_INITABLE (provider))
        {
          g_async_initable_init_async (G_ASYNC_INITABLE (provider), G_PRIORITY_DEFAULT,
                                       self->init_cancellable, async_init_done_cb,
                                       g_object_ref (self));
          return;
        }

      if (G_IS_INITABLE (provider))
        {
          /* Blocking initialisation stays off the daemon's thread */
          g_autoptr(GTask) task = g_task_new (provider, self->init_cancellable,
                                              initable_done_cb, g_object_ref (self));

          g_task_set_source_tag (task, init_next_provider);
          g_task_run_in_thread (task, initable_thread_func);
          return;
        }

      _sd_provider_set_initialized (provider, TRUE);
      self->init_index++;
    }

  g_clear_pointer (&self->init_queue, g_ptr_array_unref);
  g_clear_object (&self->init_cancellable);
  self->wave_providers_ready = TRUE;
  start_wave (self);
}

static void
add_with_dependencies (SdDaemon   *self,
                       SdProvider *provider,
                       GPtrArray  *queue)
{
  if (g_ptr_array_find (queue, provider, NULL))
    return;

  _sd_resolver_collect_closure (self->resolver, provider, queue);
  if (!g_ptr_array_find (queue, provider, NULL))
    g_ptr_array_add (queue, provider);
}

/*
 * Queues the providers the units of @wave need, each after its dependencies — and before the
 * first wave, the eager ones that any selected service needs. Returns TRUE if some must be
 * initialised first (asynchronously).
 */
static gboolean
prepare_wave_providers (SdDaemon *self,
                        SdWave   *wave)
{
  g_autoptr(GPtrArray) needed = g_ptr_array_new ();
  g_autoptr(GPtrArray) queue = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->current_wave == 0)
    {
      g_autoptr(GPtrArray) reachable = g_ptr_array_new ();

      for (guint i = 0; i < self->units->len; i++)
        _sd_resolver_collect_closure (self->resolver,
                                      ((SdUnit *) g_ptr_array_index (self->units, i))->service,
                                      reachable);
      for (guint i = 0; i < reachable->len; i++)
        {
          SdProvider *provider = g_ptr_array_index (reachable, i);

          if (sd_provider_get_flags (provider) & SD_PROVIDER_FLAGS_EAGER)
            add_with_dependencies (self, provider, needed);
        }
    }

  for (guint i = 0; i < wave->units->len; i++)
    _sd_resolver_collect_closure (self->resolver,
                                  ((SdUnit *) g_ptr_array_index (wave->units, i))->service,
                                  needed);

  for (guint i = 0; i < needed->len; i++)
    {
      SdProvider *provider = g_ptr_array_index (needed, i);

      if (sd_provider_get_initialized (provider))
        continue;

      /* A provider without initialisation is ready as soon as it exists */
      if (G_IS_INITABLE (provider) || G_IS_ASYNC_INITABLE (provider))
        g_ptr_array_add (queue, g_object_ref (provider));
      else
        _sd_provider_set_initialized (provider, TRUE);
    }

  if (queue->len == 0)
    return FALSE;

  /* The first provider is initialised asynchronously: the wave resumes when all are done */
  self->init_queue = g_steal_pointer (&queue);
  self->init_index = 0;
  self->init_attempt = 0;
  self->init_cancellable = g_cancellable_new ();
  init_next_provider (self);

  return TRUE;
}

typedef struct
{
  SdDaemon   *daemon;    /* (owned) */
  SdProvider *provider;  /* (owned) */
  char       *property;  /* (owned) */
} ProviderChange;

static void
provider_change_free (gpointer data)
{
  ProviderChange *change = data;

  g_object_unref (change->daemon);
  g_object_unref (change->provider);
  g_free (change->property);
  g_free (change);
}

/* Reloads every running service that depends on the changed provider, directly or not. */
static void
provider_changed_cb (gpointer data,
                     gpointer unused)
{
  ProviderChange *change = data;
  SdDaemon *self = change->daemon;
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  g_autoptr(GString) reloaded = g_string_new (NULL);

  if (self->phase != SD_DAEMON_PHASE_STARTING && self->phase != SD_DAEMON_PHASE_RUNNING)
    return;

  g_ptr_array_add (seen, change->provider);
  for (guint i = 0; i < seen->len; i++)
    {
      GPtrArray *dependents = _sd_resolver_get_dependents (self->resolver, g_ptr_array_index (seen, i));

      for (guint j = 0; dependents && j < dependents->len; j++)
        {
          gpointer dependent = g_ptr_array_index (dependents, j);

          if (g_ptr_array_find (seen, dependent, NULL))
            continue;
          g_ptr_array_add (seen, dependent);

          if (SD_IS_SERVICE (dependent))
            {
              SdUnit *unit = _sd_service_get_unit (dependent);

              if (unit != NULL && (unit->phase == SD_UNIT_RUNNING || unit->phase == SD_UNIT_BACKOFF) &&
                  _sd_unit_reload (unit, NULL))
                g_string_append_printf (reloaded, "%s%s", reloaded->len ? ", " : "",
                                        sd_service_get_name (dependent));
            }
        }
    }

  _sd_log (G_LOG_LEVEL_INFO, NULL, "Provider %s changed (%s); reloading: %s",
           G_OBJECT_TYPE_NAME (change->provider), change->property,
           reloaded->len ? reloaded->str : "nothing");
}

/* Runs on whatever thread changed the property. */
static void
provider_notify_cb (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    data)
{
  SdDaemon *self = data;
  ProviderChange *change = g_new0 (ProviderChange, 1);

  change->daemon = g_object_ref (self);
  change->provider = g_object_ref (SD_PROVIDER (object));
  change->property = g_strdup (pspec->name);

  g_mutex_lock (&self->control_lock);
  if (self->events != NULL)
    _sd_event_queue_push (self->events, provider_changed_cb, change, provider_change_free);
  else
    provider_change_free (change);
  g_mutex_unlock (&self->control_lock);
}

static void
watch_providers (SdDaemon *self)
{
  GPtrArray *providers = _sd_resolver_get_providers (self->resolver);

  self->watch_handlers = g_array_new (FALSE, TRUE, sizeof (gulong));
  g_array_set_size (self->watch_handlers, providers->len);
  for (guint i = 0; i < providers->len; i++)
    {
      SdProvider *provider = g_ptr_array_index (providers, i);

      if (sd_provider_get_flags (provider) & SD_PROVIDER_FLAGS_WATCHABLE)
        g_array_index (self->watch_handlers, gulong, i) =
          g_signal_connect (provider, "notify", G_CALLBACK (provider_notify_cb), self);
    }
}

static void
unwatch_providers (SdDaemon *self)
{
  GPtrArray *providers;

  if (self->watch_handlers == NULL)
    return;

  providers = _sd_resolver_get_providers (self->resolver);
  for (guint i = 0; i < self->watch_handlers->len; i++)
    {
      gulong handler = g_array_index (self->watch_handlers, gulong, i);

      if (handler != 0)
        g_signal_handler_disconnect (g_ptr_array_index (providers, i), handler);
    }
  g_clear_pointer (&self->watch_handlers, g_array_unref);
}

/* ---- startup waves ---- */

static gboolean
wave_timeout_cb (gpointer data)
{
  SdDaemon *self = data;
  SdWave *wave = &g_array_index (self->waves, SdWave, self->current_wave);
  g_autoptr(GString) names = g_string_new (NULL);

  g_clear_pointer (&self->wave_timer, g_source_unref);

  for (guint i = 0; i < wave->units->len; i++)
    {
      SdUnit *unit = g_ptr_array_index (wave->units, i);

      if (!unit->wave_pending)
        continue;
      unit->wave_pending = FALSE;
      g_string_append_printf (names, "%s%s (%s)", names->len ? ", " : "",
                              sd_service_get_name (unit->service),
                              sd_service_state_to_string (sd_service_get_state (unit->service)));
    }

  _sd_log (G_LOG_LEVEL_WARNING, NULL,
           _("Startup wave %u (priority %u) is not healthy after %" PRIu64 " ms; "
             "going on without waiting for: %s"),
           self->current_wave + 1, wave->priority,
           sd_restart_policy_get_wave_spawn_timeout_ms (self->policy), names->str);

  self->wave_pending = 0;
  self->current_wave++;
  start_wave (self);

  return G_SOURCE_REMOVE;
}

/* Starts the current wave; moves on while waves settle at once. */
static void
start_wave (SdDaemon *self)
{
  while (self->phase == SD_DAEMON_PHASE_STARTING)
    {
      SdWave *wave;

      if (self->wave_timer != NULL)
        {
          g_source_destroy (self->wave_timer);
          g_clear_pointer (&self->wave_timer, g_source_unref);
        }

      if (self->current_wave >= self->waves->len)
        {
          _sd_log (G_LOG_LEVEL_INFO, NULL, "Startup complete: %u services in %u waves",
                   self->units->len, self->waves->len);
          set_phase (self, SD_DAEMON_PHASE_RUNNING);
          g_signal_emit (self, signals[READY], 0);
          return;
        }

      wave = &g_array_index (self->waves, SdWave, self->current_wave);

      /* First the providers this wave needs (and, before the first wave, the eager ones) */
      if (!self->wave_providers_ready && prepare_wave_providers (self, wave))
        return;
      self->wave_providers_ready = FALSE;

      _sd_log (G_LOG_LEVEL_INFO, NULL, "Starting wave %u (priority %u): %u services",
               self->current_wave + 1, wave->priority, wave->units->len);

      self->wave_pending = 0;
      for (guint i = 0; i < wave->units->len; i++)
        {
          SdUnit *unit = g_ptr_array_index (wave->units, i);

          if (unit->phase == SD_UNIT_IDLE)
            _sd_unit_start (unit);
        }

      for (guint i = 0; i < wave->units->len; i++)
        {
          SdUnit *unit = g_ptr_array_index (wave->units, i);

          if (!_sd_unit_is_settled (unit))
            {
              unit->wave_pending = TRUE;
              self->wave_pending++;
            }
        }

      if (self->wave_pending > 0)
        {
          self->wave_timer = sd_clock_create_timeout_source (self->clock,
                                                             sd_restart_policy_get_wave_spawn_timeout_ms (self->policy));
          g_source_set_static_name (self->wave_timer, "[sd] wave spawn timeout");
          g_source_set_callback (self->wave_timer, wave_timeout_cb, self, NULL);
          g_source_attach (self->wave_timer, self->main_context);
          return;
        }

      self->current_wave++;
    }
}

/* ---- shutdown waves ---- */

static void
finish_run (SdDaemon *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->run_task);

  _sd_log (G_LOG_LEVEL_INFO, NULL, "All services stopped");

  remove_signal_sources (self);
  if (self->external_handler != 0)
    {
      g_cancellable_disconnect (self->external, self->external_handler);
      self->external_handler = 0;
    }

  for (guint i = 0; i < self->lanes->len; i++)
    _sd_lane_runtime_stop (g_ptr_array_index (self->lanes, i));

  stop_provider_init (self);
  unwatch_providers (self);
  set_phase (self, SD_DAEMON_PHASE_STOPPED);

  /* Late reports of abandoned generations are dropped from now on */
  g_mutex_lock (&self->control_lock);
  _sd_event_queue_close (self->events);
  g_mutex_unlock (&self->control_lock);

  if (task == NULL)
    return;

  if (self->run_error != NULL)
    {
      self->exit_status = 1;
      g_task_return_error (task, g_error_copy (self->run_error));
    }
  else
    {
      g_task_return_boolean (task, TRUE);
    }
}

/* The stop deadline of a shutdown wave: abandons the generations still running. */
static gboolean
wave_stop_timeout_cb (gpointer data)
{
  SdDaemon *self = data;
  SdWave *wave = &g_array_index (self->waves, SdWave, self->current_wave);
  g_autoptr(GPtrArray) stuck = g_ptr_array_new ();

  g_clear_pointer (&self->wave_timer, g_source_unref);

  for (guint i = 0; i < wave->units->len; i++)
    {
      SdUnit *unit = g_ptr_array_index (wave->units, i);

      if (unit->stop_pending)
        g_ptr_array_add (stuck, unit);
    }

  /* Abandoning the last one moves on to the next wave */
  for (guint i = 0; i < stuck->len; i++)
    _sd_unit_abandon (g_ptr_array_index (stuck, i));

  return G_SOURCE_REMOVE;
}

/* Stops the waves from the lowest priority (the last wave) up. */
static void
stop_next_wave (SdDaemon *self)
{
  while (self->current_wave > 0)
    {
      SdWave *wave;

      self->current_wave--;
      wave = &g_array_index (self->waves, SdWave, self->current_wave);
      _sd_log (G_LOG_LEVEL_INFO, NULL, "Stopping wave %u (priority %u)",
               self->current_wave + 1, wave->priority);

      self->wave_pending = 0;
      for (guint i = 0; i < wave->units->len; i++)
        {
          SdUnit *unit = g_ptr_array_index (wave->units, i);

          if (_sd_unit_stop (unit, SD_STOP_SHUTDOWN))
            {
              unit->stop_pending = TRUE;
              self->wave_pending++;
            }
        }

      if (self->wave_pending > 0)
        {
          /* One deadline for the wave rather than a timer per service */
          self->wave_timer = sd_clock_create_timeout_source (self->clock,
                                                             sd_restart_policy_get_wave_stop_timeout_ms (self->policy));
          g_source_set_static_name (self->wave_timer, "[sd] wave stop timeout");
          g_source_set_callback (self->wave_timer, wave_stop_timeout_cb, self, NULL);
          g_source_attach (self->wave_timer, self->main_context);
          return;
        }
    }

  finish_run (self);
}

static void
begin_shutdown (SdDaemon *self)
{
  g_autoptr(GError) error = NULL;

  if (self->phase >= SD_DAEMON_PHASE_STOPPING || self->phase < SD_DAEMON_PHASE_STARTING)
    return;

  _sd_log (G_LOG_LEVEL_INFO, NULL, "Shutting down");

  if (self->wave_timer != NULL)
    {
      g_source_destroy (self->wave_timer);
      g_clear_pointer (&self->wave_timer, g_source_unref);
    }
  for (guint i = 0; i < self->units->len; i++)
    ((SdUnit *) g_ptr_array_index (self->units, i))->wave_pending = FALSE;

  stop_provider_init (self);
  set_phase (self, SD_DAEMON_PHASE_STOPPING);

  error = g_error_new_literal (SD_ERROR, SD_ERROR_CANCELLED, _("The daemon is shutting down"));
  for (guint i = 0; i < self->units->len; i++)
    _sd_unit_fail_ops (g_ptr_array_index (self->units, i), TRUE, error);

  self->current_wave = self->waves->len;
  stop_next_wave (self);
}

/* ---- events from other threads ---- */

static void
shutdown_event_cb (gpointer data,
                   gpointer unused)
{
  begin_shutdown (SD_DAEMON (data));
}

static void
reload_all (SdDaemon *self)
{
  if (self->phase != SD_DAEMON_PHASE_STARTING && self->phase != SD_DAEMON_PHASE_RUNNING)
    return;

  _sd_log (G_LOG_LEVEL_INFO, NULL, "Reloading all reloadable services");

  for (guint i = 0; i < self->units->len; i++)
    {
      SdUnit *unit = g_ptr_array_index (self->units, i);

      if (sd_service_get_reloadable (unit->service) &&
          (unit->phase == SD_UNIT_RUNNING || unit->phase == SD_UNIT_BACKOFF))
        _sd_unit_reload (unit, NULL);
    }
}

static void
reload_event_cb (gpointer data,
                 gpointer unused)
{
  reload_all (SD_DAEMON (data));
}

static void
push_event (SdDaemon *self,
            GFunc     func)
{
  g_mutex_lock (&self->control_lock);
  if (self->events != NULL)
    _sd_event_queue_push (self->events, func, g_object_ref (self), g_object_unref);
  else if (func == shutdown_event_cb)
    self->shutdown_requested = TRUE;
  g_mutex_unlock (&self->control_lock);
}

static gboolean
signal_cb (gpointer data)
{
  SdDaemon *self = ((gpointer *) data)[0];
  int signum = GPOINTER_TO_INT (((gpointer *) data)[1]);
  const char *name = signum == SIGINT ? "SIGINT" : signum == SIGTERM ? "SIGTERM" : "SIGHUP";

  if (signum == SIGHUP)
    {
      _sd_log (G_LOG_LEVEL_MESSAGE, NULL, _("Received %s: reloading"), name);
      reload_all (self);
      return G_SOURCE_CONTINUE;
    }

  self->n_signals++;
  if (self->n_signals > 1)
    {
      _sd_log (G_LOG_LEVEL_MESSAGE, NULL, _("Received %s again: exiting at once"), name);
      fflush (stdout);
      fflush (stderr);
      _exit (128 + signum);
    }

  _sd_log (G_LOG_LEVEL_MESSAGE, NULL,
           _("Received %s: shutting down gracefully (send it again to exit at once)"), name);
  begin_shutdown (self);

  return G_SOURCE_CONTINUE;
}

static void
install_signal_sources (SdDaemon *self)
{
  static const int signums[] = { SIGINT, SIGTERM, SIGHUP };

  for (guint i = 0; i < G_N_ELEMENTS (signums); i++)
    {
      GSource *source = g_unix_signal_source_new (signums[i]);
      gpointer *data = g_new (gpointer, 2);

      data[0] = self;
      data[1] = GINT_TO_POINTER (signums[i]);
      g_source_set_static_name (source, "[sd] signal");
      g_source_set_callback (source, signal_cb, data, g_free);
      self->signal_ids[i] = g_source_attach (source, self->main_context);
      g_source_unref (source);
    }
}

static void
external_cancelled_cb (GCancellable *cancellable,
                       gpointer      data)
{
  sd_daemon_shutdown (SD_DAEMON (data));
}

static void
startup_event_cb (gpointer data,
                  gpointer unused)
{
  SdDaemon *self = data;

  if (self->phase != SD_DAEMON_PHASE_STARTING)
    return;

  self->current_wave = 0;
  start_wave (self);
}

/* ---- public API ---- */

/**
 * sd_daemon_new:
 *
 * Creates a daemon whose registry includes every discovered service (see
 * sd_registry_register_type() and SD_REGISTER_SERVICE()).
 *
 * Returns: (transfer full): a new #SdDaemon
 *
 * Since: 1.0
 */
SdDaemon *
sd_daemon_new (void)
{
  return g_object_new (SD_TYPE_DAEMON, NULL);
}

/**
 * sd_daemon_new_with_registry:
 * @registry: (nullable): a #SdRegistry, or %NULL for one with the discovered services
 *
 * Creates a daemon that runs the services of @registry.
 *
 * Returns: (transfer full): a new #SdDaemon
 *
 * Since: 1.0
 */
SdDaemon *
sd_daemon_new_with_registry (SdRegistry *registry)
{
  g_return_val_if_fail (!registry || SD_IS_REGISTRY (registry), NULL);

  return g_object_new (SD_TYPE_DAEMON, "registry", registry, NULL);
}

/**
 * sd_daemon_get_registry:
 * @self: a #SdDaemon
 *
 * Gets #SdDaemon:registry.
 *
 * Returns: (transfer none): the registry
 *
 * Since: 1.0
 */
SdRegistry *
sd_daemon_get_registry (SdDaemon *self)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), NULL);

  return self->registry;
}

/**
 * sd_daemon_get_clock:
 * @self: a #SdDaemon
 *
 * Gets #SdDaemon:clock.
 *
 * Returns: (transfer none): the clock
 *
 * Since: 1.0
 */
SdClock *
sd_daemon_get_clock (SdDaemon *self)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), NULL);

  return self->clock;
}

/**
 * sd_daemon_set_clock:
 * @self: a #SdDaemon
 * @clock: (nullable): a #SdClock, or %NULL for the system clock
 *
 * Sets #SdDaemon:clock. Only possible before the daemon runs.
 *
 * Since: 1.0
 */
void
sd_daemon_set_clock (SdDaemon *self,
                     SdClock  *clock)
{
  g_autoptr(SdClock) new_clock = NULL;

  g_return_if_fail (SD_IS_DAEMON (self));
  g_return_if_fail (!clock || SD_IS_CLOCK (clock));
  g_return_if_fail (self->phase < SD_DAEMON_PHASE_STARTING);

  new_clock = clock ? g_object_ref (clock) : sd_clock_new ();
  if (self->clock == clock)
    return;

  g_set_object (&self->clock, new_clock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK]);
}

/**
 * sd_daemon_get_restart_policy:
 * @self: a #SdDaemon
 *
 * Gets #SdDaemon:restart-policy.
 *
 * Returns: (transfer none): the restart policy
 *
 * Since: 1.0
 */
SdRestartPolicy *
sd_daemon_get_restart_policy (SdDaemon *self)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), NULL);

  return self->policy;
}

/**
 * sd_daemon_set_restart_policy:
 * @self: a #SdDaemon
 * @policy: (nullable): a #SdRestartPolicy, or %NULL for the defaults
 *
 * Sets #SdDaemon:restart-policy. It applies to the next delay or timeout the daemon
 * computes.
 *
 * Since: 1.0
 */
void
sd_daemon_set_restart_policy (SdDaemon        *self,
                              SdRestartPolicy *policy)
{
  g_autoptr(SdRestartPolicy) new_policy = NULL;

  g_return_if_fail (SD_IS_DAEMON (self));
  g_return_if_fail (!policy || SD_IS_RESTART_POLICY (policy));

  if (policy != NULL && self->policy == policy)
    return;

  new_policy = policy ? g_object_ref (policy) : sd_restart_policy_new ();
  g_set_object (&self->policy, new_policy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESTART_POLICY]);
}

/**
 * sd_daemon_get_handle_signals:
 * @self: a #SdDaemon
 *
 * Gets #SdDaemon:handle-signals.
 *
 * Returns: whether the daemon handles SIGINT, SIGTERM and SIGHUP
 *
 * Since: 1.0
 */
gboolean
sd_daemon_get_handle_signals (SdDaemon *self)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), FALSE);

  return self->handle_signals;
}

/**
 * sd_daemon_set_handle_signals:
 * @self: a #SdDaemon
 * @handle_signals: whether to handle SIGINT, SIGTERM and SIGHUP
 *
 * Sets #SdDaemon:handle-signals. Takes effect at the next run.
 *
 * Since: 1.0
 */
void
sd_daemon_set_handle_signals (SdDaemon *self,
                              gboolean  handle_signals)
{
  g_return_if_fail (SD_IS_DAEMON (self));

  handle_signals = !!handle_signals;
  if (self->handle_signals == handle_signals)
    return;

  self->handle_signals = handle_signals;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HANDLE_SIGNALS]);
}

/**
 * sd_daemon_get_phase:
 * @self: a #SdDaemon
 *
 * Gets #SdDaemon:phase.
 *
 * Returns: the phase of the daemon
 *
 * Since: 1.0
 */
SdDaemonPhase
sd_daemon_get_phase (SdDaemon *self)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), SD_DAEMON_PHASE_CREATED);

  return self->phase;
}

/**
 * sd_daemon_get_exit_status:
 * @self: a #SdDaemon
 *
 * Gets the exit status a program should end with after sd_daemon_run() returned: 0 after
 * a graceful shutdown, 1 if the daemon failed to build or start.
 *
 * Returns: the exit status
 *
 * Since: 1.0
 */
int
sd_daemon_get_exit_status (SdDaemon *self)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), 1);

  return self->exit_status;
}

static gboolean
check_not_built (SdDaemon  *self,
                 GError   **error)
{
  if (self->phase != SD_DAEMON_PHASE_CREATED)
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_STATE,
                   _("Services cannot be added once the daemon is built"));
      return FALSE;
    }

  return TRUE;
}

/**
 * sd_daemon_add_service_type:
 * @self: a #SdDaemon
 * @service_type: a #SdService subtype
 * @error: return location for a #GError
 *
 * Adds @service_type to the daemon's registry, with its class defaults.
 *
 * Returns: %TRUE on success; %FALSE with @error set if @service_type is not a concrete
 *   service type or the daemon is already built
 *
 * Since: 1.0
 */
gboolean
sd_daemon_add_service_type (SdDaemon  *self,
                            GType      service_type,
                            GError   **error)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_built (self, error))
    return FALSE;

  return sd_registry_add_type_with_properties (self->registry, service_type, 0, NULL, NULL, error);
}

/**
 * sd_daemon_add_service:
 * @self: a #SdDaemon
 * @service: a service instance
 * @error: return location for a #GError
 *
 * Adds a ready-made service instance to the daemon's registry.
 *
 * Returns: %TRUE on success; %FALSE with @error set if the daemon is already built or the
 *   instance was added before
 *
 * Since: 1.0
 */
gboolean
sd_daemon_add_service (SdDaemon   *self,
                       SdService  *service,
                       GError    **error)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (SD_IS_SERVICE (service), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_built (self, error))
    return FALSE;

  return sd_registry_add_service (self->registry, service, error);
}

/**
 * sd_daemon_add_provider:
 * @self: a #SdDaemon
 * @provider: a ready-made provider
 * @error: return location for a #GError
 *
 * Hands the daemon a provider instance to inject wherever its type — or a supertype it is
 * the only instance of — is asked for, instead of one the daemon would create. This is how
 * tests pass test doubles and how an application passes a provider it built itself. The
 * provider's own provider properties must be set already. One instance per type.
 *
 * Returns: %TRUE on success; %FALSE with @error set if the daemon is already built or a
 *   provider of the same type was added before
 *
 * Since: 1.0
 */
gboolean
sd_daemon_add_provider (SdDaemon    *self,
                        SdProvider  *provider,
                        GError     **error)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (SD_IS_PROVIDER (provider), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_built (self, error))
    return FALSE;

  for (guint i = 0; i < self->given_providers->len; i++)
    {
      if (G_OBJECT_TYPE (g_ptr_array_index (self->given_providers, i)) == G_OBJECT_TYPE (provider))
        {
          g_set_error (error, SD_ERROR, SD_ERROR_EXISTS,
                       _("A provider of type %s was already added"),
                       G_OBJECT_TYPE_NAME (provider));
          return FALSE;
        }
    }

  g_ptr_array_add (self->given_providers, g_object_ref (provider));

  return TRUE;
}

/**
 * sd_daemon_list_providers:
 * @self: a #SdDaemon
 *
 * Lists the providers of a built daemon, each after the providers it depends on.
 *
 * Returns: (transfer container) (element-type SdProvider): the providers; empty before the
 *   daemon is built
 *
 * Since: 1.0
 */
GPtrArray *
sd_daemon_list_providers (SdDaemon *self)
{
  GPtrArray *ret;
  GPtrArray *providers;

  g_return_val_if_fail (SD_IS_DAEMON (self), NULL);

  ret = g_ptr_array_new_with_free_func (g_object_unref);
  if (self->resolver == NULL)
    return ret;

  providers = _sd_resolver_get_providers (self->resolver);
  for (guint i = 0; i < providers->len; i++)
    g_ptr_array_add (ret, g_object_ref (g_ptr_array_index (providers, i)));

  return ret;
}

/**
 * sd_daemon_lookup_provider:
 * @self: a #SdDaemon
 * @provider_type: a #SdProvider type
 *
 * Finds the provider of a built daemon that was injected for @provider_type, or else one
 * of that type or a subtype.
 *
 * Returns: (transfer none) (nullable): the provider, or %NULL
 *
 * Since: 1.0
 */
SdProvider *
sd_daemon_lookup_provider (SdDaemon *self,
                           GType     provider_type)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), NULL);
  g_return_val_if_fail (g_type_is_a (provider_type, SD_TYPE_PROVIDER), NULL);

  if (self->resolver == NULL)
    return NULL;

  return _sd_resolver_lookup (self->resolver, provider_type);
}

static int
compare_units (gconstpointer a,
               gconstpointer b)
{
  SdUnit *ua = *(SdUnit **) a;
  SdUnit *ub = *(SdUnit **) b;
  guint pa = sd_service_get_priority (ua->service);
  guint pb = sd_service_get_priority (ub->service);

  if (pa != pb)
    return pa > pb ? -1 : 1;

  return g_strcmp0 (sd_service_get_name (ua->service), sd_service_get_name (ub->service));
}

/**
 * sd_daemon_build:
 * @self: a #SdDaemon
 * @error: return location for a #GError
 *
 * Instantiates and checks the services of the registry and groups them in waves. The first
 * run builds the daemon if this was not called; calling it first reports configuration
 * errors before anything starts. Building a built daemon again does nothing.
 *
 * Building also resolves the providers the services depend on (see #SdProvider): each is
 * created once, on first need, after its own dependencies; value providers read their
 * environment variables.
 *
 * Errors (each names what is wrong, and nothing changes): a service type that implements
 * no body, an invalid class default or registry value (an out-of-range priority, a bad
 * enum value), an invalid name, two services with the same name, an instance already used
 * by another daemon, a missing or ambiguous provider (%SD_ERROR_DEPENDENCY), a dependency
 * cycle, named in full (%SD_ERROR_CYCLE), a provider-typed property that is not
 * construct-only, an environment variable that does not parse or a required one that is
 * unset.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
sd_daemon_build (SdDaemon  *self,
                 GError   **error)
{
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GHashTable) by_name = NULL;
  g_autoptr(SdResolver) resolver = NULL;

  g_return_val_if_fail (SD_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->phase == SD_DAEMON_PHASE_BUILT)
    return TRUE;

  if (self->phase != SD_DAEMON_PHASE_CREATED)
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_STATE,
                   _("The daemon was already run; a daemon runs once"));
      return FALSE;
    }

  /* A fresh resolver per attempt: a failed build leaves nothing behind */
  resolver = _sd_resolver_new ();
  for (guint i = 0; i < self->given_providers->len; i++)
    if (!_sd_resolver_add_instance (resolver, g_ptr_array_index (self->given_providers, i), error))
      return FALSE;

  services = _sd_registry_instantiate (self->registry, resolver, error);
  if (services == NULL)
    return FALSE;

  /* The name index doubles as the duplicate check; it is kept only if everything passes */
  by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < services->len; i++)
    {
      SdService *service = g_ptr_array_index (services, i);
      SdService *other = g_hash_table_lookup (by_name, sd_service_get_name (service));

      if (other != NULL)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_EXISTS,
                       _("Two services are named “%s” (types %s and %s); give one another name"),
                       sd_service_get_name (service),
                       G_OBJECT_TYPE_NAME (other), G_OBJECT_TYPE_NAME (service));
          return FALSE;
        }

      if (_sd_service_get_unit (service) != NULL)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_INVALID_STATE,
                       _("The service “%s” already belongs to another daemon"),
                       sd_service_get_name (service));
          return FALSE;
        }

      g_hash_table_insert (by_name, (gpointer) sd_service_get_name (service), service);
    }

  /* Nothing failed: commit. The index now maps names to units. */
  self->resolver = g_steal_pointer (&resolver);
  self->units = g_ptr_array_new_full (services->len, (GDestroyNotify) _sd_unit_free);
  for (guint i = 0; i < services->len; i++)
    {
      SdUnit *unit = _sd_unit_new (self, g_ptr_array_index (services, i));

      g_ptr_array_add (self->units, unit);
      g_hash_table_insert (by_name, (gpointer) sd_service_get_name (unit->service), unit);
    }
  self->units_by_name = g_steal_pointer (&by_name);
  g_ptr_array_sort (self->units, compare_units);

  self->waves = g_array_new (FALSE, TRUE, sizeof (SdWave));
  g_array_set_clear_func (self->waves, sd_wave_clear);
  for (guint i = 0; i < self->units->len; i++)
    {
      SdUnit *unit = g_ptr_array_index (self->units, i);
      guint priority = sd_service_get_priority (unit->service);
      SdWave *wave = self->waves->len ? &g_array_index (self->waves, SdWave, self->waves->len - 1) : NULL;

      if (wave == NULL || wave->priority != priority)
        {
          SdWave new_wave = { priority, g_ptr_array_new () };

          g_array_append_val (self->waves, new_wave);
          wave = &g_array_index (self->waves, SdWave, self->waves->len - 1);
        }
      g_ptr_array_add (wave->units, unit);
    }

  set_phase (self, SD_DAEMON_PHASE_BUILT);

  return TRUE;
}

/**
 * sd_daemon_list_services:
 * @self: a #SdDaemon
 *
 * Lists the services of a built daemon in wave order: by priority, highest first, then by
 * name.
 *
 * Returns: (transfer container) (element-type SdService): the services; empty before the
 *   daemon is built
 *
 * Since: 1.0
 */
GPtrArray *
sd_daemon_list_services (SdDaemon *self)
{
  GPtrArray *ret;

  g_return_val_if_fail (SD_IS_DAEMON (self), NULL);

  ret = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; self->units && i < self->units->len; i++)
    g_ptr_array_add (ret, g_object_ref (((SdUnit *) g_ptr_array_index (self->units, i))->service));

  return ret;
}

/**
 * sd_daemon_lookup_service:
 * @self: a #SdDaemon
 * @name: a service name
 *
 * Finds a service of a built daemon by name.
 *
 * Returns: (transfer none) (nullable): the service, or %NULL
 *
 * Since: 1.0
 */
SdService *
sd_daemon_lookup_service (SdDaemon   *self,
                          const char *name)
{
  SdUnit *unit;

  g_return_val_if_fail (SD_IS_DAEMON (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (self->units_by_name == NULL)
    return NULL;

  unit = g_hash_table_lookup (self->units_by_name, name);

  return unit ? unit->service : NULL;
}

/**
 * sd_daemon_run_async:
 * @self: a #SdDaemon
 * @cancellable: (nullable): a #GCancellable; cancelling it shuts the daemon down gracefully
 * @callback: (scope async): called once every service has stopped
 * @user_data: data for @callback
 *
 * Builds the daemon if needed, then runs it on the thread-default #GMainContext of the
 * caller: startup waves, supervision, and, once shut down, shutdown waves. The daemon's
 * standard lane is that context. A daemon without services runs idle until it is told to
 * stop. A daemon runs once.
 *
 * Since: 1.0
 */
void
sd_daemon_run_async (SdDaemon            *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  gboolean shutdown_requested;

  g_return_if_fail (SD_IS_DAEMON (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sd_daemon_run_async);

  if (self->phase == SD_DAEMON_PHASE_CREATED && !sd_daemon_build (self, &error))
    {
      self->exit_status = 1;
      _sd_log (G_LOG_LEVEL_WARNING, NULL,
               _("The daemon could not be built: %s"), error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (self->phase != SD_DAEMON_PHASE_BUILT)
    {
      g_task_return_new_error (task, SD_ERROR, SD_ERROR_INVALID_STATE,
                               _("The daemon was already run; a daemon runs once"));
      return;
    }

  self->run_task = g_object_ref (task);
  self->main_context = g_main_context_ref_thread_default ();
  self->standard_lane = _sd_lane_runtime_new_standard (self->main_context);

  set_phase (self, SD_DAEMON_PHASE_STARTING);
  _sd_log (G_LOG_LEVEL_INFO, NULL, "Starting %u services in %u waves",
           self->units->len, self->waves->len);

  g_mutex_lock (&self->control_lock);
  self->events = _sd_event_queue_new (self->main_context);
  shutdown_requested = self->shutdown_requested;
  g_mutex_unlock (&self->control_lock);

  watch_providers (self);

  _sd_event_queue_push (self->events, startup_event_cb, g_object_ref (self), g_object_unref);
  if (shutdown_requested)
    _sd_event_queue_push (self->events, shutdown_event_cb, g_object_ref (self), g_object_unref);

  if (self->handle_signals)
    install_signal_sources (self);

  if (cancellable != NULL)
    {
      self->external = g_object_ref (cancellable);
      self->external_handler = g_cancellable_connect (cancellable,
                                                      G_CALLBACK (external_cancelled_cb),
                                                      self, NULL);
    }
}

/**
 * sd_daemon_run_finish:
 * @self: a #SdDaemon
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_daemon_run_async().
 *
 * Returns: %TRUE once every service stopped after a graceful shutdown; %FALSE with @error
 *   set if the daemon could not be built or started
 *
 * Since: 1.0
 */
gboolean
sd_daemon_run_finish (SdDaemon      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sd_daemon_run_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
run_sync_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/**
 * sd_daemon_run:
 * @self: a #SdDaemon
 * @cancellable: (nullable): a #GCancellable; cancelling it shuts the daemon down gracefully
 * @error: return location for a #GError
 *
 * Runs the daemon (see sd_daemon_run_async()) and iterates the thread-default
 * #GMainContext until every service has stopped. This is what `main()` calls:
 *
 * |[<!-- language="C" -->
 * g_autoptr(SdDaemon) daemon = sd_daemon_new ();
 * g_autoptr(GError) error = NULL;
 *
 * if (!sd_daemon_run (daemon, NULL, &error))
 *   g_printerr ("%s\n", error->message);
 * return sd_daemon_get_exit_status (daemon);
 * ]|
 *
 * Returns: %TRUE after a graceful shutdown; %FALSE with @error set if the daemon could not
 *   be built or started
 *
 * Since: 1.0
 */
gboolean
sd_daemon_run (SdDaemon      *self,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (SD_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = g_main_context_ref_thread_default ();

  sd_daemon_run_async (self, cancellable, run_sync_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);

  return sd_daemon_run_finish (self, result, error);
}

/**
 * sd_daemon_shutdown:
 * @self: a #SdDaemon
 *
 * Starts a graceful shutdown: the waves stop from the lowest priority up, and the run
 * completes once every service stopped. Safe to call from any thread; called before the
 * daemon runs, the run stops right after it started.
 *
 * Since: 1.0
 */
void
sd_daemon_shutdown (SdDaemon *self)
{
  g_return_if_fail (SD_IS_DAEMON (self));

  push_event (self, shutdown_event_cb);
}

/**
 * sd_daemon_reload:
 * @self: a #SdDaemon
 *
 * Reloads every running service whose #SdService:reloadable is set, as SIGHUP does: each
 * live generation sees %SD_SERVICE_STATE_NEED_RELOAD and its cancellable fires; once it
 * returned, the next generation starts at once as %SD_SERVICE_STATE_RESTORING. A service
 * waiting for a restart restarts at once. Safe to call from any thread.
 *
 * Since: 1.0
 */
void
sd_daemon_reload (SdDaemon *self)
{
  g_return_if_fail (SD_IS_DAEMON (self));

  push_event (self, reload_event_cb);
}

/* ---- operator calls ---- */

typedef struct
{
  SdDaemon *daemon;  /* (owned) */
  GTask    *task;    /* (owned) */
  char     *name;    /* (owned) */
  SdOpKind  kind;
} SdOpRequest;

static void
sd_op_request_free (gpointer data)
{
  SdOpRequest *request = data;

  if (request->task != NULL && !g_task_get_completed (request->task))
    g_task_return_new_error (request->task, SD_ERROR, SD_ERROR_INVALID_STATE,
                             _("The daemon is not running"));
  g_clear_object (&request->task);
  g_clear_object (&request->daemon);
  g_free (request->name);
  g_free (request);
}

static void
op_request_cb (gpointer data,
               gpointer unused)
{
  SdOpRequest *request = data;
  SdDaemon *self = request->daemon;
  GTask *task = g_steal_pointer (&request->task);
  g_autoptr(GError) error = NULL;
  SdUnit *unit;
  guint generation;

  if (self->phase != SD_DAEMON_PHASE_STARTING && self->phase != SD_DAEMON_PHASE_RUNNING &&
      !(request->kind == SD_OP_STOP && self->phase == SD_DAEMON_PHASE_STOPPING))
    {
      g_task_return_new_error (task, SD_ERROR, SD_ERROR_INVALID_STATE,
                               _("The daemon is not running"));
      g_object_unref (task);
      return;
    }

  unit = g_hash_table_lookup (self->units_by_name, request->name);
  if (unit == NULL)
    {
      g_task_return_new_error (task, SD_ERROR, SD_ERROR_NOT_FOUND,
                               _("No service is named “%s”"), request->name);
      g_object_unref (task);
      return;
    }

  generation = unit->generation;

  switch (request->kind)
    {
    case SD_OP_START:
      if (unit->phase == SD_UNIT_RUNNING &&
          sd_service_get_state (unit->service) == SD_SERVICE_STATE_HEALTHY)
        {
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
          return;
        }
      if (unit->phase == SD_UNIT_RUNNING)
        generation--;
      _sd_unit_start (unit);
      break;

    case SD_OP_STOP:
      _sd_unit_stop (unit, SD_STOP_OPERATOR);
      break;

    case SD_OP_RESTART:
      _sd_unit_stop (unit, SD_STOP_RESTART);
      break;

    case SD_OP_RELOAD:
      if (!_sd_unit_reload (unit, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      break;

    default:
      g_assert_not_reached ();
    }

  _sd_unit_add_op (unit, request->kind, task, generation);
  g_object_unref (task);
}

static void
queue_op (SdDaemon            *self,
          SdOpKind             kind,
          const char          *name,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  SdOpRequest *request;
  GTask *task;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  request = g_new0 (SdOpRequest, 1);
  request->daemon = g_object_ref (self);
  request->task = task;
  request->name = g_strdup (name);
  request->kind = kind;

  g_mutex_lock (&self->control_lock);
  if (self->events != NULL)
    {
      _sd_event_queue_push (self->events, op_request_cb, request, sd_op_request_free);
      request = NULL;
    }
  g_mutex_unlock (&self->control_lock);

  g_clear_pointer (&request, sd_op_request_free);
}

static gboolean
finish_op (SdDaemon      *self,
           GAsyncResult  *result,
           gpointer       source_tag,
           GError       **error)
{
  g_return_val_if_fail (SD_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * sd_daemon_start_service_async:
 * @self: a #SdDaemon
 * @name: the name of a service
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Starts a stopped, terminated or failed service (or one waiting for a restart) and waits
 * until it is HEALTHY. Starting a healthy service succeeds at once. An operator start resets
 * the backoff and the restart budget. May be called from any thread; @callback runs on the
 * caller's thread-default context.
 *
 * Since: 1.0
 */
void
sd_daemon_start_service_async (SdDaemon            *self,
                               const char          *name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (SD_IS_DAEMON (self));
  g_return_if_fail (name != NULL);

  queue_op (self, SD_OP_START, name, cancellable, callback, user_data, sd_daemon_start_service_async);
}

/**
 * sd_daemon_start_service_finish:
 * @self: a #SdDaemon
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_daemon_start_service_async().
 *
 * Returns: %TRUE if the service is HEALTHY; %FALSE with @error set if there is no such
 *   service (%SD_ERROR_NOT_FOUND), it failed to start (%SD_ERROR_FAILED, with its error),
 *   it took too long (%SD_ERROR_TIMEOUT) or the daemon is not running
 *
 * Since: 1.0
 */
gboolean
sd_daemon_start_service_finish (SdDaemon      *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return finish_op (self, result, sd_daemon_start_service_async, error);
}

/**
 * sd_daemon_stop_service_async:
 * @self: a #SdDaemon
 * @name: the name of a service
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Stops a service: its generation is asked to stop and given
 * #SdRestartPolicy:wave-stop-timeout-ms before it is abandoned; the service ends
 * %SD_SERVICE_STATE_STOPPED and is not restarted until it is started again.
 *
 * Since: 1.0
 */
void
sd_daemon_stop_service_async (SdDaemon            *self,
                              const char          *name,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (SD_IS_DAEMON (self));
  g_return_if_fail (name != NULL);

  queue_op (self, SD_OP_STOP, name, cancellable, callback, user_data, sd_daemon_stop_service_async);
}

/**
 * sd_daemon_stop_service_finish:
 * @self: a #SdDaemon
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_daemon_stop_service_async().
 *
 * Returns: %TRUE once the service is stopped
 *
 * Since: 1.0
 */
gboolean
sd_daemon_stop_service_finish (SdDaemon      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return finish_op (self, result, sd_daemon_stop_service_async, error);
}

/**
 * sd_daemon_restart_service_async:
 * @self: a #SdDaemon
 * @name: the name of a service
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Stops the service's generation (if any) and starts a fresh one as
 * %SD_SERVICE_STATE_INITIALIZING, without backoff, then waits until it is HEALTHY.
 *
 * Since: 1.0
 */
void
sd_daemon_restart_service_async (SdDaemon            *self,
                                 const char          *name,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (SD_IS_DAEMON (self));
  g_return_if_fail (name != NULL);

  queue_op (self, SD_OP_RESTART, name, cancellable, callback, user_data, sd_daemon_restart_service_async);
}

/**
 * sd_daemon_restart_service_finish:
 * @self: a #SdDaemon
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_daemon_restart_service_async().
 *
 * Returns: %TRUE once the new generation is HEALTHY
 *
 * Since: 1.0
 */
gboolean
sd_daemon_restart_service_finish (SdDaemon      *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return finish_op (self, result, sd_daemon_restart_service_async, error);
}

/**
 * sd_daemon_reload_service_async:
 * @self: a #SdDaemon
 * @name: the name of a service
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Reloads one service, whatever its #SdService:reloadable (see sd_daemon_reload()), and
 * waits until the next generation is HEALTHY.
 *
 * Since: 1.0
 */
void
sd_daemon_reload_service_async (SdDaemon            *self,
                                const char          *name,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (SD_IS_DAEMON (self));
  g_return_if_fail (name != NULL);

  queue_op (self, SD_OP_RELOAD, name, cancellable, callback, user_data, sd_daemon_reload_service_async);
}

/**
 * sd_daemon_reload_service_finish:
 * @self: a #SdDaemon
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_daemon_reload_service_async().
 *
 * Returns: %TRUE once the next generation is HEALTHY; %FALSE with %SD_ERROR_INVALID_STATE
 *   if the service is not running
 *
 * Since: 1.0
 */
gboolean
sd_daemon_reload_service_finish (SdDaemon      *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return finish_op (self, result, sd_daemon_reload_service_async, error);
}
