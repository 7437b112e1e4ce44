/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <sd-triggers.h>

#include "sd-test-support.h"

/* ---- a recording handler, optionally held at a gate ---- */

typedef struct
{
  GMutex   lock;
  GCond    cond;
  GArray  *seen;         /* (element-type guint32) (lock lock): payloads handled, in order */
  gboolean gated;        /* (lock lock): handlers wait until the gate opens */
  guint32  hold_at;      /* only this item waits at the gate; G_MAXUINT32: every item */
  guint    running;      /* (lock lock): handlers inside the handler now */
  guint    max_running;  /* (lock lock) */
  SdDaemon *shutdown_daemon;  /* (nullable): shut down when `shutdown_at` is handled */
  guint32  shutdown_at;
} Recorder;

static Recorder *
recorder_new (gboolean gated)
{
  Recorder *recorder = g_new0 (Recorder, 1);

  g_mutex_init (&recorder->lock);
  g_cond_init (&recorder->cond);
  recorder->seen = g_array_new (FALSE, FALSE, sizeof (guint32));
  recorder->gated = gated;
  recorder->shutdown_at = G_MAXUINT32;
  recorder->hold_at = G_MAXUINT32;
  return recorder;
}

static void
recorder_free (gpointer data)
{
  Recorder *recorder = data;

  g_array_unref (recorder->seen);
  g_cond_clear (&recorder->cond);
  g_mutex_clear (&recorder->lock);
  g_free (recorder);
}

static void
recorder_open (Recorder *recorder)
{
  g_mutex_lock (&recorder->lock);
  recorder->gated = FALSE;
  g_cond_broadcast (&recorder->cond);
  g_mutex_unlock (&recorder->lock);
}

static guint
recorder_count (Recorder *recorder)
{
  guint n;

  g_mutex_lock (&recorder->lock);
  n = recorder->seen->len;
  g_mutex_unlock (&recorder->lock);

  return n;
}

static guint
recorder_running (Recorder *recorder)
{
  guint n;

  g_mutex_lock (&recorder->lock);
  n = recorder->running;
  g_mutex_unlock (&recorder->lock);

  return n;
}

static guint32
recorder_at (Recorder *recorder,
             guint     i)
{
  guint32 value;

  g_mutex_lock (&recorder->lock);
  value = g_array_index (recorder->seen, guint32, i);
  g_mutex_unlock (&recorder->lock);

  return value;
}

static gboolean
record_handler (SdTrigger  *trigger,
                SdMessage  *message,
                gpointer    user_data,
                GError    **error)
{
  Recorder *recorder = user_data;
  guint32 value = g_variant_get_uint32 (sd_message_get_payload (message));

  g_assert_nonnull (sd_message_get_id (message));
  g_assert_true (sd_message_get_current () == message);

  if (value == recorder->shutdown_at && recorder->shutdown_daemon != NULL)
    sd_daemon_shutdown (recorder->shutdown_daemon);

  g_mutex_lock (&recorder->lock);
  recorder->running++;
  recorder->max_running = MAX (recorder->max_running, recorder->running);
  g_main_context_wakeup (NULL);
  while (recorder->gated && (recorder->hold_at == G_MAXUINT32 || recorder->hold_at == value))
    g_cond_wait (&recorder->cond, &recorder->lock);
  recorder->running--;
  g_array_append_val (recorder->seen, value);
  g_mutex_unlock (&recorder->lock);

  /* The test thread re-checks what it waits for */
  g_main_context_wakeup (NULL);

  return TRUE;
}

static SdTrigger *
queue_trigger (const char      *name,
               SdQueue         *queue,
               Recorder        *recorder,
               SdLane           lane,
               SdScalingPolicy *policy)
{
  SdTrigger *trigger = g_object_new (SD_TYPE_QUEUE_TRIGGER,
                                     "name", name,
                                     "source", queue,
                                     "lane", lane,
                                     "scaling-policy", policy,
                                     NULL);

  sd_trigger_set_handler (trigger, record_handler, recorder, recorder_free);
  return trigger;
}

