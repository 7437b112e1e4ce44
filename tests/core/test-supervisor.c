/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "sd-test-support.h"

/* Timers never fire early; they may fire late on a loaded machine. This is how late a
 * restart may come before the schedule test calls it wrong. */
#define LATENESS_TOLERANCE_MS 300

typedef struct
{
  GArray *delays;    /* (element-type guint64): next-restart-delay-ms as announced */
  GArray *failed;    /* (element-type gint64): monotonic time of each RECOVERING */
  GArray *started;   /* (element-type gint64): monotonic time of each new generation */
} Schedule;

static void
delay_cb (SdService  *service,
          GParamSpec *pspec,
          Schedule   *schedule)
{
  guint64 delay = sd_service_get_next_restart_delay_ms (service);
  gint64 now = g_get_monotonic_time ();

  if (delay == 0)
    return;
  g_array_append_val (schedule->delays, delay);
  g_array_append_val (schedule->failed, now);
}

static void
generation_cb (SdService  *service,
               GParamSpec *pspec,
               Schedule   *schedule)
{
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (schedule->started, now);
}

static gboolean
seven_generations (gpointer data)
{
  return sd_service_get_generation (data) >= 7;
}

/* With the testing preset the delays after consecutive failures are 100, 200, 400, 800,
 * 1600 and then 2000 ms (the maximum); each restart comes no earlier than announced. */
static void
test_backoff_schedule (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  SdService *service = sd_test_service_new ("failing", 50, SD_TEST_FAIL);
  Schedule schedule = {
    g_array_new (FALSE, FALSE, sizeof (guint64)),
    g_array_new (FALSE, FALSE, sizeof (gint64)),
    g_array_new (FALSE, FALSE, sizeof (gint64)),
  };
  const guint64 expected[] = { 100, 200, 400, 800, 1600, 2000 };
  gboolean finished;

  sd_test_add (daemon, service);
  g_signal_connect (service, "notify::next-restart-delay-ms", G_CALLBACK (delay_cb), &schedule);
  g_signal_connect (service, "notify::generation", G_CALLBACK (generation_cb), &schedule);

  sd_test_run_async (daemon, &finished);
  sd_test_wait (seven_generations, service);
  sd_test_shutdown_and_wait (daemon, &finished);

  g_assert_cmpuint (schedule.delays->len, >=, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      gint64 waited_ms = (g_array_index (schedule.started, gint64, i + 1) -
                          g_array_index (schedule.failed, gint64, i)) / 1000;

      g_test_message ("restart %u: announced %" G_GUINT64_FORMAT " ms, waited %" G_GINT64_FORMAT " ms",
                      i + 1, g_array_index (schedule.delays, guint64, i), waited_ms);
      g_assert_cmpuint (g_array_index (schedule.delays, guint64, i), ==, expected[i]);
      g_assert_cmpint (waited_ms, >=, (gint64) expected[i]);
      g_assert_cmpint (waited_ms, <=, (gint64) expected[i] + LATENESS_TOLERANCE_MS);
    }

  g_assert_cmpuint (sd_service_get_n_restarts (service), ==, 6);
  g_array_unref (schedule.delays);
  g_array_unref (schedule.failed);
  g_array_unref (schedule.started);
}

