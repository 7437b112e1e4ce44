/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <sd-triggers.h>

#include "sd-test-support.h"

/* ---- an interceptor that records the onion ---- */

#define TEST_TYPE_RECORDER (test_recorder_get_type ())
G_DECLARE_FINAL_TYPE (TestRecorder, test_recorder, TEST, RECORDER, GObject)

struct _TestRecorder
{
  GObject    parent_instance;
  char      *name;
  GPtrArray *log;            /* (unowned) shared log */
  gboolean   short_circuit;
};

static void test_recorder_iface_init (SdInterceptorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestRecorder, test_recorder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SD_TYPE_INTERCEPTOR, test_recorder_iface_init))

static void
proceeded_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  TestRecorder *self = g_task_get_source_object (task);
  GError *error = NULL;
  gboolean ok = sd_invocation_proceed_finish (SD_INVOCATION (object), result, &error);

  g_ptr_array_add (self->log, g_strdup_printf ("<%s", self->name));
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
test_recorder_intercept_async (SdInterceptor       *interceptor,
                               SdInvocation        *invocation,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  TestRecorder *self = TEST_RECORDER (interceptor);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_ptr_array_add (self->log, g_strdup_printf ("%s>", self->name));
  if (self->short_circuit)
    {
      g_ptr_array_add (self->log, g_strdup_printf ("<%s", self->name));
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  sd_invocation_proceed_async (invocation, cancellable, proceeded_cb, task);
}

static gboolean
test_recorder_intercept_finish (SdInterceptor  *interceptor,
                                GAsyncResult   *result,
                                GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
test_recorder_iface_init (SdInterceptorInterface *iface)
{
  iface->intercept_async = test_recorder_intercept_async;
  iface->intercept_finish = test_recorder_intercept_finish;
}

static void
test_recorder_finalize (GObject *object)
{
  g_free (TEST_RECORDER (object)->name);
  G_OBJECT_CLASS (test_recorder_parent_class)->finalize (object);
}

static void
test_recorder_class_init (TestRecorderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_recorder_finalize;
}

static void
test_recorder_init (TestRecorder *self)
{
}

static SdInterceptor *
recorder_new (const char *name,
              GPtrArray  *log,
              gboolean    short_circuit)
{
  TestRecorder *self = g_object_new (TEST_TYPE_RECORDER, NULL);

  self->name = g_strdup (name);
  self->log = log;
  self->short_circuit = short_circuit;
  return SD_INTERCEPTOR (self);
}

/* ---- an application's notifier and notify trigger types ---- */

#define TEST_TYPE_BELL (test_bell_get_type ())
G_DECLARE_FINAL_TYPE (TestBell, test_bell, TEST, BELL, SdNotifier)
struct _TestBell { SdNotifier parent_instance; };
G_DEFINE_FINAL_TYPE (TestBell, test_bell, SD_TYPE_NOTIFIER)
static void test_bell_class_init (TestBellClass *klass) {}
static void test_bell_init (TestBell *self) {}

#define TEST_TYPE_BELL_HANDLER (test_bell_handler_get_type ())
G_DECLARE_FINAL_TYPE (TestBellHandler, test_bell_handler, TEST, BELL_HANDLER, SdNotificationTrigger)
struct _TestBellHandler
{
  SdNotificationTrigger parent_instance;
  GPtrArray      *seen;  /* (owned) (element-type utf8) */
};
G_DEFINE_FINAL_TYPE (TestBellHandler, test_bell_handler, SD_TYPE_NOTIFICATION_TRIGGER)

static gboolean
test_bell_handler_handle (SdTrigger  *trigger,
                          SdMessage  *message,
                          GError    **error)
{
  TestBellHandler *self = TEST_BELL_HANDLER (trigger);

  g_ptr_array_add (self->seen, g_variant_dup_string (sd_message_get_payload (message), NULL));
  return TRUE;
}

static void
test_bell_handler_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_BELL_HANDLER (object)->seen);
  G_OBJECT_CLASS (test_bell_handler_parent_class)->finalize (object);
}

static void
test_bell_handler_class_init (TestBellHandlerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_bell_handler_finalize;
  SD_TRIGGER_CLASS (klass)->handle = test_bell_handler_handle;
  sd_trigger_type_set_source (G_TYPE_FROM_CLASS (klass), TEST_TYPE_BELL);
}

static void
test_bell_handler_init (TestBellHandler *self)
{
  self->seen = g_ptr_array_new_with_free_func (g_free);
}