typedef struct
{
  Recorder *recorder;
  guint     n;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *wait = data;

  return recorder_count (wait->recorder) >= wait->n;
}

static void
wait_count (Recorder *recorder,
            guint     n)
{
  CountWait wait = { recorder, n };

  sd_test_wait (count_reached, &wait);
}

static gboolean
running_reached (gpointer data)
{
  CountWait *wait = data;

  return recorder_running (wait->recorder) >= wait->n;
}

static void
wait_running (Recorder *recorder,
              guint     n)
{
  CountWait wait = { recorder, n };

  sd_test_wait (running_reached, &wait);
}

static gboolean
push_number (SdQueue  *queue,
             guint32   value,
             GError  **error)
{
  return sd_queue_push (queue, g_variant_new_uint32 (value), error);
}

static void
assert_sequence (Recorder *recorder,
                 guint32   first,
                 guint     n)
{
  g_assert_cmpuint (recorder_count (recorder), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (recorder_at (recorder, i), ==, first + i);
}

/* ---- an application's queue and queue trigger types ---- */

#define TEST_TYPE_JOBS (test_jobs_get_type ())
G_DECLARE_FINAL_TYPE (TestJobs, test_jobs, TEST, JOBS, SdQueue)
struct _TestJobs { SdQueue parent_instance; };
G_DEFINE_FINAL_TYPE (TestJobs, test_jobs, SD_TYPE_QUEUE)

static void
test_jobs_class_init (TestJobsClass *klass)
{
  sd_queue_type_set_defaults (G_TYPE_FROM_CLASS (klass), 7, SD_QUEUE_MODE_WORK);
}

static void test_jobs_init (TestJobs *self) {}

#define TEST_TYPE_JOB_HANDLER (test_job_handler_get_type ())
G_DECLARE_FINAL_TYPE (TestJobHandler, test_job_handler, TEST, JOB_HANDLER, SdQueueTrigger)
struct _TestJobHandler
{
  SdQueueTrigger parent_instance;
  guint          handled;  /* (atomic) */
};
G_DEFINE_FINAL_TYPE (TestJobHandler, test_job_handler, SD_TYPE_QUEUE_TRIGGER)

static gboolean
test_job_handler_handle (SdTrigger  *trigger,
                         SdMessage  *message,
                         GError    **error)
{
  g_atomic_int_inc (&TEST_JOB_HANDLER (trigger)->handled);
  g_main_context_wakeup (NULL);
  return TRUE;
}

static void
test_job_handler_class_init (TestJobHandlerClass *klass)
{
  SD_TRIGGER_CLASS (klass)->handle = test_job_handler_handle;
  sd_trigger_type_set_source (G_TYPE_FROM_CLASS (klass), TEST_TYPE_JOBS);
}

static void test_job_handler_init (TestJobHandler *self) {}

/* A trigger with an asynchronous handler the test completes by hand */
#define TEST_TYPE_ASYNC_WORKER (test_async_worker_get_type ())
G_DECLARE_FINAL_TYPE (TestAsyncWorker, test_async_worker, TEST, ASYNC_WORKER, SdQueueTrigger)
struct _TestAsyncWorker
{
  SdQueueTrigger parent_instance;
  GPtrArray     *pending;  /* (owned) (element-type GTask): handler calls in flight */
};
G_DEFINE_FINAL_TYPE (TestAsyncWorker, test_async_worker, SD_TYPE_QUEUE_TRIGGER)

static void
test_async_worker_handle_async (SdTrigger           *trigger,
                                SdMessage           *message,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (trigger, cancellable, callback, user_data);

  g_ptr_array_add (TEST_ASYNC_WORKER (trigger)->pending, task);
}

static gboolean
test_async_worker_handle_finish (SdTrigger     *trigger,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
test_async_worker_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_ASYNC_WORKER (object)->pending);
  G_OBJECT_CLASS (test_async_worker_parent_class)->finalize (object);
}

