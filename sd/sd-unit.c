/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-unit-private.h"

#include <inttypes.h>

#include "sd-clock.h"
#include "sd-daemon-private.h"
#include "sd-error.h"
#include "sd-i18n-private.h"
#include "sd-lane-private.h"
#include "sd-log-private.h"
#include "sd-restart-policy.h"

/*
 * Supervision of one service: starting generations on the right thread or lane, reading
 * how they ended, backoff and the restart budget, cooperative stop and reload, abandoning a
 * generation that does not stop in time, and the operator calls waiting for a result.
 *
 * Everything here runs on the daemon's thread. Generations report back through the daemon's
 * event queue (handshake_cb(), generation_done_cb()).
 */

typedef struct
{
  SdContext *context;  /* (owned) */
  GError    *error;    /* (owned) (nullable) */
} GenerationDone;

typedef struct
{
  SdUnit    *unit;        /* (unowned) */
  GTask     *task;        /* (owned) */
  GSource   *timeout;     /* (owned) (nullable) */
  SdOpKind   kind;
  guint      generation;  /* the operation waits for a generation after this one */
} SdOp;

static void unit_spawn (SdUnit         *unit,
                        SdServiceState  state,
                        gboolean        counts_as_restart);
static void unit_check_ops (SdUnit *unit);
static void generation_done_cb (gpointer data,
                                gpointer unused);

static SdUnitExtra *
unit_extra (SdUnit *unit)
{
  if (unit->extra == NULL)
    unit->extra = g_new0 (SdUnitExtra, 1);

  return unit->extra;
}

static SdRestartPolicy *
unit_policy (SdUnit *unit)
{
  return sd_daemon_get_restart_policy (unit->daemon);
}

static SdClock *
unit_clock (SdUnit *unit)
{
  return sd_daemon_get_clock (unit->daemon);
}

static const char *
unit_name (SdUnit *unit)
{
  return sd_service_get_name (unit->service);
}

static void
unit_set_state (SdUnit         *unit,
                SdServiceState  state)
{
  SdServiceState old = sd_service_get_state (unit->service);

  if (old == state)
    return;

  _sd_log (G_LOG_LEVEL_INFO, unit_name (unit), "%s: %s → %s (generation %u)",
           unit_name (unit), sd_service_state_to_string (old),
           sd_service_state_to_string (state), unit->generation);

  _sd_service_set_state (unit->service, state);
  _sd_daemon_unit_state_changed (unit->daemon, unit, old, state);
  unit_check_ops (unit);
}

static void
unit_set_error (SdUnit       *unit,
                const GError *error)
{
  if (unit->extra != NULL)
    g_clear_error (&unit->extra->previous_error);

  if (error != NULL)
    {
      unit_extra (unit)->previous_error = g_error_copy (error);
      _sd_service_set_last_error (unit->service, error->message);
    }
}

static void
unit_clear_timer (SdUnit *unit)
{
  if (unit->timer != NULL)
    {
      g_source_destroy (unit->timer);
      g_clear_pointer (&unit->timer, g_source_unref);
    }
}

static void
unit_set_timer (SdUnit      *unit,
                guint64      delay_ms,
                GSourceFunc  func)
{
  unit_clear_timer (unit);
  unit->timer = sd_clock_create_timeout_source (unit_clock (unit), delay_ms);
  g_source_set_static_name (unit->timer, "[sd] supervision timer");
  g_source_set_callback (unit->timer, func, unit, NULL);
  g_source_attach (unit->timer, _sd_daemon_get_main_context (unit->daemon));
}

/* Marks the unit as having no generation and none scheduled. */
static void
unit_go_down (SdUnit         *unit,
              SdServiceState  state)
{
  unit_clear_timer (unit);
  unit->phase = SD_UNIT_DOWN;
  unit->stop_reason = SD_STOP_NONE;
  _sd_service_set_next_restart_delay_ms (unit->service, 0);
  unit_set_state (unit, state);
  _sd_daemon_unit_down (unit->daemon, unit);
  unit_check_ops (unit);
}

SdUnit *
_sd_unit_new (SdDaemon  *daemon,
              SdService *service)
{
  SdUnit *unit = g_new0 (SdUnit, 1);

  unit->daemon = daemon;
  unit->service = g_object_ref (service);
  unit->phase = SD_UNIT_IDLE;
  _sd_service_set_unit (service, unit);

  return unit;
}