/* ---- a closure handler that records, and fails on request ---- */

typedef struct
{
  GPtrArray *log;         /* (unowned) (nullable) */
  GPtrArray *payloads;    /* (owned) */
  GArray    *times;       /* (owned) (element-type gint64) */
  GPtrArray *messages;    /* (owned) (element-type SdMessage) */
  guint      fail_first;  /* fail this many calls */
  guint      calls;
  SdNotifier *forward;    /* (nullable): notify this one from the handler */
} Handler;

static Handler *
handler_new (void)
{
  Handler *handler = g_new0 (Handler, 1);

  handler->payloads = g_ptr_array_new_with_free_func (g_free);
  handler->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  handler->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_unref);
  return handler;
}

static void
handler_free (gpointer data)
{
  Handler *handler = data;

  g_ptr_array_unref (handler->payloads);
  g_array_unref (handler->times);
  g_ptr_array_unref (handler->messages);
  g_free (handler);
}

static gboolean
record_handler (SdTrigger  *trigger,
                SdMessage  *message,
                gpointer    user_data,
                GError    **error)
{
  Handler *handler = user_data;
  GVariant *payload = sd_message_get_payload (message);
  const char *text = payload ? g_variant_get_string (payload, NULL) : "";
  gint64 now = g_get_monotonic_time ();

  handler->calls++;
  g_array_append_val (handler->times, now);
  if (handler->log != NULL)
    g_ptr_array_add (handler->log, g_strdup ("handler"));

  g_assert_true (sd_message_get_current () == message);

  if (handler->calls <= handler->fail_first || g_str_equal (text, "poison"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot handle %s (call %u)", text, handler->calls);
      return FALSE;
    }

  g_ptr_array_add (handler->payloads, g_strdup (text));
  g_ptr_array_add (handler->messages, sd_message_ref (message));

  if (handler->forward != NULL)
    sd_notifier_notify (handler->forward, g_variant_new_string ("forwarded"));

  return TRUE;
}

static SdTrigger *
closure_trigger (const char *name,
                 SdNotifier *source,
                 Handler    *handler)
{
  SdTrigger *trigger = g_object_new (SD_TYPE_NOTIFICATION_TRIGGER, "name", name, "source", source, NULL);

  sd_trigger_set_handler (trigger, record_handler, handler, handler_free);
  return trigger;
}

static gboolean
handled_at_least (gpointer data)
{
  Handler *handler = ((gpointer *) data)[0];
  guint n = GPOINTER_TO_UINT (((gpointer *) data)[1]);

  return handler->payloads->len >= n;
}

static void
wait_handled (Handler *handler,
              guint    n)
{
  gpointer data[2] = { handler, GUINT_TO_POINTER (n) };

  sd_test_wait (handled_at_least, data);
}

/* A closure handler gets each notification's payload, in order */
static void
test_notify_closure (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdNotifier) bell = g_object_new (SD_TYPE_NOTIFIER, NULL);
  Handler *handler = handler_new ();
  SdTrigger *trigger = closure_trigger ("ring", bell, handler);
  gboolean finished;

  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (bell), NULL));
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpuint (sd_notifier_get_n_subscribers (bell), ==, 1);

  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *text = g_strdup_printf ("ring %u", i);

      sd_notifier_notify (bell, g_variant_new_string (text));
      wait_handled (handler, i);
    }

  g_assert_cmpstr (g_ptr_array_index (handler->payloads, 0), ==, "ring 1");
  g_assert_cmpstr (g_ptr_array_index (handler->payloads, 2), ==, "ring 3");
  g_assert_cmpuint (sd_trigger_get_n_handled (trigger), ==, 3);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_assert_cmpuint (sd_notifier_get_n_subscribers (bell), ==, 0);
  g_object_unref (trigger);
}

static gboolean
bell_seen (gpointer data)
{
  return TEST_BELL_HANDLER (data)->seen->len >= 1;
}