static void
test_async_worker_class_init (TestAsyncWorkerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_async_worker_finalize;
  SD_TRIGGER_CLASS (klass)->handle_async = test_async_worker_handle_async;
  SD_TRIGGER_CLASS (klass)->handle_finish = test_async_worker_handle_finish;
}

static void
test_async_worker_init (TestAsyncWorker *self)
{
  self->pending = g_ptr_array_new ();
}

/* ---- tests ---- */

/* Class defaults, explicit properties, and the policy's steps */
static void
test_defaults (void)
{
  g_autoptr(SdQueue) plain = g_object_new (SD_TYPE_QUEUE, NULL);
  g_autoptr(SdQueue) jobs = g_object_new (TEST_TYPE_JOBS, NULL);
  g_autoptr(SdQueue) small = g_object_new (TEST_TYPE_JOBS, "capacity", 3, NULL);
  g_autoptr(SdQueue) made = sd_queue_new (5, SD_QUEUE_MODE_WORK);
  g_autoptr(SdScalingPolicy) policy = sd_scaling_policy_new ();
  g_autoptr(SdTrigger) trigger = g_object_new (SD_TYPE_QUEUE_TRIGGER, "source", plain, NULL);

  g_assert_cmpuint (sd_queue_get_capacity (plain), ==, 100);
  g_assert_cmpint (sd_queue_get_mode (plain), ==, SD_QUEUE_MODE_BROADCAST);
  g_assert_cmpuint (sd_queue_get_capacity (jobs), ==, 7);
  g_assert_cmpint (sd_queue_get_mode (jobs), ==, SD_QUEUE_MODE_WORK);
  g_assert_cmpuint (sd_queue_get_capacity (small), ==, 3);
  g_assert_cmpint (sd_queue_get_mode (small), ==, SD_QUEUE_MODE_WORK);
  g_assert_cmpuint (sd_queue_get_capacity (made), ==, 5);

  g_assert_cmpuint (sd_scaling_policy_get_initial (policy), ==, 1);
  g_assert_cmpuint (sd_scaling_policy_get_max (policy), ==, 64);
  g_assert_cmpfloat (sd_scaling_policy_get_factor (policy), ==, 2.0);
  g_assert_cmpuint (sd_scaling_policy_get_threshold (policy), ==, 5);
  g_assert_cmpuint (sd_scaling_policy_get_cool_down_ms (policy), ==, 30000);
  g_assert_cmpuint (sd_scaling_policy_compute_grow (policy, 1), ==, 2);
  g_assert_cmpuint (sd_scaling_policy_compute_grow (policy, 40), ==, 64);
  g_assert_cmpuint (sd_scaling_policy_compute_grow (policy, 64), ==, 64);
  g_assert_cmpuint (sd_scaling_policy_compute_shrink (policy, 64), ==, 32);
  g_assert_cmpuint (sd_scaling_policy_compute_shrink (policy, 2), ==, 1);
  g_assert_cmpuint (sd_scaling_policy_compute_shrink (policy, 1), ==, 1);
  sd_scaling_policy_set_factor (policy, 1.5);
  g_assert_cmpuint (sd_scaling_policy_compute_grow (policy, 1), ==, 2);
  g_assert_cmpuint (sd_scaling_policy_compute_grow (policy, 2), ==, 3);
  g_assert_cmpuint (sd_scaling_policy_compute_shrink (policy, 3), ==, 2);

  g_assert_cmpuint (sd_queue_trigger_get_concurrency (SD_QUEUE_TRIGGER (trigger)), ==, 1);
  g_assert_null (sd_queue_trigger_get_scaling_policy (SD_QUEUE_TRIGGER (trigger)));
  g_assert_true (sd_queue_trigger_get_source (SD_QUEUE_TRIGGER (trigger)) == plain);
}