void
_sd_unit_free (SdUnit *unit)
{
  g_autoptr(GError) error = NULL;

  error = g_error_new_literal (SD_ERROR, SD_ERROR_CANCELLED, _("The daemon was destroyed"));
  _sd_unit_fail_ops (unit, FALSE, error);

  unit_clear_timer (unit);
  if (unit->extra != NULL)
    {
      /* A generation still live here was abandoned: let its thread finish on its own. */
      g_clear_pointer (&unit->extra->thread, g_thread_unref);
      g_clear_error (&unit->extra->previous_error);
      g_free (unit->extra->start_times);
      g_clear_pointer (&unit->extra, g_free);
    }
  g_clear_object (&unit->context);
  g_clear_pointer (&unit->lane, _sd_lane_runtime_unref);
  g_clear_pointer (&unit->shelf, _sd_shelf_unref);
  _sd_service_set_unit (unit->service, NULL);
  g_clear_object (&unit->service);
  g_free (unit);
}

/* A unit whose startup a wave no longer waits for. */
gboolean
_sd_unit_is_settled (SdUnit *unit)
{
  switch (sd_service_get_state (unit->service))
    {
    case SD_SERVICE_STATE_HEALTHY:
    case SD_SERVICE_STATE_TERMINATED:
    case SD_SERVICE_STATE_STOPPED:
    case SD_SERVICE_STATE_FAILED:
      return TRUE;

    case SD_SERVICE_STATE_INITIALIZING:
    case SD_SERVICE_STATE_RESTORING:
    case SD_SERVICE_STATE_RECOVERING:
    case SD_SERVICE_STATE_NEED_RELOAD:
    case SD_SERVICE_STATE_SHUTTING_DOWN:
    default:
      return FALSE;
    }
}

/*
 * The restart budget, as systemd's StartLimitBurst=/StartLimitIntervalSec=: a start that
 * would make more than `burst` starts within `interval` is refused.
 */
static gboolean
unit_budget_allows_start (SdUnit *unit)
{
  SdRestartPolicy *policy = unit_policy (unit);
  guint burst = sd_restart_policy_get_start_limit_burst (policy);
  gint64 interval_us = (gint64) sd_restart_policy_get_start_limit_interval_ms (policy) * 1000;
  gint64 now = sd_clock_get_monotonic_time (unit_clock (unit));
  SdUnitExtra *extra;
  guint in_window = 0;

  if (burst == 0)
    return TRUE;

  extra = unit_extra (unit);
  if (extra->start_times_len != burst)
    {
      g_free (extra->start_times);
      extra->start_times = g_new0 (gint64, burst);
      extra->start_times_len = burst;
      extra->n_start_times = 0;
    }

  for (guint i = 0; i < MIN (extra->n_start_times, burst); i++)
    {
      if (now - extra->start_times[i] < interval_us)
        in_window++;
    }

  if (in_window >= burst)
    return FALSE;

  extra->start_times[extra->n_start_times % burst] = now;
  extra->n_start_times++;

  return TRUE;
}

static void
unit_reset_budget (SdUnit *unit)
{
  if (unit->extra != NULL)
    unit->extra->n_start_times = 0;
  unit->failures = 0;
}

static void
generation_done_free (gpointer data)
{
  GenerationDone *done = data;

  g_clear_object (&done->context);
  g_clear_error (&done->error);
  g_free (done);
}

/* Called on whatever thread the generation ended on; consumes @context and @error. */
static void
post_generation_done (SdContext *context,
                      gboolean   success,
                      GError    *error)
{
  GenerationDone *done = g_new0 (GenerationDone, 1);

  if (!success && error == NULL)
    error = g_error_new (SD_SERVICE_ERROR, SD_SERVICE_ERROR_FAILED,
                         _("The service “%s” failed without giving a reason"),
                         sd_context_get_name (context));

  done->context = context;
  done->error = error;
  _sd_context_post (context, generation_done_cb, done, generation_done_free);
}

static gpointer
blocking_thread_func (gpointer data)
{
  SdContext *context = data;
  SdService *service = sd_context_get_service (context);
  GMainContext *main_context = g_main_context_new ();
  SdContext *previous;
  GError *error = NULL;
  gboolean success;

  g_main_context_push_thread_default (main_context);
  previous = _sd_context_push_current (context);

  success = SD_SERVICE_GET_CLASS (service)->run (service, context, &error);

  _sd_context_pop_current (previous);
  g_main_context_pop_thread_default (main_context);
  g_main_context_unref (main_context);

  post_generation_done (context, success, error);

  return NULL;
}