/* The delay formula and its jitter, with a seeded random source. */
static void
test_backoff_jitter (void)
{
  g_autoptr(SdRestartPolicy) policy = sd_restart_policy_new ();
  g_autoptr(SdRestartPolicy) twin = sd_restart_policy_new ();
  g_autoptr(SdRestartPolicy) testing = sd_restart_policy_new_for_testing ();
  gboolean spread = FALSE;

  /* Defaults of SPEC: 1000 ms doubling up to 300000 ms, ±10 % */
  g_assert_cmpuint (sd_restart_policy_get_base_delay_ms (policy, 1), ==, 1000);
  g_assert_cmpuint (sd_restart_policy_get_base_delay_ms (policy, 2), ==, 2000);
  g_assert_cmpuint (sd_restart_policy_get_base_delay_ms (policy, 9), ==, 256000);
  g_assert_cmpuint (sd_restart_policy_get_base_delay_ms (policy, 10), ==, 300000);
  g_assert_cmpuint (sd_restart_policy_get_base_delay_ms (policy, 1000), ==, 300000);
  g_assert_cmpfloat (sd_restart_policy_get_jitter (policy), ==, 0.1);
  g_assert_cmpuint (sd_restart_policy_get_reset_after_ms (policy), ==, 60000);
  g_assert_cmpuint (sd_restart_policy_get_wave_spawn_timeout_ms (policy), ==, 5000);
  g_assert_cmpuint (sd_restart_policy_get_wave_stop_timeout_ms (policy), ==, 30000);
  g_assert_cmpuint (sd_restart_policy_get_provider_init_timeout_ms (policy), ==, 5000);
  g_assert_cmpint (sd_restart_policy_get_trigger_max_retries (policy), ==, -1);
  g_assert_cmpuint (sd_restart_policy_get_start_limit_burst (policy), ==, 0);

  /* The testing preset: 100 / 2000 / 2.0 / no jitter / 5000 / 500 / 2000 / 500 */
  g_assert_cmpuint (sd_restart_policy_get_initial_delay_ms (testing), ==, 100);
  g_assert_cmpuint (sd_restart_policy_get_max_delay_ms (testing), ==, 2000);
  g_assert_cmpfloat (sd_restart_policy_get_multiplier (testing), ==, 2.0);
  g_assert_cmpfloat (sd_restart_policy_get_jitter (testing), ==, 0.0);
  g_assert_cmpuint (sd_restart_policy_get_reset_after_ms (testing), ==, 5000);
  g_assert_cmpuint (sd_restart_policy_get_wave_spawn_timeout_ms (testing), ==, 500);
  g_assert_cmpuint (sd_restart_policy_get_wave_stop_timeout_ms (testing), ==, 2000);
  g_assert_cmpuint (sd_restart_policy_get_provider_init_timeout_ms (testing), ==, 500);

  sd_restart_policy_set_random_seed (policy, 42);
  sd_restart_policy_set_random_seed (twin, 42);

  for (guint attempt = 1; attempt <= 40; attempt++)
    {
      guint64 base = sd_restart_policy_get_base_delay_ms (policy, attempt);
      guint64 delay = sd_restart_policy_compute_delay_ms (policy, attempt);

      /* Jitter applies to the capped result: never compounded */
      g_assert_cmpuint (delay, >=, (guint64) (base * 0.9));
      g_assert_cmpuint (delay, <=, (guint64) (base * 1.1 + 0.5));
      g_assert_cmpuint (delay, ==, sd_restart_policy_compute_delay_ms (twin, attempt));
      spread |= delay != base;
    }
  g_assert_true (spread);
}

static gboolean
three_delays (gpointer data)
{
  return ((Schedule *) data)->delays->len >= 3;
}

/* A generation that ran for reset-after-ms or longer resets the backoff to the start. */
static void
test_backoff_reset_after (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdRestartPolicy) policy = sd_restart_policy_new_for_testing ();
  SdService *service = sd_test_service_new ("flaky", 50, SD_TEST_FAIL_LATE);
  Schedule schedule = {
    g_array_new (FALSE, FALSE, sizeof (guint64)),
    g_array_new (FALSE, FALSE, sizeof (gint64)),
    g_array_new (FALSE, FALSE, sizeof (gint64)),
  };
  gboolean finished;

  sd_restart_policy_set_initial_delay_ms (policy, 50);
  sd_restart_policy_set_reset_after_ms (policy, 300);
  sd_daemon_set_restart_policy (daemon, policy);
  sd_test_record (service)->run_ms = 400;
  sd_test_add (daemon, service);
  g_signal_connect (service, "notify::next-restart-delay-ms", G_CALLBACK (delay_cb), &schedule);

  sd_test_run_async (daemon, &finished);
  sd_test_wait (three_delays, &schedule);
  sd_test_shutdown_and_wait (daemon, &finished);

  /* Quick failures: 50, 100; then a 400 ms run: back to 50 */
  g_assert_cmpuint (schedule.delays->len, ==, 3);
  g_assert_cmpuint (g_array_index (schedule.delays, guint64, 0), ==, 50);
  g_assert_cmpuint (g_array_index (schedule.delays, guint64, 1), ==, 100);
  g_assert_cmpuint (g_array_index (schedule.delays, guint64, 2), ==, 50);

  g_array_unref (schedule.delays);
  g_array_unref (schedule.failed);
  g_array_unref (schedule.started);
}

