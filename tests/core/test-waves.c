/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "sd-test-support.h"

/* Every service of a lower wave starts after every service of the higher waves is HEALTHY. */
static void
test_waves_descending (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdRestartPolicy) policy = sd_restart_policy_new_for_testing ();
  SdTestRecorder *recorder = sd_test_recorder_new (daemon);
  const char *names[] = { "sys-a", "sys-b", "store", "app", "edge" };
  const guint priorities[] = { 100, 100, 80, 50, 0 };
  gboolean finished;

  /* A spawn timeout far above the handshake delays: waves are gated on HEALTHY only */
  sd_restart_policy_set_wave_spawn_timeout_ms (policy, 20000);
  sd_daemon_set_restart_policy (daemon, policy);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      SdService *service = i % 2 ? sd_test_blocking_new (names[i], priorities[i], SD_TEST_IDLE)
                                 : sd_test_service_new (names[i], priorities[i], SD_TEST_IDLE);

      /* The earlier waves take a while to become healthy */
      sd_test_record (service)->handshake_delay_ms = 60 - 10 * i;
      sd_test_add (daemon, service);
    }

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (sd_daemon_lookup_service (daemon, "edge"), SD_SERVICE_STATE_HEALTHY);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_cmpuint (sd_service_get_generation (sd_daemon_lookup_service (daemon, names[i])), ==, 1);

  /* Though the lower waves become healthy sooner, each became healthy after the higher ones */
  {
    int edge_healthy = sd_test_recorder_index (recorder, "edge:healthy", 0);
    int app_healthy = sd_test_recorder_index (recorder, "app:healthy", 0);
    int store_healthy = sd_test_recorder_index (recorder, "store:healthy", 0);
    int sys_a_healthy = sd_test_recorder_index (recorder, "sys-a:healthy", 0);
    int sys_b_healthy = sd_test_recorder_index (recorder, "sys-b:healthy", 0);

    g_assert_cmpint (sys_a_healthy, <, store_healthy);
    g_assert_cmpint (sys_b_healthy, <, store_healthy);
    g_assert_cmpint (store_healthy, <, app_healthy);
    g_assert_cmpint (app_healthy, <, edge_healthy);
  }

  sd_test_shutdown_and_wait (daemon, &finished);
  sd_test_recorder_free (recorder);
}

typedef struct
{
  SdDaemon *daemon;
  GPtrArray *healthy_when_started;  /* (element-type utf8): "started:ready-so-far" */
} StartProbe;

static void
probe_generation_cb (SdService  *service,
                     GParamSpec *pspec,
                     StartProbe *probe)
{
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GString) healthy = NULL;
  SdDaemon *daemon = probe->daemon;

  /* The first generation of @service was just created: which services were healthy then? */
  if (sd_service_get_generation (service) != 1)
    return;

  healthy = g_string_new (sd_service_get_name (service));
  g_string_append_c (healthy, ':');
  services = sd_daemon_list_services (daemon);
  for (guint i = 0; i < services->len; i++)
    {
      SdService *other = g_ptr_array_index (services, i);

      if (sd_service_get_state (other) == SD_SERVICE_STATE_HEALTHY)
        g_string_append_printf (healthy, "%s,", sd_service_get_name (other));
    }

  g_ptr_array_add (probe->healthy_when_started, g_string_free (g_steal_pointer (&healthy), FALSE));
}

/* A lower wave never starts before the higher wave is healthy: observed at the moment each
 * generation is created. */
static void
test_waves_gated_on_healthy (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  StartProbe probe = { daemon, g_ptr_array_new_with_free_func (g_free) };
  SdService *high1 = sd_test_service_new ("high-1", 200, SD_TEST_IDLE);
  SdService *high2 = sd_test_blocking_new ("high-2", 200, SD_TEST_IDLE);
  SdService *mid = sd_test_service_new ("mid", 100, SD_TEST_IDLE);
  SdService *low = sd_test_blocking_new ("low", 1, SD_TEST_IDLE);
  gboolean finished;

  sd_test_record (high1)->handshake_delay_ms = 80;
  sd_test_record (high2)->handshake_delay_ms = 40;
  sd_test_record (mid)->handshake_delay_ms = 40;
  sd_test_add (daemon, high1);
  sd_test_add (daemon, high2);
  sd_test_add (daemon, mid);
  sd_test_add (daemon, low);
  g_signal_connect (high1, "notify::generation", G_CALLBACK (probe_generation_cb), &probe);
  g_signal_connect (high2, "notify::generation", G_CALLBACK (probe_generation_cb), &probe);
  g_signal_connect (mid, "notify::generation", G_CALLBACK (probe_generation_cb), &probe);
  g_signal_connect (low, "notify::generation", G_CALLBACK (probe_generation_cb), &probe);

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (low, SD_SERVICE_STATE_HEALTHY);

  g_assert_cmpuint (probe.healthy_when_started->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (probe.healthy_when_started, 0), ==, "high-1:");
  g_assert_cmpstr (g_ptr_array_index (probe.healthy_when_started, 1), ==, "high-2:");
  g_assert_cmpstr (g_ptr_array_index (probe.healthy_when_started, 2), ==, "mid:high-1,high-2,");
  g_assert_cmpstr (g_ptr_array_index (probe.healthy_when_started, 3), ==, "low:high-1,high-2,mid,");

  sd_test_shutdown_and_wait (daemon, &finished);
  g_ptr_array_unref (probe.healthy_when_started);
}