static void
run_async_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  SdContext *context = data;
  SdService *service = sd_context_get_service (context);
  GError *error = NULL;
  gboolean success;

  success = SD_SERVICE_GET_CLASS (service)->run_finish (service, result, &error);
  post_generation_done (context, success, error);
}

/* Runs on the service's lane, with the lane's context as thread-default. */
static gboolean
run_async_on_lane (gpointer data)
{
  SdContext *context = data;
  SdService *service = sd_context_get_service (context);
  SdContext *previous = _sd_context_push_current (context);

  SD_SERVICE_GET_CLASS (service)->run_async (service, context,
                                             sd_context_get_cancellable (context),
                                             run_async_done_cb,
                                             g_object_ref (context));

  _sd_context_pop_current (previous);

  return G_SOURCE_REMOVE;
}

static void
handshake_cb (gpointer data,
              gpointer unused)
{
  SdContext *context = data;
  SdUnit *unit = _sd_context_get_unit (context);
  SdServiceState service_state;

  if (unit->context != context)
    return;

  service_state = sd_service_get_state (unit->service);
  switch (sd_context_get_state (context))
    {
    case SD_SERVICE_STATE_HEALTHY:
      if (service_state == SD_SERVICE_STATE_INITIALIZING ||
          service_state == SD_SERVICE_STATE_RESTORING ||
          service_state == SD_SERVICE_STATE_RECOVERING)
        unit_set_state (unit, SD_SERVICE_STATE_HEALTHY);
      break;

    case SD_SERVICE_STATE_TERMINATED:
      if (service_state == SD_SERVICE_STATE_NEED_RELOAD ||
          service_state == SD_SERVICE_STATE_SHUTTING_DOWN)
        unit_set_state (unit, SD_SERVICE_STATE_TERMINATED);
      break;

    case SD_SERVICE_STATE_INITIALIZING:
    case SD_SERVICE_STATE_RESTORING:
    case SD_SERVICE_STATE_RECOVERING:
    case SD_SERVICE_STATE_NEED_RELOAD:
    case SD_SERVICE_STATE_SHUTTING_DOWN:
    case SD_SERVICE_STATE_STOPPED:
    case SD_SERVICE_STATE_FAILED:
    default:
      break;
    }
}

static gboolean
backoff_done_cb (gpointer data)
{
  SdUnit *unit = data;

  g_clear_pointer (&unit->timer, g_source_unref);
  unit_spawn (unit, unit->backoff_state, TRUE);

  return G_SOURCE_REMOVE;
}

static void
unit_schedule_restart (SdUnit         *unit,
                       SdServiceState  state,
                       guint64         delay_ms)
{
  unit->phase = SD_UNIT_BACKOFF;
  unit->backoff_state = state;
  _sd_service_set_next_restart_delay_ms (unit->service, delay_ms);
  unit_set_state (unit, state);
  unit_set_timer (unit, delay_ms, backoff_done_cb);
}

static gboolean
is_fatal (const GError *error)
{
  return g_error_matches (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL);
}

/* Keeps the shelf a generation made with its first sd_context_shelve(). */
static void
unit_adopt_shelf (SdUnit    *unit,
                  SdContext *context)
{
  SdShelf *shelf = _sd_context_get_shelf (context);

  if (unit->shelf == NULL && shelf != NULL)
    unit->shelf = _sd_shelf_ref (shelf);
}