/* SD_SERVICE_ERROR_FATAL ends the service for good and keeps the message. */
static void
test_fatal (gconstpointer data)
{
  gboolean blocking = GPOINTER_TO_INT (data);
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  SdService *service = blocking ? sd_test_blocking_new ("doomed", 50, SD_TEST_FATAL)
                                : sd_test_service_new ("doomed", 50, SD_TEST_FATAL);
  g_autofree char *last_error = NULL;
  gboolean finished;

  sd_test_add (daemon, service);
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (service, SD_SERVICE_STATE_TERMINATED);

  last_error = sd_service_dup_last_error (service);
  g_assert_cmpstr (last_error, ==, "fatal test failure");
  g_assert_cmpuint (sd_service_get_generation (service), ==, 1);
  g_assert_cmpuint (sd_service_get_n_restarts (service), ==, 0);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_assert_cmpuint (sd_service_get_generation (service), ==, 1);
}

static gboolean
generation_at_least_3 (gpointer data)
{
  return sd_service_get_generation (data) >= 3;
}

/* always: restarted after a clean exit; on-failure: only after an error; never: never. */
static void
test_restart_modes (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  SdService *always = sd_test_service_new ("always-clean", 50, SD_TEST_CLEAN_EXIT);
  SdService *on_failure_clean = sd_test_blocking_new ("on-failure-clean", 50, SD_TEST_CLEAN_EXIT);
  SdService *on_failure_fail = sd_test_service_new ("on-failure-fail", 50, SD_TEST_FAIL);
  SdService *never_fail = sd_test_blocking_new ("never-fail", 50, SD_TEST_FAIL);
  g_autofree char *never_error = NULL;
  gboolean finished;

  g_object_set (on_failure_clean, "restart-mode", SD_RESTART_MODE_ON_FAILURE, NULL);
  g_object_set (on_failure_fail, "restart-mode", SD_RESTART_MODE_ON_FAILURE, NULL);
  g_object_set (never_fail, "restart-mode", SD_RESTART_MODE_NEVER, NULL);
  sd_test_add (daemon, always);
  sd_test_add (daemon, on_failure_clean);
  sd_test_add (daemon, on_failure_fail);
  sd_test_add (daemon, never_fail);

  sd_test_run_async (daemon, &finished);
  sd_test_wait (generation_at_least_3, always);
  sd_test_wait (generation_at_least_3, on_failure_fail);
  sd_test_wait_state (on_failure_clean, SD_SERVICE_STATE_TERMINATED);
  sd_test_wait_state (never_fail, SD_SERVICE_STATE_TERMINATED);

  g_assert_cmpuint (sd_service_get_generation (on_failure_clean), ==, 1);
  g_assert_cmpuint (sd_service_get_generation (never_fail), ==, 1);
  never_error = sd_service_dup_last_error (never_fail);
  g_assert_cmpstr (never_error, ==, "test failure in generation 1");

  sd_test_shutdown_and_wait (daemon, &finished);
  g_assert_cmpint (sd_service_get_state (always), ==, SD_SERVICE_STATE_TERMINATED);
}

/* The restart budget: more than burst starts within the interval make the service FAILED. */
static void
test_start_limit (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdRestartPolicy) policy = sd_restart_policy_new_for_testing ();
  SdService *service = sd_test_service_new ("crashy", 50, SD_TEST_FAIL);
  g_autofree char *last_error = NULL;
  gboolean finished;

  sd_restart_policy_set_initial_delay_ms (policy, 10);
  sd_restart_policy_set_start_limit_burst (policy, 3);
  sd_restart_policy_set_start_limit_interval_ms (policy, 60000);
  sd_daemon_set_restart_policy (daemon, policy);
  sd_test_add (daemon, service);

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (service, SD_SERVICE_STATE_FAILED);
  g_assert_cmpuint (sd_service_get_generation (service), ==, 3);
  last_error = sd_service_dup_last_error (service);
  g_assert_nonnull (strstr (last_error, "start limit"));

  /* An operator start resets the budget: three more starts (each says HEALTHY, then fails) */
  g_assert_true (sd_test_op (daemon, "start", "crashy", NULL));
  sd_test_wait_state (service, SD_SERVICE_STATE_FAILED);
  g_assert_cmpuint (sd_service_get_generation (service), ==, 6);

  sd_test_shutdown_and_wait (daemon, &finished);
}