static gboolean
is_running_phase (gpointer data)
{
  return sd_daemon_get_phase (data) == SD_DAEMON_PHASE_RUNNING;
}

/* A wave whose service never becomes healthy times out; startup goes on. */
static void
test_waves_spawn_timeout (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  SdService *stuck = sd_test_service_new ("never-healthy", 100, SD_TEST_NO_HANDSHAKE);
  SdService *next = sd_test_service_new ("next", 50, SD_TEST_IDLE);
  gboolean finished;

  sd_test_add (daemon, stuck);
  sd_test_add (daemon, next);
  sd_test_log_clear ();

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (next, SD_SERVICE_STATE_HEALTHY);
  sd_test_wait (is_running_phase, daemon);

  g_assert_cmpint (sd_service_get_state (stuck), ==, SD_SERVICE_STATE_INITIALIZING);
  g_assert_true (sd_test_log_contains ("never-healthy (initializing)"));

  sd_test_shutdown_and_wait (daemon, &finished);
  g_assert_cmpint (sd_service_get_state (stuck), ==, SD_SERVICE_STATE_TERMINATED);
  g_assert_cmpint (sd_service_get_state (next), ==, SD_SERVICE_STATE_TERMINATED);
}

/* Shutdown goes from the lowest priority up; each wave is fully down before the next one
 * is asked to stop. */
static void
test_waves_ascending_shutdown (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  SdTestRecorder *recorder = sd_test_recorder_new (daemon);
  SdService *low = sd_test_blocking_new ("low", 10, SD_TEST_IDLE);
  gboolean finished;

  sd_test_add (daemon, sd_test_service_new ("high", 90, SD_TEST_IDLE));
  sd_test_add (daemon, sd_test_blocking_new ("mid", 50, SD_TEST_IDLE));
  sd_test_add (daemon, sd_test_service_new ("mid-2", 50, SD_TEST_FORWARD));
  sd_test_add (daemon, low);

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (low, SD_SERVICE_STATE_HEALTHY);
  sd_test_shutdown_and_wait (daemon, &finished);

  {
    int low_down = sd_test_recorder_index (recorder, "low:terminated", 0);
    int mid_stop = sd_test_recorder_index (recorder, "mid:shutting-down", 0);
    int mid2_stop = sd_test_recorder_index (recorder, "mid-2:shutting-down", 0);
    int mid_down = sd_test_recorder_index (recorder, "mid:terminated", 0);
    int mid2_down = sd_test_recorder_index (recorder, "mid-2:terminated", 0);
    int high_stop = sd_test_recorder_index (recorder, "high:shutting-down", 0);
    int high_down = sd_test_recorder_index (recorder, "high:terminated", 0);
    g_autofree char *dump = sd_test_recorder_dump (recorder);

    g_test_message ("%s", dump);
    g_assert_cmpint (low_down, >=, 0);
    g_assert_cmpint (low_down, <, mid_stop);
    g_assert_cmpint (low_down, <, mid2_stop);
    g_assert_cmpint (mid_down, <, high_stop);
    g_assert_cmpint (mid2_down, <, high_stop);
    g_assert_cmpint (high_stop, <, high_down);
  }

  g_assert_cmpint (sd_daemon_get_phase (daemon), ==, SD_DAEMON_PHASE_STOPPED);
  sd_test_recorder_free (recorder);
}

/* A generation that ignores shutdown is abandoned after the stop timeout; the daemon
 * still finishes, and the lower waves are not held up beyond that. */
static void
test_waves_abandon_stuck (gconstpointer data)
{
  gboolean blocking = GPOINTER_TO_INT (data);
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdRestartPolicy) policy = sd_restart_policy_new_for_testing ();
  SdService *stuck = blocking ? sd_test_blocking_new ("stuck", 50, SD_TEST_IGNORE_STOP)
                              : sd_test_service_new ("stuck", 50, SD_TEST_IGNORE_STOP);
  SdService *isolated = sd_test_service_new ("stuck-isolated", 50, SD_TEST_IGNORE_STOP);
  SdService *higher = sd_test_service_new ("higher", 90, SD_TEST_IDLE);
  g_autofree char *last_error = NULL;
  gboolean finished;

  sd_restart_policy_set_wave_stop_timeout_ms (policy, 200);
  sd_daemon_set_restart_policy (daemon, policy);
  g_object_set (isolated, "lane", SD_LANE_ISOLATED, NULL);
  sd_test_add (daemon, stuck);
  sd_test_add (daemon, isolated);
  sd_test_add (daemon, higher);

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (stuck, SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (isolated, SD_SERVICE_STATE_HEALTHY);
  sd_test_shutdown_and_wait (daemon, &finished);

  g_assert_cmpint (sd_service_get_state (stuck), ==, SD_SERVICE_STATE_TERMINATED);
  g_assert_cmpint (sd_service_get_state (higher), ==, SD_SERVICE_STATE_TERMINATED);
  last_error = sd_service_dup_last_error (stuck);
  g_assert_nonnull (strstr (last_error, "abandoned"));
  g_assert_true (sd_test_log_contains ("did not stop within 200 ms"));

  sd_test_release_stuck ();
}