/* Decides what follows the end (or abandonment) of the live generation. */
static void
unit_after_generation (SdUnit       *unit,
                       const GError *error)
{
  SdStopReason reason = unit->stop_reason;
  SdRestartPolicy *policy = unit_policy (unit);
  SdRestartMode mode = sd_service_get_restart_mode (unit->service);
  const char *name = unit_name (unit);
  gint64 ran_us;

  unit->stop_reason = SD_STOP_NONE;

  if (_sd_daemon_is_stopping (unit->daemon))
    reason = SD_STOP_SHUTDOWN;

  switch (reason)
    {
    case SD_STOP_SHUTDOWN:
      unit_go_down (unit, SD_SERVICE_STATE_TERMINATED);
      return;

    case SD_STOP_OPERATOR:
      unit_go_down (unit, SD_SERVICE_STATE_STOPPED);
      return;

    case SD_STOP_RELOAD:
      if (error != NULL)
        _sd_log (G_LOG_LEVEL_MESSAGE, name, _("%s returned an error while reloading: %s"),
                 name, error->message);
      unit_spawn (unit, SD_SERVICE_STATE_RESTORING, TRUE);
      return;

    case SD_STOP_RESTART:
      unit->failures = 0;
      unit_spawn (unit, SD_SERVICE_STATE_INITIALIZING, FALSE);
      return;

    case SD_STOP_NONE:
    default:
      break;
    }

  ran_us = sd_clock_get_monotonic_time (unit_clock (unit)) - unit->started_at;
  if (ran_us >= (gint64) sd_restart_policy_get_reset_after_ms (policy) * 1000)
    unit->failures = 0;

  if (error == NULL)
    {
      if (mode != SD_RESTART_MODE_ALWAYS)
        {
          _sd_log (G_LOG_LEVEL_INFO, name, "%s exited cleanly and is not restarted", name);
          unit_go_down (unit, SD_SERVICE_STATE_TERMINATED);
          return;
        }

      /* A clean exit is restarted after the initial delay, never with a growing backoff:
       * this keeps a service that returns at once from spinning. */
      _sd_log (G_LOG_LEVEL_INFO, name, "%s exited cleanly; restarting", name);
      unit_schedule_restart (unit, SD_SERVICE_STATE_INITIALIZING,
                             sd_restart_policy_compute_delay_ms (policy, 1));
      return;
    }

  if (is_fatal (error))
    {
      _sd_log (G_LOG_LEVEL_WARNING, name, _("%s failed fatally and will not be restarted: %s"),
               name, error->message);
      unit_go_down (unit, SD_SERVICE_STATE_TERMINATED);
      return;
    }

  if (mode == SD_RESTART_MODE_NEVER)
    {
      _sd_log (G_LOG_LEVEL_WARNING, name, _("%s failed and is not restarted: %s"),
               name, error->message);
      unit_go_down (unit, SD_SERVICE_STATE_TERMINATED);
      return;
    }

  unit->failures++;
  {
    guint64 delay = sd_restart_policy_compute_delay_ms (policy, unit->failures);

    _sd_log (G_LOG_LEVEL_WARNING, name,
             _("%s failed (attempt %u): %s; restarting in %" PRIu64 " ms"),
             name, unit->failures, error->message, delay);
    unit_schedule_restart (unit, SD_SERVICE_STATE_RECOVERING, delay);
  }
}