/* A reload is cooperative: NEED_RELOAD, the shelf survives, the next generation is
 * RESTORING and starts at once. */
static void
test_reload_shelf (gconstpointer data)
{
  gboolean blocking = GPOINTER_TO_INT (data);
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  SdTestRecorder *recorder = sd_test_recorder_new (daemon);
  SdService *service = blocking ? sd_test_blocking_new ("keeper", 50, SD_TEST_SHELF)
                                : sd_test_service_new ("keeper", 50, SD_TEST_SHELF);
  SdService *fixed = sd_test_service_new ("fixed", 50, SD_TEST_IDLE);
  SdTestRecord *record = sd_test_record (service);
  g_autoptr(GError) error = NULL;
  gboolean finished;

  g_object_set (fixed, "reloadable", FALSE, NULL);
  sd_test_add (daemon, service);
  sd_test_add (daemon, fixed);
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (service, SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpint (record->shelf_count, ==, -1);
  g_assert_cmpint (record->start_state, ==, SD_SERVICE_STATE_INITIALIZING);

  g_assert_true (sd_test_op (daemon, "reload", "keeper", &error));
  g_assert_no_error (error);
  g_assert_cmpint (sd_service_get_state (service), ==, SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpint (record->start_state, ==, SD_SERVICE_STATE_RESTORING);
  g_assert_cmpint (record->shelf_count, ==, 1);
  g_assert_cmpuint (sd_service_get_generation (service), ==, 2);

  {
    int need_reload = sd_test_recorder_index (recorder, "keeper:need-reload", 0);
    int restoring = sd_test_recorder_index (recorder, "keeper:restoring", 0);
    int healthy = sd_test_recorder_index (recorder, "keeper:healthy", 1);

    g_assert_cmpint (need_reload, >=, 0);
    g_assert_cmpint (need_reload, <, restoring);
    g_assert_cmpint (restoring, <, healthy);
  }

  /* A reload of the whole daemon reloads the reloadable services only */
  sd_daemon_reload (daemon);
  sd_test_wait (generation_at_least_3, service);
  sd_test_wait_state (service, SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpint (record->shelf_count, ==, 2);
  g_assert_cmpuint (sd_service_get_generation (fixed), ==, 1);

  sd_test_shutdown_and_wait (daemon, &finished);
  sd_test_recorder_free (recorder);
}

/* A reload during a backoff wait restarts at once, as RESTORING. */
static void
test_reload_during_backoff (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdRestartPolicy) policy = sd_restart_policy_new_for_testing ();
  SdService *service = sd_test_service_new ("waiting", 50, SD_TEST_FAIL_ONCE);
  SdTestRecord *record = sd_test_record (service);
  g_autoptr(GError) error = NULL;
  gboolean finished;

  /* A backoff far longer than the test may take: only the reload can restart it */
  sd_restart_policy_set_initial_delay_ms (policy, 600000);
  sd_restart_policy_set_max_delay_ms (policy, 600000);
  sd_daemon_set_restart_policy (daemon, policy);
  sd_test_add (daemon, service);

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (service, SD_SERVICE_STATE_RECOVERING);
  g_assert_cmpuint (sd_service_get_next_restart_delay_ms (service), ==, 600000);

  g_assert_true (sd_test_op (daemon, "reload", "waiting", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sd_service_get_generation (service), ==, 2);
  g_assert_cmpint (record->start_state, ==, SD_SERVICE_STATE_RESTORING);
  g_assert_cmpuint (sd_service_get_next_restart_delay_ms (service), ==, 0);

  sd_test_shutdown_and_wait (daemon, &finished);
}

static gboolean
second_generation_healthy (gpointer data)
{
  return sd_service_get_generation (data) == 2 &&
         sd_service_get_state (data) == SD_SERVICE_STATE_HEALTHY;
}

/* A generation after an error starts RECOVERING and sees the previous error. */
static void
test_previous_error (gconstpointer data)
{
  gboolean blocking = GPOINTER_TO_INT (data);
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  SdService *service = blocking ? sd_test_blocking_new ("phoenix", 50, SD_TEST_FAIL_ONCE)
                                : sd_test_service_new ("phoenix", 50, SD_TEST_FAIL_ONCE);
  SdTestRecord *record = sd_test_record (service);
  gboolean finished;

  sd_test_add (daemon, service);
  sd_test_run_async (daemon, &finished);
  sd_test_wait (second_generation_healthy, service);

  g_assert_cmpuint (sd_service_get_generation (service), ==, 2);
  g_assert_cmpint (record->start_state, ==, SD_SERVICE_STATE_RECOVERING);
  g_assert_cmpstr (record->previous_error, ==, "test failure in generation 1");
  g_assert_true (record->saw_current);

  sd_test_shutdown_and_wait (daemon, &finished);
}

/* Operator calls: stop, start, restart, reload, and their errors. */
static void
test_operator_calls (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  SdService *service = sd_test_blocking_new ("worker", 50, SD_TEST_IDLE);
  SdService *doomed = sd_test_service_new ("doomed", 40, SD_TEST_FATAL);
  g_autoptr(GError) error = NULL;
  gboolean finished;

  sd_test_add (daemon, service);
  sd_test_add (daemon, doomed);

  /* Not running yet */
  g_assert_false (sd_test_op (daemon, "start", "worker", &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_STATE);
  g_clear_error (&error);

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (service, SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (doomed, SD_SERVICE_STATE_TERMINATED);

  g_assert_true (sd_test_op (daemon, "stop", "worker", &error));
  g_assert_no_error (error);
  g_assert_cmpint (sd_service_get_state (service), ==, SD_SERVICE_STATE_STOPPED);
  g_assert_cmpuint (sd_service_get_generation (service), ==, 1);

  /* A stopped service cannot be reloaded, and stays stopped */
  g_assert_false (sd_test_op (daemon, "reload", "worker", &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_cmpint (sd_service_get_state (service), ==, SD_SERVICE_STATE_STOPPED);

  g_assert_true (sd_test_op (daemon, "start", "worker", &error));
  g_assert_no_error (error);
  g_assert_cmpint (sd_service_get_state (service), ==, SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpuint (sd_service_get_generation (service), ==, 2);

  /* Starting a healthy service succeeds at once */
  g_assert_true (sd_test_op (daemon, "start", "worker", &error));
  g_assert_cmpuint (sd_service_get_generation (service), ==, 2);

  g_assert_true (sd_test_op (daemon, "restart", "worker", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sd_service_get_generation (service), ==, 3);
  g_assert_cmpint (sd_test_record (service)->start_state, ==, SD_SERVICE_STATE_INITIALIZING);

  /* A start that fails reports the service's error */
  g_assert_false (sd_test_op (daemon, "start", "doomed", &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "fatal test failure"));
  g_clear_error (&error);

  g_assert_false (sd_test_op (daemon, "stop", "nonexistent", &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "nonexistent"));
  g_clear_error (&error);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_assert_cmpint (sd_service_get_state (service), ==, SD_SERVICE_STATE_TERMINATED);
}

int
main (int   argc,
      char *argv[])
{
  sd_test_init (&argc, &argv);

  g_test_add_func ("/sd/supervisor/backoff/schedule", test_backoff_schedule);
  g_test_add_func ("/sd/supervisor/backoff/jitter", test_backoff_jitter);
  g_test_add_func ("/sd/supervisor/backoff/reset-after", test_backoff_reset_after);
  g_test_add_data_func ("/sd/supervisor/fatal/async", GINT_TO_POINTER (FALSE), test_fatal);
  g_test_add_data_func ("/sd/supervisor/fatal/blocking", GINT_TO_POINTER (TRUE), test_fatal);
  g_test_add_func ("/sd/supervisor/restart-modes", test_restart_modes);
  g_test_add_func ("/sd/supervisor/start-limit", test_start_limit);
  g_test_add_data_func ("/sd/supervisor/reload/shelf/async", GINT_TO_POINTER (FALSE), test_reload_shelf);
  g_test_add_data_func ("/sd/supervisor/reload/shelf/blocking", GINT_TO_POINTER (TRUE), test_reload_shelf);
  g_test_add_func ("/sd/supervisor/reload/during-backoff", test_reload_during_backoff);
  g_test_add_data_func ("/sd/supervisor/previous-error/async", GINT_TO_POINTER (FALSE), test_previous_error);
  g_test_add_data_func ("/sd/supervisor/previous-error/blocking", GINT_TO_POINTER (TRUE), test_previous_error);
  g_test_add_func ("/sd/supervisor/operator-calls", test_operator_calls);

  return g_test_run ();
}