/* Broadcast: 3 triggers each handle all 1000 items, in order */
static void
test_broadcast (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdQueue) queue = sd_queue_new (1000, SD_QUEUE_MODE_BROADCAST);
  Recorder *recorders[3];
  SdTrigger *triggers[3];
  gboolean finished;

  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("listener-%u", i);

      recorders[i] = recorder_new (FALSE);
      triggers[i] = queue_trigger (name, queue, recorders[i], SD_LANE_ISOLATED, NULL);
      sd_test_add (daemon, SD_SERVICE (g_object_ref (triggers[i])));
    }

  sd_test_run_async (daemon, &finished);
  for (guint i = 0; i < 3; i++)
    sd_test_wait_state (SD_SERVICE (triggers[i]), SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpuint (sd_queue_get_n_subscribers (queue), ==, 3);

  for (guint32 i = 0; i < 1000; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (push_number (queue, i, &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < 3; i++)
    {
      wait_count (recorders[i], 1000);
      assert_sequence (recorders[i], 0, 1000);
    }
  g_assert_cmpuint (sd_queue_get_length (queue), ==, 0);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_assert_cmpuint (sd_queue_get_n_subscribers (queue), ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      /* Counted after each handler returned: read once the generation ended */
      g_assert_cmpuint (sd_trigger_get_n_handled (triggers[i]), ==, 1000);
      g_object_unref (triggers[i]);
    }
}

static gboolean
total_reached (gpointer data)
{
  Recorder **recorders = data;
  guint total = 0;

  for (guint i = 0; i < 3; i++)
    total += recorder_count (recorders[i]);

  return total >= 1000;
}

/* Work mode: 3 consumers compete; each item is handled exactly once */
static void
test_work (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdQueue) queue = sd_queue_new (1000, SD_QUEUE_MODE_WORK);
  g_autofree guint *times = g_new0 (guint, 1000);
  Recorder *recorders[3];
  SdTrigger *triggers[3];
  guint total = 0;
  gboolean finished;

  sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("worker-%u", i);

      recorders[i] = recorder_new (FALSE);
      triggers[i] = queue_trigger (name, queue, recorders[i], SD_LANE_ISOLATED, NULL);
      sd_test_add (daemon, SD_SERVICE (g_object_ref (triggers[i])));
    }

  sd_test_run_async (daemon, &finished);
  for (guint i = 0; i < 3; i++)
    sd_test_wait_state (SD_SERVICE (triggers[i]), SD_SERVICE_STATE_HEALTHY);

  for (guint32 i = 0; i < 1000; i++)
    g_assert_true (push_number (queue, i, NULL));

  sd_test_wait (total_reached, recorders);

  for (guint i = 0; i < 3; i++)
    {
      guint n = recorder_count (recorders[i]);

      total += n;
      for (guint j = 0; j < n; j++)
        {
          guint32 value = recorder_at (recorders[i], j);

          g_assert_cmpuint (value, <, 1000);
          times[value]++;
          /* Each consumer still sees its share in queue order */
          if (j > 0)
            g_assert_cmpuint (value, >, recorder_at (recorders[i], j - 1));
        }
    }

  g_assert_cmpuint (total, ==, 1000);
  for (guint i = 0; i < 1000; i++)
    g_assert_cmpuint (times[i], ==, 1);

  sd_test_shutdown_and_wait (daemon, &finished);
  for (guint i = 0; i < 3; i++)
    g_object_unref (triggers[i]);
}

/* A full queue is reported to the producer; everything accepted is handled */
static void
test_full (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdQueue) queue = sd_queue_new (10, SD_QUEUE_MODE_WORK);
  g_autoptr(GError) error = NULL;
  Recorder *recorder = recorder_new (TRUE);
  SdTrigger *trigger = queue_trigger ("busy", queue, recorder, SD_LANE_ISOLATED, NULL);
  guint32 next = 0;
  gboolean finished;

  sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  /* The first item is in the handler, held at the gate */
  g_assert_true (push_number (queue, next++, NULL));
  wait_running (recorder, 1);

  while (push_number (queue, next, &error))
    next++;
  g_assert_error (error, SD_QUEUE_ERROR, SD_QUEUE_ERROR_FULL);
  g_assert_cmpuint (next, ==, 11);  /* one being handled, ten waiting */
  g_assert_cmpuint (sd_queue_get_length (queue), ==, 10);
  g_clear_error (&error);

  recorder_open (recorder);
  wait_count (recorder, next);
  assert_sequence (recorder, 0, next);

  /* Room again */
  g_assert_true (push_number (queue, next++, &error));
  g_assert_no_error (error);
  wait_count (recorder, next);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