static void
generation_done_cb (gpointer data,
                    gpointer unused)
{
  GenerationDone *done = data;
  SdUnit *unit = _sd_context_get_unit (done->context);

  if (unit->context != done->context)
    {
      _sd_log (G_LOG_LEVEL_DEBUG, sd_context_get_name (done->context),
               "An abandoned generation (%u) of %s finally returned",
               sd_context_get_generation (done->context), sd_context_get_name (done->context));
      return;
    }

  if (unit->extra != NULL && unit->extra->thread != NULL)
    {
      /* The thread posted this as its last act: joining is immediate */
      g_thread_join (g_steal_pointer (&unit->extra->thread));
    }

  /* Returning G_IO_ERROR_CANCELLED is the GIO way to answer a cancelled cancellable: after
   * a stop or reload request it is a clean exit. */
  if (unit->stop_reason != SD_STOP_NONE &&
      g_error_matches (done->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_clear_error (&done->error);

  unit_clear_timer (unit);
  unit_adopt_shelf (unit, unit->context);
  g_clear_object (&unit->context);
  unit_set_error (unit, done->error);
  unit_after_generation (unit, done->error);
}

static void
unit_spawn (SdUnit         *unit,
            SdServiceState  state,
            gboolean        counts_as_restart)
{
  SdService *service = unit->service;
  SdContext *context;

  g_assert (unit->context == NULL);

  unit_clear_timer (unit);

  if (_sd_daemon_is_stopping (unit->daemon))
    {
      unit_go_down (unit, SD_SERVICE_STATE_TERMINATED);
      return;
    }

  if (!unit_budget_allows_start (unit))
    {
      g_autoptr(GError) error = NULL;
      SdRestartPolicy *policy = unit_policy (unit);

      error = g_error_new (SD_ERROR, SD_ERROR_FAILED,
                           _("%s hit its start limit: %u starts within %" PRIu64 " ms"),
                           unit_name (unit),
                           sd_restart_policy_get_start_limit_burst (policy),
                           sd_restart_policy_get_start_limit_interval_ms (policy));
      _sd_log (G_LOG_LEVEL_WARNING, unit_name (unit), "%s", error->message);
      unit_set_error (unit, error);
      unit_go_down (unit, SD_SERVICE_STATE_FAILED);
      return;
    }

  unit->generation++;
  if (counts_as_restart)
    unit->n_restarts++;
  _sd_service_set_generation (service, unit->generation, unit->n_restarts);
  _sd_service_set_next_restart_delay_ms (service, 0);

  if (!sd_service_is_blocking (service) && unit->lane == NULL)
    {
      unit->lane = _sd_daemon_acquire_lane (unit->daemon, unit);
    }

  context = _sd_context_new (service, unit, unit->generation, state,
                             unit_clock (unit), unit_policy (unit), unit->shelf,
                             state == SD_SERVICE_STATE_RECOVERING && unit->extra
                               ? unit->extra->previous_error : NULL,
                             _sd_daemon_get_events (unit->daemon),
                             handshake_cb);
  unit->context = context;
  unit->phase = SD_UNIT_RUNNING;
  unit->stop_reason = SD_STOP_NONE;
  unit->started_at = sd_clock_get_monotonic_time (unit_clock (unit));

  /* The state may already be the same (a restart after backoff keeps RECOVERING) */
  unit_set_state (unit, state);

  if (sd_service_is_blocking (service))
    {
      g_autofree char *thread_name = _sd_thread_name_for ("sd:", unit_name (unit));
      GError *error = NULL;

      GThread *thread = g_thread_try_new (thread_name, blocking_thread_func,
                                          g_object_ref (context), &error);

      unit_extra (unit)->thread = thread;
      if (thread == NULL)
        {
          g_prefix_error (&error, _("Could not start a thread for %s: "), unit_name (unit));
          post_generation_done (context, FALSE, error);
        }
    }
  else if (_sd_lane_runtime_get_kind (unit->lane) == SD_LANE_STANDARD)
    {
      run_async_on_lane (context);
    }
  else
    {
      _sd_lane_runtime_invoke (unit->lane, run_async_on_lane,
                               g_object_ref (context), g_object_unref);
    }
}

/*
 * Gives up on a generation that did not stop within the stop timeout: its thread is
 * detached (or its lane marked stuck, so it is never joined) and the unit goes on as if the
 * generation had returned.
 */
void
_sd_unit_abandon (SdUnit *unit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdContext) context = NULL;
  guint64 timeout = sd_restart_policy_get_wave_stop_timeout_ms (unit_policy (unit));

  if (unit->context == NULL || unit->phase != SD_UNIT_STOPPING)
    return;

  unit_clear_timer (unit);

  context = g_steal_pointer (&unit->context);
  unit_adopt_shelf (unit, context);
  error = g_error_new (SD_ERROR, SD_ERROR_TIMEOUT,
                       _("Generation %u of %s did not stop within %" PRIu64 " ms and was abandoned"),
                       sd_context_get_generation (context), unit_name (unit), timeout);
  _sd_log (G_LOG_LEVEL_WARNING, unit_name (unit), "%s", error->message);

  if (unit->extra != NULL && unit->extra->thread != NULL)
    {
      g_thread_unref (g_steal_pointer (&unit->extra->thread));
    }
  else if (unit->lane != NULL && _sd_lane_runtime_get_kind (unit->lane) != SD_LANE_STANDARD)
    {
      /* The generation may block its lane's thread: never wait for that thread, and give an
       * isolated service a fresh lane for its next generation. */
      _sd_lane_runtime_mark_stuck (unit->lane);
      if (_sd_lane_runtime_get_kind (unit->lane) == SD_LANE_ISOLATED)
        g_clear_pointer (&unit->lane, _sd_lane_runtime_unref);
    }

  unit_set_error (unit, error);
  unit_after_generation (unit, error);
}

static gboolean
stop_timeout_cb (gpointer data)
{
  SdUnit *unit = data;

  g_clear_pointer (&unit->timer, g_source_unref);
  _sd_unit_abandon (unit);

  return G_SOURCE_REMOVE;
}

static void
unit_request_stop (SdUnit       *unit,
                   SdStopReason  reason)
{
  SdServiceState state;

  g_assert (unit->context != NULL);

  /* A stronger reason replaces a weaker one: shutdown > operator stop > restart > reload */
  if (unit->phase == SD_UNIT_STOPPING && reason <= unit->stop_reason)
    return;

  state = reason == SD_STOP_RELOAD ? SD_SERVICE_STATE_NEED_RELOAD : SD_SERVICE_STATE_SHUTTING_DOWN;
  unit->stop_reason = reason;

  if (unit->phase != SD_UNIT_STOPPING)
    {
      unit->phase = SD_UNIT_STOPPING;
      /* A shutdown wave keeps one deadline for all its units (see stop_next_wave()) */
      if (reason != SD_STOP_SHUTDOWN)
        unit_set_timer (unit, sd_restart_policy_get_wave_stop_timeout_ms (unit_policy (unit)),
                        stop_timeout_cb);
    }

  unit_set_state (unit, state);
  _sd_context_request_stop (unit->context, state);
}

/* Starts the unit now, from any phase but a live generation. */
void
_sd_unit_start (SdUnit *unit)
{
  switch ((SdUnitPhase) unit->phase)
    {
    case SD_UNIT_IDLE:
    case SD_UNIT_DOWN:
      unit_reset_budget (unit);
      unit_spawn (unit, SD_SERVICE_STATE_INITIALIZING, FALSE);
      break;

    case SD_UNIT_BACKOFF:
      unit_spawn (unit, unit->backoff_state, TRUE);
      break;

    case SD_UNIT_STOPPING:
      if (unit->stop_reason == SD_STOP_OPERATOR)
        unit->stop_reason = SD_STOP_RESTART;
      break;

    case SD_UNIT_RUNNING:
    default:
      break;
    }
}

/*
 * Stops the unit for @reason (operator, restart or shutdown). Returns TRUE if a generation is
 * still live: the daemon hears of its end through _sd_daemon_unit_down() (or, for a restart,
 * through the state of the next generation).
 */
gboolean
_sd_unit_stop (SdUnit       *unit,
               SdStopReason  reason)
{
  SdServiceState final_state = reason == SD_STOP_SHUTDOWN ? SD_SERVICE_STATE_TERMINATED
                                                          : SD_SERVICE_STATE_STOPPED;

  g_assert (reason != SD_STOP_NONE && reason != SD_STOP_RELOAD);

  switch ((SdUnitPhase) unit->phase)
    {
    case SD_UNIT_RUNNING:
    case SD_UNIT_STOPPING:
      unit_request_stop (unit, reason);
      return TRUE;

    case SD_UNIT_BACKOFF:
      if (reason == SD_STOP_RESTART)
        {
          unit->failures = 0;
          unit_spawn (unit, SD_SERVICE_STATE_INITIALIZING, FALSE);
          return TRUE;
        }
      unit_go_down (unit, final_state);
      return FALSE;

    case SD_UNIT_IDLE:
    case SD_UNIT_DOWN:
    default:
      if (reason == SD_STOP_RESTART)
        {
          unit_reset_budget (unit);
          unit_spawn (unit, SD_SERVICE_STATE_INITIALIZING, FALSE);
          return TRUE;
        }
      if (reason == SD_STOP_OPERATOR)
        unit_go_down (unit, SD_SERVICE_STATE_STOPPED);
      else if (unit->phase == SD_UNIT_IDLE)
        unit_go_down (unit, final_state);
      /* else: a shutdown leaves a unit that is already down in its state */
      return FALSE;
    }
}

/* Asks the live generation to reload, or restarts a waiting unit at once, as RESTORING. */
gboolean
_sd_unit_reload (SdUnit  *unit,
                 GError **error)
{
  switch ((SdUnitPhase) unit->phase)
    {
    case SD_UNIT_RUNNING:
      unit_request_stop (unit, SD_STOP_RELOAD);
      return TRUE;

    case SD_UNIT_BACKOFF:
      unit_spawn (unit, SD_SERVICE_STATE_RESTORING, TRUE);
      return TRUE;

    case SD_UNIT_STOPPING:
      if (unit->stop_reason == SD_STOP_RELOAD || unit->stop_reason == SD_STOP_RESTART)
        return TRUE;
      G_GNUC_FALLTHROUGH;

    case SD_UNIT_IDLE:
    case SD_UNIT_DOWN:
    default:
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_STATE,
                   _("%s is not running (state %s) and cannot be reloaded"),
                   unit_name (unit), sd_service_state_to_string (sd_service_get_state (unit->service)));
      return FALSE;
    }
}

