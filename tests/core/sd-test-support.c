/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-test-support.h"

#include <string.h>
#include <sys/prctl.h>

/* How long a test may wait for an event before it is considered hung. */
#define GUARD_MS 30000

G_DEFINE_FINAL_TYPE (SdTestService, sd_test_service, SD_TYPE_SERVICE)
G_DEFINE_FINAL_TYPE (SdTestBlocking, sd_test_blocking, SD_TYPE_SERVICE)

static GMutex stuck_lock;
static GCond stuck_cond;
static guint stuck_epoch;  /* incremented by each release */
static GPtrArray *stuck_tasks;  /* (element-type GTask): async generations that never return */

static void
record_clear (SdTestRecord *record)
{
  g_clear_pointer (&record->thread_name, g_free);
  g_clear_pointer (&record->previous_error, g_free);
}

static void
record_call (SdTestRecord *record,
             SdContext    *context)
{
  char name[17] = { 0 };
  const GError *previous = sd_context_get_previous_error (context);
  SdContext *current = sd_context_get_current ();

  prctl (PR_GET_NAME, name, 0, 0, 0);
  record_clear (record);
  record->thread = g_thread_self ();
  record->main_context = g_main_context_get_thread_default ();
  record->thread_name = g_strdup (name);
  record->start_state = sd_context_get_state (context);
  record->generations++;
  record->previous_error = previous ? g_strdup (previous->message) : NULL;
  record->saw_current = current == context;
}

static gint64
take_shelf_count (SdTestRecord *record,
                  SdContext    *context)
{
  g_autoptr(GVariant) value = sd_context_unshelve (context, "count");

  record->shelf_count = value ? g_variant_get_int64 (value) : -1;
  return record->shelf_count > 0 ? record->shelf_count + 1 : 1;
}

/* Resolves the modes that depend on the generation number. */
static SdTestMode
effective_mode (SdTestMode mode,
                guint      generation)
{
  switch (mode)
    {
    case SD_TEST_FAIL_TWICE:
      return generation <= 2 ? SD_TEST_FAIL : SD_TEST_IDLE;

    case SD_TEST_FAIL_ONCE:
      return generation <= 1 ? SD_TEST_FAIL : SD_TEST_IDLE;

    case SD_TEST_FAIL_LATE:
      return generation <= 2 ? SD_TEST_FAIL : SD_TEST_FAIL_LATE;

    case SD_TEST_IDLE:
    case SD_TEST_FAIL:
    case SD_TEST_CLEAN_EXIT:
    case SD_TEST_FATAL:
    case SD_TEST_NO_HANDSHAKE:
    case SD_TEST_IGNORE_STOP:
    case SD_TEST_SHELF:
    case SD_TEST_FORWARD:
    default:
      return mode;
    }
}

static void
shelve_on_reload (SdContext *context,
                  gint64     count)
{
  if (sd_context_get_state (context) == SD_SERVICE_STATE_NEED_RELOAD)
    sd_context_shelve (context, "count", g_variant_new_int64 (count));
}

/* ---- asynchronous test service ---- */

typedef struct
{
  SdContext *context;  /* (owned) */
  gint64     count;
} AsyncRun;

static void
async_run_free (gpointer data)
{
  AsyncRun *run = data;

  g_clear_object (&run->context);
  g_free (run);
}

static void
wait_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  AsyncRun *run = g_task_get_task_data (task);

  sd_context_wait_shutdown_finish (SD_CONTEXT (object), result, NULL);
  shelve_on_reload (run->context, run->count);
  g_task_return_boolean (task, TRUE);
}

static gboolean
start_waiting_cb (gpointer data)
{
  GTask *task = data;
  AsyncRun *run = g_task_get_task_data (task);

  sd_context_wait_shutdown_async (run->context, NULL, wait_done_cb, task);
  return G_SOURCE_REMOVE;
}