static void
pushed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_queue_push_finish (SD_QUEUE (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static void
push_cancelled_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sd_queue_push_finish (SD_QUEUE (object), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* push_async waits for room; a cancelled one gives up and leaves nothing behind */
static void
test_push_async (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdQueue) queue = sd_queue_new (2, SD_QUEUE_MODE_BROADCAST);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Recorder *recorder = recorder_new (TRUE);
  SdTrigger *trigger = queue_trigger ("consumer", queue, recorder, SD_LANE_ISOLATED, NULL);
  gboolean pushed = FALSE, cancelled = FALSE;
  gboolean finished;

  sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  g_assert_true (push_number (queue, 0, NULL));
  wait_running (recorder, 1);
  g_assert_true (push_number (queue, 1, NULL));
  g_assert_true (push_number (queue, 2, NULL));
  g_assert_false (push_number (queue, 3, NULL));

  sd_queue_push_async (queue, g_variant_new_uint32 (3), NULL, pushed_cb, &pushed);
  sd_queue_push_async (queue, g_variant_new_uint32 (99), cancellable, push_cancelled_cb, &cancelled);

  /* Nothing is pending that could let them in: the consumer is held */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (pushed);
  g_assert_false (cancelled);

  g_cancellable_cancel (cancellable);
  sd_test_wait (flag_set, &cancelled);
  g_assert_false (pushed);

  recorder_open (recorder);
  sd_test_wait (flag_set, &pushed);
  wait_count (recorder, 4);
  assert_sequence (recorder, 0, 4);
  g_assert_cmpuint (sd_queue_get_length (queue), ==, 0);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

/* Broadcast: the slowest consumer makes the queue full, and is named */
static void
test_slow_consumer (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdQueue) queue = sd_queue_new (5, SD_QUEUE_MODE_BROADCAST);
  g_autoptr(GError) error = NULL;
  Recorder *quick = recorder_new (FALSE);
  Recorder *slow = recorder_new (TRUE);
  SdTrigger *t_quick = queue_trigger ("quick", queue, quick, SD_LANE_ISOLATED, NULL);
  SdTrigger *t_slow = queue_trigger ("laggard", queue, slow, SD_LANE_ISOLATED, NULL);
  guint32 next = 0;
  gboolean finished;

  sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (t_quick)));
  sd_test_add (daemon, SD_SERVICE (g_object_ref (t_slow)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (t_quick), SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (SD_SERVICE (t_slow), SD_SERVICE_STATE_HEALTHY);

  g_assert_true (push_number (queue, next++, NULL));
  wait_running (slow, 1);

  /* The laggard holds five more; the quick one keeps up (it is not held back) */
  wait_count (quick, next);
  for (; next < 6; next++)
    {
      g_assert_true (push_number (queue, next, NULL));
      wait_count (quick, next + 1);
    }

  sd_test_log_clear ();
  g_assert_false (push_number (queue, next, &error));
  g_assert_error (error, SD_QUEUE_ERROR, SD_QUEUE_ERROR_FULL);
  g_assert_nonnull (strstr (error->message, "laggard"));
  g_assert_true (sd_test_log_contains ("laggard is too slow"));

  recorder_open (slow);
  wait_count (slow, next);
  assert_sequence (quick, 0, next);
  assert_sequence (slow, 0, next);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (t_quick);
  g_object_unref (t_slow);
}

typedef struct
{
  GString        *steps;
  SdQueueTrigger *trigger;
} ScaleLog;

static void
concurrency_cb (GObject    *object,
                GParamSpec *pspec,
                gpointer    data)
{
  ScaleLog *log = data;

  g_string_append_printf (log->steps, "%s%u", log->steps->len ? " " : "",
                          sd_queue_trigger_get_concurrency (SD_QUEUE_TRIGGER (object)));
}

static gboolean
concurrency_is_initial (gpointer data)
{
  ScaleLog *log = data;

  return g_str_has_suffix (log->steps->str, " 1");
}

/* Under load the trigger grows to max (and no further), stops pulling when every slot is
 * busy, and shrinks back after the cool-down */
static void
test_scaling (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdQueue) queue = sd_queue_new (100, SD_QUEUE_MODE_BROADCAST);
  g_autoptr(SdScalingPolicy) policy = g_object_new (SD_TYPE_SCALING_POLICY,
                                                    "max", 8,
                                                    "threshold", 1,
                                                    "cool-down-ms", (guint64) 100,
                                                    NULL);
  Recorder *recorder = recorder_new (TRUE);
  SdTrigger *trigger = queue_trigger ("elastic", queue, recorder, SD_LANE_STANDARD, policy);
  ScaleLog log = { g_string_new (NULL), SD_QUEUE_TRIGGER (trigger) };
  gboolean finished;

  g_signal_connect (trigger, "notify::concurrency", G_CALLBACK (concurrency_cb), &log);
  sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  for (guint32 i = 0; i < 40; i++)
    g_assert_true (push_number (queue, i, NULL));

  wait_running (recorder, 8);
  g_assert_cmpstr (log.steps->str, ==, "1 2 4 8");
  g_assert_cmpuint (sd_queue_trigger_get_concurrency (SD_QUEUE_TRIGGER (trigger)), ==, 8);
  /* Backpressure: eight in the handler, the rest still in the queue */
  g_assert_cmpuint (sd_queue_get_length (queue), ==, 32);

  recorder_open (recorder);
  wait_count (recorder, 40);
  sd_test_wait (concurrency_is_initial, &log);
  g_assert_cmpstr (log.steps->str, ==, "1 2 4 8 4 2 1");
  g_assert_cmpuint (recorder->max_running, ==, 8);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_assert_cmpuint (sd_trigger_get_n_handled (trigger), ==, 40);
  g_signal_handlers_disconnect_by_data (trigger, &log);
  g_string_free (log.steps, TRUE);
  g_object_unref (trigger);
}

static gboolean
four_in_flight (gpointer data)
{
  return TEST_ASYNC_WORKER (data)->pending->len >= 4;
}

/* An asynchronous handler scales by having several calls in flight on the lane */
static void
test_scaling_async (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdQueue) queue = sd_queue_new (100, SD_QUEUE_MODE_WORK);
  g_autoptr(SdScalingPolicy) policy = g_object_new (SD_TYPE_SCALING_POLICY,
                                                    "max", 4,
                                                    "threshold", 1,
                                                    NULL);
  TestAsyncWorker *worker = g_object_new (TEST_TYPE_ASYNC_WORKER,
                                          "name", "async-worker",
                                          "source", queue,
                                          "scaling-policy", policy,
                                          NULL);
  gboolean finished;

  sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (worker)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (worker), SD_SERVICE_STATE_HEALTHY);

  for (guint32 i = 0; i < 20; i++)
    g_assert_true (push_number (queue, i, NULL));

  sd_test_wait (four_in_flight, worker);
  g_assert_cmpuint (sd_queue_trigger_get_concurrency (SD_QUEUE_TRIGGER (worker)), ==, 4);
  /* Every slot busy: no more taken */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (worker->pending->len, ==, 4);
  g_assert_cmpuint (sd_queue_get_length (queue), ==, 16);

  while (sd_trigger_get_n_handled (SD_TRIGGER (worker)) < 20)
    {
      g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func (g_object_unref);

      while (worker->pending->len > 0)
        g_ptr_array_add (done, g_ptr_array_steal_index (worker->pending, 0));
      for (guint i = 0; i < done->len; i++)
        g_task_return_boolean (g_ptr_array_index (done, i), TRUE);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpuint (sd_queue_get_length (queue), ==, 0);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (worker);
}