static void
set_flag (gboolean *flag)
{
  *flag = TRUE;
}

/* A daemon without services runs idle until it is told to stop. */
static void
test_waves_empty_daemon (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  gboolean finished;
  gboolean ready = FALSE;

  g_signal_connect_swapped (daemon, "ready", G_CALLBACK (set_flag), &ready);
  sd_test_run_async (daemon, &finished);
  sd_test_wait (is_running_phase, daemon);

  /* Still running after an idle iteration */
  g_main_context_iteration (NULL, FALSE);
  g_assert_false (finished);

  g_assert_true (ready);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_assert_cmpint (sd_daemon_get_phase (daemon), ==, SD_DAEMON_PHASE_STOPPED);
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
run_cancelled_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_daemon_run_finish (SD_DAEMON (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

/* Cancelling the cancellable given to the run shuts the daemon down gracefully. */
static void
test_waves_external_cancellable (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SdService *service = sd_test_blocking_new ("worker", 50, SD_TEST_IDLE);
  gboolean finished = FALSE;

  sd_test_add (daemon, service);
  sd_daemon_run_async (daemon, cancellable, run_cancelled_cb, &finished);
  sd_test_wait_state (service, SD_SERVICE_STATE_HEALTHY);

  g_cancellable_cancel (cancellable);
  sd_test_wait (flag_is_set, &finished);
  g_assert_cmpint (sd_service_get_state (service), ==, SD_SERVICE_STATE_TERMINATED);
}

/* A shutdown requested before the run makes the run stop right after it started. */
static void
test_waves_shutdown_before_run (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  SdService *service = sd_test_service_new ("worker", 50, SD_TEST_IDLE);
  g_autoptr(GError) error = NULL;

  sd_test_add (daemon, service);
  sd_daemon_shutdown (daemon);
  g_assert_true (sd_daemon_run (daemon, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sd_daemon_get_phase (daemon), ==, SD_DAEMON_PHASE_STOPPED);
  g_assert_cmpint (sd_service_get_state (service), ==, SD_SERVICE_STATE_TERMINATED);

  /* A daemon runs once */
  g_assert_false (sd_daemon_run (daemon, NULL, &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_STATE);
}

/* Several daemons run in one process without sharing state. */
static void
test_waves_two_daemons (void)
{
  g_autoptr(SdDaemon) one = sd_test_daemon_new ();
  g_autoptr(SdDaemon) two = sd_test_daemon_new ();
  SdService *a = sd_test_service_new ("same-name", 50, SD_TEST_IDLE);
  SdService *b = sd_test_blocking_new ("same-name", 50, SD_TEST_IDLE);
  gboolean finished_one, finished_two;

  sd_test_add (one, a);
  sd_test_add (two, b);
  sd_test_run_async (one, &finished_one);
  sd_test_run_async (two, &finished_two);
  sd_test_wait_state (a, SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (b, SD_SERVICE_STATE_HEALTHY);

  sd_test_shutdown_and_wait (one, &finished_one);
  g_assert_cmpint (sd_service_get_state (a), ==, SD_SERVICE_STATE_TERMINATED);
  g_assert_cmpint (sd_service_get_state (b), ==, SD_SERVICE_STATE_HEALTHY);
  g_assert_false (finished_two);

  sd_test_shutdown_and_wait (two, &finished_two);
  g_assert_cmpint (sd_service_get_state (b), ==, SD_SERVICE_STATE_TERMINATED);
}

int
main (int   argc,
      char *argv[])
{
  sd_test_init (&argc, &argv);

  g_test_add_func ("/sd/daemon/waves/descending", test_waves_descending);
  g_test_add_func ("/sd/daemon/waves/gated-on-healthy", test_waves_gated_on_healthy);
  g_test_add_func ("/sd/daemon/waves/spawn-timeout", test_waves_spawn_timeout);
  g_test_add_func ("/sd/daemon/waves/ascending-shutdown", test_waves_ascending_shutdown);
  g_test_add_data_func ("/sd/daemon/waves/abandon-stuck/async", GINT_TO_POINTER (FALSE), test_waves_abandon_stuck);
  g_test_add_data_func ("/sd/daemon/waves/abandon-stuck/blocking", GINT_TO_POINTER (TRUE), test_waves_abandon_stuck);
  g_test_add_func ("/sd/daemon/waves/empty-daemon", test_waves_empty_daemon);
  g_test_add_func ("/sd/daemon/waves/external-cancellable", test_waves_external_cancellable);
  g_test_add_func ("/sd/daemon/waves/shutdown-before-run", test_waves_shutdown_before_run);
  g_test_add_func ("/sd/daemon/waves/two-daemons", test_waves_two_daemons);

  return g_test_run ();
}