static void
sd_op_free (SdOp *op)
{
  if (op->timeout != NULL)
    {
      g_source_destroy (op->timeout);
      g_source_unref (op->timeout);
    }
  g_clear_object (&op->task);
  g_free (op);
}

static void
op_complete (SdOp   *op,
             GError *error)
{
  SdUnit *unit = op->unit;

  unit->extra->ops = g_slist_remove (unit->extra->ops, op);
  if (error != NULL)
    g_task_return_error (op->task, error);
  else
    g_task_return_boolean (op->task, TRUE);
  sd_op_free (op);
}

static gboolean
op_timeout_cb (gpointer data)
{
  SdOp *op = data;
  SdUnit *unit = op->unit;

  op_complete (op, g_error_new (SD_ERROR, SD_ERROR_TIMEOUT,
                                _("%s did not reach the expected state in time (it is %s)"),
                                unit_name (unit),
                                sd_service_state_to_string (sd_service_get_state (unit->service))));
  return G_SOURCE_REMOVE;
}

/* Completes the operations the current state answers. */
static void
unit_check_ops (SdUnit *unit)
{
  SdServiceState state = sd_service_get_state (unit->service);
  GSList *l = unit->extra ? unit->extra->ops : NULL;

  while (l != NULL)
    {
      SdOp *op = l->data;

      l = l->next;

      if (op->kind == SD_OP_STOP)
        {
          if (unit->phase == SD_UNIT_DOWN || unit->phase == SD_UNIT_IDLE)
            op_complete (op, NULL);
          continue;
        }

      if (unit->generation <= op->generation && unit->phase != SD_UNIT_DOWN)
        continue;

      if (state == SD_SERVICE_STATE_HEALTHY)
        {
          op_complete (op, NULL);
        }
      else if (state == SD_SERVICE_STATE_RECOVERING ||
               state == SD_SERVICE_STATE_TERMINATED ||
               state == SD_SERVICE_STATE_STOPPED ||
               state == SD_SERVICE_STATE_FAILED)
        {
          g_autofree char *last_error = sd_service_dup_last_error (unit->service);

          if (state == SD_SERVICE_STATE_RECOVERING && unit->phase != SD_UNIT_BACKOFF)
            continue;

          op_complete (op, g_error_new (SD_ERROR, SD_ERROR_FAILED,
                                        _("%s did not start (%s): %s"),
                                        unit_name (unit), sd_service_state_to_string (state),
                                        last_error ? last_error : _("no error was given")));
        }
    }
}