/* Items pushed while the trigger is stopped wait for its next generation */
static void
test_stop_start_keeps_items (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdQueue) queue = sd_queue_new (100, SD_QUEUE_MODE_BROADCAST);
  g_autoptr(GError) error = NULL;
  Recorder *recorder = recorder_new (FALSE);
  SdTrigger *trigger = queue_trigger ("restartable", queue, recorder, SD_LANE_ISOLATED, NULL);
  gboolean finished;

  sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  g_assert_true (push_number (queue, 0, NULL));
  wait_count (recorder, 1);

  g_assert_true (sd_test_op (daemon, "stop", "restartable", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sd_queue_get_n_subscribers (queue), ==, 0);

  for (guint32 i = 1; i < 6; i++)
    g_assert_true (push_number (queue, i, NULL));
  g_assert_cmpuint (sd_queue_get_length (queue), ==, 5);

  g_assert_true (sd_test_op (daemon, "start", "restartable", &error));
  g_assert_no_error (error);
  wait_count (recorder, 6);
  assert_sequence (recorder, 0, 6);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

static gboolean
shutting_down (gpointer data)
{
  SdServiceState state = sd_service_get_state (SD_SERVICE (data));

  return state == SD_SERVICE_STATE_SHUTTING_DOWN || state == SD_SERVICE_STATE_TERMINATED;
}

/* A shutdown in the middle of a batch: what was taken and not handled goes back, and the
 * next run (another daemon, another trigger) gets it, in order, nothing twice */
static void
test_shutdown_requeues (void)
{
  g_autoptr(SdQueue) queue = sd_queue_new (100, SD_QUEUE_MODE_BROADCAST);
  guint first_run;

  /* Kept while nobody listens */
  for (guint32 i = 0; i < 50; i++)
    g_assert_true (push_number (queue, i, NULL));
  g_assert_cmpuint (sd_queue_get_length (queue), ==, 50);

  {
    g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
    Recorder *recorder = recorder_new (FALSE);
    SdTrigger *trigger = queue_trigger ("first", queue, recorder, SD_LANE_ISOLATED, NULL);
    gboolean finished;

    /* Item 9 asks for the shutdown, and is held until the stop request has reached the
     * generation: the trigger then stops with items 10-49 of its batch not handled */
    recorder->shutdown_daemon = daemon;
    recorder->shutdown_at = 9;
    recorder->gated = TRUE;
    recorder->hold_at = 9;
    sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL);
    sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));

    sd_test_run_async (daemon, &finished);
    wait_running (recorder, 1);
    sd_test_wait (shutting_down, trigger);
    recorder_open (recorder);
    sd_test_wait (flag_set, &finished);

    first_run = recorder_count (recorder);
    g_assert_cmpuint (first_run, ==, 10);
    assert_sequence (recorder, 0, first_run);
    g_object_unref (trigger);
  }

  g_assert_cmpuint (sd_queue_get_length (queue), ==, 50 - first_run);

  {
    g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
    Recorder *recorder = recorder_new (FALSE);
    SdTrigger *trigger = queue_trigger ("second", queue, recorder, SD_LANE_ISOLATED, NULL);
    gboolean finished;

    sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL);
    sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
    sd_test_run_async (daemon, &finished);
    wait_count (recorder, 50 - first_run);
    assert_sequence (recorder, first_run, 50 - first_run);

    sd_test_shutdown_and_wait (daemon, &finished);
    g_object_unref (trigger);
  }

  g_assert_cmpuint (sd_queue_get_length (queue), ==, 0);
}