static gboolean
fail_late_cb (gpointer data)
{
  GTask *task = data;

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "failed late");
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
no_handshake_cancelled_cb (GCancellable *cancellable,
                           gpointer      data)
{
  GTask *task = data;

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
sd_test_service_run_async (SdService           *service,
                           SdContext           *context,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  SdTestService *self = SD_TEST_SERVICE (service);
  SdTestRecord *record = &self->record;
  GTask *task;
  AsyncRun *run;
  guint generation = sd_context_get_generation (context);
  SdTestMode mode = record->mode;

  record_call (record, context);

  if (mode == SD_TEST_FORWARD)
    {
      sd_context_wait_shutdown_async (context, NULL, callback, user_data);
      return;
    }

  task = g_task_new (service, NULL, callback, user_data);
  run = g_new0 (AsyncRun, 1);
  run->context = g_object_ref (context);
  g_task_set_task_data (task, run, async_run_free);

  mode = effective_mode (mode, generation);

  switch (mode)
    {
    case SD_TEST_IDLE:
    case SD_TEST_SHELF:
      if (mode == SD_TEST_SHELF)
        run->count = take_shelf_count (record, context);
      if (record->handshake_delay_ms > 0)
        {
          GSource *source = sd_clock_create_timeout_source (sd_context_get_clock (context),
                                                            record->handshake_delay_ms);

          g_source_set_callback (source, start_waiting_cb, task, NULL);
          g_source_attach (source, g_main_context_get_thread_default ());
          g_source_unref (source);
        }
      else
        {
          start_waiting_cb (task);
        }
      break;

    case SD_TEST_FAIL:
      sd_context_done (context);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "test failure in generation %u", generation);
      g_object_unref (task);
      break;

    case SD_TEST_CLEAN_EXIT:
      sd_context_done (context);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      break;

    case SD_TEST_FATAL:
      g_task_return_new_error (task, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                               "fatal test failure");
      g_object_unref (task);
      break;

    case SD_TEST_NO_HANDSHAKE:
      /* Runs once: the task reference is dropped by the handler */
      g_cancellable_connect (cancellable, G_CALLBACK (no_handshake_cancelled_cb), task, NULL);
      break;

    case SD_TEST_IGNORE_STOP:
      sd_context_done (context);
      g_mutex_lock (&stuck_lock);
      if (stuck_tasks == NULL)
        stuck_tasks = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (stuck_tasks, task);
      g_mutex_unlock (&stuck_lock);
      break;

    case SD_TEST_FAIL_LATE:
      {
        GSource *source = sd_clock_create_timeout_source (sd_context_get_clock (context),
                                                          record->run_ms);

        sd_context_done (context);
        g_source_set_callback (source, fail_late_cb, task, NULL);
        g_source_attach (source, g_main_context_get_thread_default ());
        g_source_unref (source);
      }
      break;

    case SD_TEST_FAIL_TWICE:
    case SD_TEST_FAIL_ONCE:
    case SD_TEST_FORWARD:
    default:
      g_assert_not_reached ();
    }
}

static void
sd_test_service_finalize (GObject *object)
{
  record_clear (&SD_TEST_SERVICE (object)->record);

  G_OBJECT_CLASS (sd_test_service_parent_class)->finalize (object);
}

static void
sd_test_service_class_init (SdTestServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_test_service_finalize;
  /* The default run_finish() finishes both the GTask and the forwarded wait */
  SD_SERVICE_CLASS (klass)->run_async = sd_test_service_run_async;
}

static void
sd_test_service_init (SdTestService *self)
{
  self->record.shelf_count = -1;
}

/* ---- blocking test service ---- */

static gboolean
sd_test_blocking_run (SdService  *service,
                      SdContext  *context,
                      GError    **error)
{
  SdTestBlocking *self = SD_TEST_BLOCKING (service);
  SdTestRecord *record = &self->record;
  guint generation = sd_context_get_generation (context);
  SdTestMode mode = record->mode;
  gint64 count = 0;

  record_call (record, context);

  mode = effective_mode (mode, generation);

  switch (mode)
    {
    case SD_TEST_IDLE:
    case SD_TEST_FORWARD:
    case SD_TEST_SHELF:
      if (mode == SD_TEST_SHELF)
        count = take_shelf_count (record, context);
      if (record->handshake_delay_ms > 0)
        sd_clock_sleep (sd_context_get_clock (context), record->handshake_delay_ms, NULL);
      while (sd_context_sleep (context, 60000))
        ;
      shelve_on_reload (context, count);
      return TRUE;

    case SD_TEST_FAIL:
      sd_context_done (context);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "test failure in generation %u", generation);
      return FALSE;

    case SD_TEST_CLEAN_EXIT:
      sd_context_done (context);
      return TRUE;

    case SD_TEST_FATAL:
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL, "fatal test failure");
      return FALSE;

    case SD_TEST_NO_HANDSHAKE:
      while (!g_cancellable_is_cancelled (sd_context_get_cancellable (context)))
        sd_clock_sleep (sd_context_get_clock (context), 60000, sd_context_get_cancellable (context));
      return TRUE;

    case SD_TEST_IGNORE_STOP:
      sd_context_done (context);
      g_mutex_lock (&stuck_lock);
      {
        guint epoch = stuck_epoch;

        while (stuck_epoch == epoch)
          g_cond_wait (&stuck_cond, &stuck_lock);
      }
      g_mutex_unlock (&stuck_lock);
      return TRUE;

    case SD_TEST_FAIL_LATE:
      sd_context_done (context);
      sd_clock_sleep (sd_context_get_clock (context), record->run_ms, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "failed late");
      return FALSE;

    case SD_TEST_FAIL_TWICE:
    case SD_TEST_FAIL_ONCE:
    default:
      g_assert_not_reached ();
    }
}