/*
 * Queues an operator call, made after the action itself. Start, restart and reload complete
 * when a generation after @after_generation (the one live before the action) is HEALTHY,
 * and fail when it ends or fails instead; stop completes when the unit is down.
 */
void
_sd_unit_add_op (SdUnit   *unit,
                 SdOpKind  kind,
                 GTask    *task,
                 guint     after_generation)
{
  SdRestartPolicy *policy = unit_policy (unit);
  SdOp *op = g_new0 (SdOp, 1);
  guint64 timeout_ms;

  op->unit = unit;
  op->task = g_object_ref (task);
  op->kind = kind;
  op->generation = after_generation;

  timeout_ms = sd_restart_policy_get_wave_stop_timeout_ms (policy) +
               sd_restart_policy_get_wave_spawn_timeout_ms (policy);
  op->timeout = sd_clock_create_timeout_source (unit_clock (unit), timeout_ms);
  g_source_set_static_name (op->timeout, "[sd] operation timeout");
  g_source_set_callback (op->timeout, op_timeout_cb, op, NULL);
  g_source_attach (op->timeout, _sd_daemon_get_main_context (unit->daemon));

  unit_extra (unit)->ops = g_slist_append (unit_extra (unit)->ops, op);
  unit_check_ops (unit);
}

void
_sd_unit_fail_ops (SdUnit       *unit,
                   gboolean      keep_stops,
                   const GError *error)
{
  GSList *l = unit->extra ? unit->extra->ops : NULL;

  while (l != NULL)
    {
      SdOp *op = l->data;

      l = l->next;
      if (keep_stops && op->kind == SD_OP_STOP)
        continue;
      op_complete (op, g_error_copy (error));
    }
}