static gboolean
jobs_handled (gpointer data)
{
  return g_atomic_int_get (&TEST_JOB_HANDLER (data)->handled) >= 3;
}

/* An application's queue type, injected by the daemon into its trigger type; items pushed
 * before the run are taken once the trigger subscribes (work mode) */
static void
test_subclass (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  SdService *handler;
  SdQueue *jobs;
  gboolean finished;

  g_assert_true (sd_daemon_add_service_type (daemon, TEST_TYPE_JOB_HANDLER, &error));
  g_assert_true (sd_daemon_build (daemon, &error));
  g_assert_no_error (error);
  handler = sd_daemon_lookup_service (daemon, "test-job-handler");
  jobs = sd_queue_trigger_get_source (SD_QUEUE_TRIGGER (handler));
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (jobs, TEST_TYPE_JOBS));
  g_assert_cmpuint (sd_queue_get_capacity (jobs), ==, 7);
  g_assert_cmpint (sd_queue_get_mode (jobs), ==, SD_QUEUE_MODE_WORK);

  for (guint32 i = 0; i < 3; i++)
    g_assert_true (push_number (jobs, i, NULL));

  sd_test_run_async (daemon, &finished);
  sd_test_wait (jobs_handled, handler);
  g_assert_cmpuint (sd_queue_get_length (jobs), ==, 0);

  sd_test_shutdown_and_wait (daemon, &finished);
}