static void
sd_test_blocking_finalize (GObject *object)
{
  record_clear (&SD_TEST_BLOCKING (object)->record);

  G_OBJECT_CLASS (sd_test_blocking_parent_class)->finalize (object);
}

static void
sd_test_blocking_class_init (SdTestBlockingClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_test_blocking_finalize;
  SD_SERVICE_CLASS (klass)->run = sd_test_blocking_run;
}

static void
sd_test_blocking_init (SdTestBlocking *self)
{
  self->record.shelf_count = -1;
}

SdService *
sd_test_service_new (const char *name,
                     guint       priority,
                     SdTestMode  mode)
{
  SdTestService *self = g_object_new (SD_TYPE_TEST_SERVICE,
                                      "name", name,
                                      "priority", priority,
                                      NULL);

  self->record.mode = mode;
  return SD_SERVICE (self);
}

SdService *
sd_test_blocking_new (const char *name,
                      guint       priority,
                      SdTestMode  mode)
{
  SdTestBlocking *self = g_object_new (SD_TYPE_TEST_BLOCKING,
                                       "name", name,
                                       "priority", priority,
                                       NULL);

  self->record.mode = mode;
  return SD_SERVICE (self);
}

SdTestRecord *
sd_test_record (SdService *service)
{
  if (SD_IS_TEST_SERVICE (service))
    return &SD_TEST_SERVICE (service)->record;

  return &SD_TEST_BLOCKING (service)->record;
}

void
sd_test_release_stuck (void)
{
  g_autoptr(GPtrArray) tasks = NULL;

  g_mutex_lock (&stuck_lock);
  stuck_epoch++;
  g_cond_broadcast (&stuck_cond);
  tasks = g_steal_pointer (&stuck_tasks);
  g_mutex_unlock (&stuck_lock);

  for (guint i = 0; tasks && i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

/* ---- daemon helpers ---- */

SdDaemon *
sd_test_daemon_new (void)
{
  g_autoptr(SdRegistry) registry = sd_registry_new ();
  g_autoptr(SdRestartPolicy) policy = sd_restart_policy_new_for_testing ();
  SdDaemon *daemon = sd_daemon_new_with_registry (registry);

  sd_daemon_set_restart_policy (daemon, policy);
  sd_daemon_set_handle_signals (daemon, FALSE);

  return daemon;
}

void
sd_test_add (SdDaemon  *daemon,
             SdService *service)
{
  g_autoptr(GError) error = NULL;

  sd_daemon_add_service (daemon, service, &error);
  g_assert_no_error (error);
  g_object_unref (service);
}

static void
recorder_state_changed_cb (SdDaemon       *daemon,
                           SdService      *service,
                           SdServiceState  old_state,
                           SdServiceState  new_state,
                           SdTestRecorder *recorder)
{
  gint64 now = g_get_monotonic_time ();

  g_ptr_array_add (recorder->events,
                   g_strdup_printf ("%s:%s", sd_service_get_name (service),
                                    sd_service_state_to_string (new_state)));
  g_array_append_val (recorder->times, now);
}

SdTestRecorder *
sd_test_recorder_new (SdDaemon *daemon)
{
  SdTestRecorder *recorder = g_new0 (SdTestRecorder, 1);

  recorder->events = g_ptr_array_new_with_free_func (g_free);
  recorder->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect (daemon, "service-state-changed",
                    G_CALLBACK (recorder_state_changed_cb), recorder);

  return recorder;
}

void
sd_test_recorder_free (SdTestRecorder *recorder)
{
  g_ptr_array_unref (recorder->events);
  g_array_unref (recorder->times);
  g_free (recorder);
}

int
sd_test_recorder_index (SdTestRecorder *recorder,
                        const char     *event,
                        guint           nth)
{
  for (guint i = 0; i < recorder->events->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (recorder->events, i), event) && nth-- == 0)
        return (int) i;
    }

  return -1;
}

guint
sd_test_recorder_count (SdTestRecorder *recorder,
                        const char     *event)
{
  guint count = 0;

  for (guint i = 0; i < recorder->events->len; i++)
    count += g_str_equal (g_ptr_array_index (recorder->events, i), event);

  return count;
}