/* A subclass with a handle() override, created by the daemon with its own notifier type */
static void
test_notify_subclass (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  TestBellHandler *handler;
  SdNotifier *bell;
  gboolean finished;

  g_assert_true (sd_daemon_add_service_type (daemon, TEST_TYPE_BELL_HANDLER, &error));
  g_assert_true (sd_daemon_build (daemon, &error));
  handler = TEST_BELL_HANDLER (sd_daemon_lookup_service (daemon, "test-bell-handler"));
  bell = sd_notification_trigger_get_source (SD_NOTIFICATION_TRIGGER (handler));
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (bell, TEST_TYPE_BELL));
  g_assert_true (sd_daemon_lookup_provider (daemon, TEST_TYPE_BELL) == (SdProvider *) bell);

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (handler), SD_SERVICE_STATE_HEALTHY);
  sd_notifier_notify (bell, g_variant_new_string ("ding"));
  sd_test_wait (bell_seen, handler);
  g_assert_cmpstr (g_ptr_array_index (handler->seen, 0), ==, "ding");

  sd_test_shutdown_and_wait (daemon, &finished);
}

/* A handler failing twice then succeeding is retried with the policy's delays and the
 * message is handled once */
static void
test_retry (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdNotifier) bell = g_object_new (SD_TYPE_NOTIFIER, NULL);
  Handler *handler = handler_new ();
  SdTrigger *trigger;
  gboolean finished;
  gint64 first_gap, second_gap;

  handler->fail_first = 2;
  trigger = closure_trigger ("flaky", bell, handler);
  sd_daemon_add_provider (daemon, SD_PROVIDER (bell), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  sd_notifier_notify (bell, g_variant_new_string ("job"));
  wait_handled (handler, 1);

  g_assert_cmpuint (handler->calls, ==, 3);
  g_assert_cmpuint (handler->payloads->len, ==, 1);
  g_assert_cmpuint (sd_trigger_get_n_handled (trigger), ==, 1);
  g_assert_cmpuint (sd_trigger_get_n_failed (trigger), ==, 0);

  /* The testing policy: 100 ms, then 200 ms (never earlier) */
  first_gap = (g_array_index (handler->times, gint64, 1) - g_array_index (handler->times, gint64, 0)) / 1000;
  second_gap = (g_array_index (handler->times, gint64, 2) - g_array_index (handler->times, gint64, 1)) / 1000;
  g_assert_cmpint (first_gap, >=, 100);
  g_assert_cmpint (second_gap, >=, 200);
  g_assert_true (sd_test_log_contains ("cannot handle job (call 1)"));

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

/* trigger-max-retries gives up, and the next message is still handled */
static void
test_max_retries (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdNotifier) bell = g_object_new (SD_TYPE_NOTIFIER, NULL);
  Handler *handler = handler_new ();
  SdTrigger *trigger;
  gboolean finished;

  sd_restart_policy_set_trigger_max_retries (sd_daemon_get_restart_policy (daemon), 1);
  sd_restart_policy_set_initial_delay_ms (sd_daemon_get_restart_policy (daemon), 10);
  trigger = closure_trigger ("picky", bell, handler);
  sd_daemon_add_provider (daemon, SD_PROVIDER (bell), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  sd_test_log_clear ();
  sd_notifier_notify (bell, g_variant_new_string ("poison"));
  while (sd_trigger_get_n_failed (trigger) < 1)
    g_main_context_iteration (NULL, TRUE);
  sd_notifier_notify (bell, g_variant_new_string ("fine"));
  wait_handled (handler, 1);

  g_assert_cmpuint (handler->calls, ==, 3);  /* poison, its one retry, fine */
  g_assert_cmpstr (g_ptr_array_index (handler->payloads, 0), ==, "fine");
  g_assert_cmpuint (sd_trigger_get_n_failed (trigger), ==, 1);
  g_assert_true (sd_test_log_contains ("gives up on message"));
  g_assert_cmpint (sd_service_get_state (SD_SERVICE (trigger)), ==, SD_SERVICE_STATE_HEALTHY);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

/* Interceptors: daemon-wide outside per-trigger, outer before inner, after in reverse;
 * a short-circuit keeps the handler from running */
static void
test_interceptor_order (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdNotifier) bell = g_object_new (SD_TYPE_NOTIFIER, NULL);
  g_autoptr(SdInterceptors) daemon_wide = sd_interceptors_new ();
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SdInterceptor) a = recorder_new ("A", log, FALSE);
  g_autoptr(SdInterceptor) b = recorder_new ("B", log, FALSE);
  g_autoptr(SdInterceptor) c = recorder_new ("C", log, FALSE);
  Handler *handler = handler_new ();
  SdTrigger *trigger;
  g_autofree char *joined = NULL;
  gboolean finished;

  handler->log = log;
  sd_interceptors_add (daemon_wide, a);
  trigger = g_object_new (SD_TYPE_NOTIFICATION_TRIGGER, "name", "onion", "source", bell,
                          "interceptors", daemon_wide, NULL);
  sd_trigger_set_handler (trigger, record_handler, handler, handler_free);
  sd_trigger_add_interceptor (trigger, b);
  sd_trigger_add_interceptor (trigger, c);
  sd_daemon_add_provider (daemon, SD_PROVIDER (bell), NULL);
  sd_daemon_add_provider (daemon, SD_PROVIDER (daemon_wide), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  sd_notifier_notify (bell, g_variant_new_string ("layered"));
  wait_handled (handler, 1);
  while (log->len < 7)
    g_main_context_iteration (NULL, TRUE);

  g_ptr_array_add (log, NULL);
  joined = g_strjoinv (" ", (char **) log->pdata);
  g_assert_cmpstr (joined, ==, "A> B> C> handler <C <B <A");

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

static void
test_interceptor_short_circuit (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdNotifier) bell = g_object_new (SD_TYPE_NOTIFIER, NULL);
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SdInterceptor) guard = recorder_new ("guard", log, TRUE);
  Handler *handler = handler_new ();
  SdTrigger *trigger;
  gboolean finished;

  trigger = closure_trigger ("guarded", bell, handler);
  sd_trigger_add_interceptor (trigger, guard);
  sd_daemon_add_provider (daemon, SD_PROVIDER (bell), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  sd_notifier_notify (bell, g_variant_new_string ("blocked"));
  while (log->len < 2)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (handler->calls, ==, 0);
  g_assert_cmpstr (g_ptr_array_index (log, 0), ==, "guard>");
  g_assert_cmpstr (g_ptr_array_index (log, 1), ==, "<guard");

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

/* A reload of the trigger runs setup again (a new generation) */
static void
test_reload_runs_setup (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdNotifier) bell = g_object_new (SD_TYPE_NOTIFIER, NULL);
  g_autoptr(GError) error = NULL;
  Handler *handler = handler_new ();
  SdTrigger *trigger = closure_trigger ("reloadable", bell, handler);
  gboolean finished;

  sd_daemon_add_provider (daemon, SD_PROVIDER (bell), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpuint (sd_trigger_get_n_setups (trigger), ==, 1);

  g_assert_true (sd_test_op (daemon, "reload", "reloadable", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sd_trigger_get_n_setups (trigger), ==, 2);
  g_assert_cmpuint (sd_notifier_get_n_subscribers (bell), ==, 1);

  /* Still handles events after the reload */
  sd_notifier_notify (bell, g_variant_new_string ("after reload"));
  wait_handled (handler, 1);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

/* Causal ids: a message created in a handler is a child of the one handled; every consumer
 * of one notification sees the same message */
static void
test_message_ids (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdNotifier) first = g_object_new (SD_TYPE_NOTIFIER, NULL);
  g_autoptr(TestBell) second = g_object_new (TEST_TYPE_BELL, NULL);
  Handler *upstream = handler_new ();
  Handler *downstream_a = handler_new ();
  Handler *downstream_b = handler_new ();
  SdTrigger *t1, *t2, *t3;
  g_autoptr(SdMessage) root = NULL;
  SdMessage *child_a, *child_b;
  gboolean finished;

  upstream->forward = SD_NOTIFIER (second);
  t1 = closure_trigger ("upstream", first, upstream);
  t2 = closure_trigger ("downstream-a", SD_NOTIFIER (second), downstream_a);
  t3 = closure_trigger ("downstream-b", SD_NOTIFIER (second), downstream_b);
  sd_daemon_add_provider (daemon, SD_PROVIDER (first), NULL);
  sd_daemon_add_provider (daemon, SD_PROVIDER (second), NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (t1)));
  sd_test_add (daemon, SD_SERVICE (g_object_ref (t2)));
  sd_test_add (daemon, SD_SERVICE (g_object_ref (t3)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (t1), SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (SD_SERVICE (t2), SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (SD_SERVICE (t3), SD_SERVICE_STATE_HEALTHY);

  root = sd_message_new (g_variant_new_string ("start"));
  g_assert_null (sd_message_get_parent_id (root));
  g_assert_cmpstr (sd_message_get_origin_id (root), ==, sd_message_get_id (root));
  g_assert_cmpuint (strlen (sd_message_get_id (root)), ==, 36);
  g_assert_cmpint (sd_message_get_id (root)[14], ==, '7');  /* UUID version 7 */

  sd_notifier_notify_message (first, root);
  wait_handled (downstream_a, 1);
  wait_handled (downstream_b, 1);

  child_a = g_ptr_array_index (downstream_a->messages, 0);
  child_b = g_ptr_array_index (downstream_b->messages, 0);
  g_assert_true (child_a == child_b);
  g_assert_cmpstr (sd_message_get_parent_id (child_a), ==, sd_message_get_id (root));
  g_assert_cmpstr (sd_message_get_origin_id (child_a), ==, sd_message_get_id (root));
  g_assert_cmpstr (sd_message_get_source (child_a), ==, "upstream");
  g_assert_cmpuint (sd_message_get_sequence (child_a), ==, 1);
  g_assert_cmpstr (sd_message_get_id (child_a), !=, sd_message_get_id (root));

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (t1);
  g_object_unref (t2);
  g_object_unref (t3);
}

/* Messages created on one thread and dropped on another reuse their storage: every field of
 * a new message is its own, whatever the previous occupant held */
typedef struct
{
  GAsyncQueue *queue;   /* (unowned) */
  guint        n;
} MessageRelay;

static gpointer
drop_messages_thread (gpointer data)
{
  MessageRelay *relay = data;

  for (guint i = 0; i < relay->n; i++)
    sd_message_unref (g_async_queue_pop (relay->queue));

  return NULL;
}

static void
test_message_chain_and_recycling (void)
{
  g_autoptr(GAsyncQueue) queue = g_async_queue_new ();
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  MessageRelay relay = { queue, 20000 };
  SdMessage *root, *child, *grandchild, *fresh;
  GThread *thread;

  /* A chain of three: the origin stays the root */
  root = sd_message_new (NULL);
  child = sd_message_new_child (root, g_variant_new_int32 (1));
  grandchild = sd_message_new_child (child, NULL);
  g_assert_cmpstr (sd_message_get_parent_id (grandchild), ==, sd_message_get_id (child));
  g_assert_cmpstr (sd_message_get_origin_id (grandchild), ==, sd_message_get_id (root));
  g_assert_cmpstr (sd_message_get_origin_id (child), ==, sd_message_get_id (root));
  g_assert_cmpstr (sd_message_get_id (grandchild), !=, sd_message_get_id (child));
  g_assert_null (sd_message_get_payload (grandchild));
  sd_message_unref (grandchild);
  sd_message_unref (child);
  sd_message_unref (root);

  /* Made here, dropped on another thread, made again from the same storage */
  thread = g_thread_new ("drop-messages", drop_messages_thread, &relay);
  for (guint i = 0; i < relay.n; i++)
    {
      SdMessage *message = i % 2 ? sd_message_new_for_object (object)
                                 : sd_message_new (g_variant_new_uint32 (i));

      /* Every id is new; asking for them formats them on this message */
      g_assert_true (g_hash_table_add (ids, g_strdup (sd_message_get_id (message))));
      g_async_queue_push (queue, message);
    }
  g_thread_join (thread);

  for (guint i = 0; i < 1000; i++)
    {
      fresh = sd_message_new (NULL);
      g_assert_null (sd_message_get_payload (fresh));
      g_assert_null (sd_message_get_object (fresh));
      g_assert_null (sd_message_get_source (fresh));
      g_assert_null (sd_message_get_parent_id (fresh));
      g_assert_cmpstr (sd_message_get_origin_id (fresh), ==, sd_message_get_id (fresh));
      g_assert_true (g_hash_table_add (ids, g_strdup (sd_message_get_id (fresh))));
      sd_message_unref (fresh);
    }

  /* Nothing still holds the payload object */
  g_assert_cmpuint (G_OBJECT (object)->ref_count, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  sd_test_init (&argc, &argv);

  g_test_add_func ("/sd/triggers/notify/closure", test_notify_closure);
  g_test_add_func ("/sd/triggers/notify/subclass", test_notify_subclass);
  g_test_add_func ("/sd/triggers/retry/then-success", test_retry);
  g_test_add_func ("/sd/triggers/retry/max-retries", test_max_retries);
  g_test_add_func ("/sd/triggers/interceptors/order", test_interceptor_order);
  g_test_add_func ("/sd/triggers/interceptors/short-circuit", test_interceptor_short_circuit);
  g_test_add_func ("/sd/triggers/reload-runs-setup", test_reload_runs_setup);
  g_test_add_func ("/sd/triggers/message-ids", test_message_ids);
  g_test_add_func ("/sd/triggers/message-chain-and-recycling", test_message_chain_and_recycling);

  return g_test_run ();
}