/* A trigger keeps no message it handled once it waits for the next: payloads go when the
 * handlers are done with them */
static gboolean
count_messages_handler (SdTrigger  *trigger,
                        SdMessage  *message,
                        gpointer    user_data,
                        GError    **error)
{
  g_atomic_int_inc ((int *) user_data);
  g_main_context_wakeup (NULL);
  return TRUE;
}

static void
payload_finalized_cb (gpointer  data,
                      GObject  *where_the_object_was)
{
  g_atomic_int_inc ((int *) data);
  g_main_context_wakeup (NULL);
}

typedef struct
{
  int *value;
  int  n;
} IntWait;

static gboolean
int_reached (gpointer data)
{
  IntWait *wait = data;

  return g_atomic_int_get (wait->value) >= wait->n;
}

static void
test_handled_messages_released (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdQueue) queue = sd_queue_new (100, SD_QUEUE_MODE_BROADCAST);
  SdTrigger *trigger;
  int handled = 0, finalized = 0;
  gboolean finished;

  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (queue), NULL));
  trigger = g_object_new (SD_TYPE_QUEUE_TRIGGER, "name", "releaser", "source", queue,
                          "lane", SD_LANE_ISOLATED, NULL);
  sd_trigger_set_handler (trigger, count_messages_handler, &handled, NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  /* One burst, then one message alone: after each, the trigger goes idle */
  for (int round = 0; round < 2; round++)
    {
      int n = round == 0 ? 10 : 1;
      IntWait wait = { &finalized, g_atomic_int_get (&finalized) + n };

      for (int i = 0; i < n; i++)
        {
          GObject *payload = g_object_new (G_TYPE_OBJECT, NULL);
          SdMessage *message = sd_message_new_for_object (payload);
          g_autoptr(GError) error = NULL;

          g_object_weak_ref (payload, payload_finalized_cb, &finalized);
          g_object_unref (payload);
          g_assert_true (sd_queue_push_message (queue, message, &error));
          g_assert_no_error (error);
          sd_message_unref (message);
        }

      sd_test_wait (int_reached, &wait);
    }
  g_assert_cmpint (g_atomic_int_get (&handled), ==, 11);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

int
main (int   argc,
      char *argv[])
{
  sd_test_init (&argc, &argv);

  g_test_add_func ("/sd/triggers/queue/defaults", test_defaults);
  g_test_add_func ("/sd/triggers/queue/broadcast", test_broadcast);
  g_test_add_func ("/sd/triggers/queue/work", test_work);
  g_test_add_func ("/sd/triggers/queue/full", test_full);
  g_test_add_func ("/sd/triggers/queue/push-async", test_push_async);
  g_test_add_func ("/sd/triggers/queue/slow-consumer", test_slow_consumer);
  g_test_add_func ("/sd/triggers/queue/scaling", test_scaling);
  g_test_add_func ("/sd/triggers/queue/scaling-async", test_scaling_async);
  g_test_add_func ("/sd/triggers/queue/stop-start-keeps-items", test_stop_start_keeps_items);
  g_test_add_func ("/sd/triggers/queue/shutdown-requeues", test_shutdown_requeues);
  g_test_add_func ("/sd/triggers/queue/subclass", test_subclass);
  g_test_add_func ("/sd/triggers/queue/handled-messages-released", test_handled_messages_released);

  return g_test_run ();
}