char *
sd_test_recorder_dump (SdTestRecorder *recorder)
{
  g_ptr_array_add (recorder->events, NULL);
  {
    char *ret = g_strjoinv (" ", (char **) recorder->events->pdata);

    g_ptr_array_set_size (recorder->events, recorder->events->len - 1);
    return ret;
  }
}

static gboolean
guard_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
sd_test_wait (SdTestPredicate predicate,
              gpointer        data)
{
  gboolean hung = FALSE;
  guint guard = g_timeout_add (GUARD_MS, guard_cb, &hung);

  while (!predicate (data) && !hung)
    g_main_context_iteration (NULL, TRUE);

  if (hung)
    g_error ("Waited %d ms for an event that never came", GUARD_MS);

  g_source_remove (guard);
}

typedef struct
{
  SdService      *service;
  SdServiceState  state;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *wait = data;

  return sd_service_get_state (wait->service) == wait->state;
}

void
sd_test_wait_state (SdService      *service,
                    SdServiceState  state)
{
  StateWait wait = { service, state };

  sd_test_wait (state_reached, &wait);
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GError) error = NULL;

  sd_daemon_run_finish (SD_DAEMON (object), result, &error);
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

void
sd_test_run_async (SdDaemon *daemon,
                   gboolean *finished)
{
  *finished = FALSE;
  sd_daemon_run_async (daemon, NULL, run_done_cb, finished);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

void
sd_test_shutdown_and_wait (SdDaemon *daemon,
                           gboolean *finished)
{
  sd_daemon_shutdown (daemon);
  sd_test_wait (flag_set, finished);
}

/* ---- log capture ---- */

static GMutex log_lock;
static GPtrArray *log_lines;

static GLogWriterOutput
test_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  const char *message = NULL;

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_default (log_level, fields, n_fields, user_data);

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }

  if (message != NULL)
    {
      g_mutex_lock (&log_lock);
      g_ptr_array_add (log_lines, g_strdup (message));
      g_mutex_unlock (&log_lock);
    }

  if (g_test_verbose () && (log_level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE)))
    g_test_message ("log: %s", message ? message : "");

  return G_LOG_WRITER_HANDLED;
}

void
sd_test_init (int    *argc,
              char ***argv)
{
  g_test_init (argc, argv, NULL);
  log_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (test_log_writer, NULL, NULL);
}

gboolean
sd_test_log_contains (const char *needle)
{
  gboolean found = FALSE;

  g_mutex_lock (&log_lock);
  for (guint i = 0; i < log_lines->len && !found; i++)
    found = strstr (g_ptr_array_index (log_lines, i), needle) != NULL;
  g_mutex_unlock (&log_lock);

  return found;
}

void
sd_test_log_clear (void)
{
  g_mutex_lock (&log_lock);
  g_ptr_array_set_size (log_lines, 0);
  g_mutex_unlock (&log_lock);
}

/* ---- operator calls, synchronously ---- */

typedef struct
{
  GAsyncResult *result;
} OpWait;

static void
op_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  ((OpWait *) data)->result = g_object_ref (result);
}

static gboolean
op_finished (gpointer data)
{
  return ((OpWait *) data)->result != NULL;
}

gboolean
sd_test_op (SdDaemon    *daemon,
            const char  *op,
            const char  *name,
            GError     **error)
{
  OpWait wait = { NULL };
  gboolean ret;

  if (g_str_equal (op, "start"))
    sd_daemon_start_service_async (daemon, name, NULL, op_done_cb, &wait);
  else if (g_str_equal (op, "stop"))
    sd_daemon_stop_service_async (daemon, name, NULL, op_done_cb, &wait);
  else if (g_str_equal (op, "restart"))
    sd_daemon_restart_service_async (daemon, name, NULL, op_done_cb, &wait);
  else if (g_str_equal (op, "reload"))
    sd_daemon_reload_service_async (daemon, name, NULL, op_done_cb, &wait);
  else
    g_assert_not_reached ();

  sd_test_wait (op_finished, &wait);

  if (g_str_equal (op, "start"))
    ret = sd_daemon_start_service_finish (daemon, wait.result, error);
  else if (g_str_equal (op, "stop"))
    ret = sd_daemon_stop_service_finish (daemon, wait.result, error);
  else if (g_str_equal (op, "restart"))
    ret = sd_daemon_restart_service_finish (daemon, wait.result, error);
  else
    ret = sd_daemon_reload_service_finish (daemon, wait.result, error);

  g_object_unref (wait.result);

  return ret;
}
