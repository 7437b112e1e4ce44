/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "sd-test-support.h"

static GMainContext *
effective (GMainContext *context)
{
  return context ? context : g_main_context_default ();
}

static SdService *
add_on_lane (SdDaemon   *daemon,
             const char *name,
             SdLane      lane,
             gboolean    blocking)
{
  SdService *service = blocking ? sd_test_blocking_new (name, 50, SD_TEST_IDLE)
                                : sd_test_service_new (name, 50, SD_TEST_IDLE);

  g_object_set (service, "lane", lane, NULL);
  /* The handshake comes from a timeout attached to the thread-default context of the call:
   * reaching HEALTHY proves that the lane iterates that context. */
  sd_test_record (service)->handshake_delay_ms = 20;
  g_object_ref (service);
  sd_test_add (daemon, service);

  return service;
}

/* Each lane runs its services on the thread and GMainContext it promises. */
static void
test_lanes_threads_and_contexts (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdService) standard = add_on_lane (daemon, "std", SD_LANE_STANDARD, FALSE);
  g_autoptr(SdService) high1 = add_on_lane (daemon, "high-1", SD_LANE_HIGH_PRIORITY, FALSE);
  g_autoptr(SdService) high2 = add_on_lane (daemon, "high-2", SD_LANE_HIGH_PRIORITY, FALSE);
  g_autoptr(SdService) iso1 = add_on_lane (daemon, "isolated-with-a-long-name", SD_LANE_ISOLATED, FALSE);
  g_autoptr(SdService) iso2 = add_on_lane (daemon, "iso-2", SD_LANE_ISOLATED, FALSE);
  g_autoptr(SdService) blocking = add_on_lane (daemon, "blocker", SD_LANE_STANDARD, TRUE);
  SdTestRecord *r_std = sd_test_record (standard);
  SdTestRecord *r_high1 = sd_test_record (high1);
  SdTestRecord *r_high2 = sd_test_record (high2);
  SdTestRecord *r_iso1 = sd_test_record (iso1);
  SdTestRecord *r_iso2 = sd_test_record (iso2);
  SdTestRecord *r_block = sd_test_record (blocking);
  g_autofree char *lane_std = NULL;
  g_autofree char *lane_high = NULL;
  g_autofree char *lane_iso = NULL;
  gboolean finished;

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (standard, SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (high1, SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (high2, SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (iso1, SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (iso2, SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (blocking, SD_SERVICE_STATE_HEALTHY);

  /* STANDARD: the daemon's thread and context */
  g_assert_true (r_std->thread == g_thread_self ());
  g_assert_true (effective (r_std->main_context) == g_main_context_default ());

  /* HIGH_PRIORITY: one shared thread with a context of its own */
  g_assert_true (r_high1->thread == r_high2->thread);
  g_assert_true (r_high1->thread != g_thread_self ());
  g_assert_true (r_high1->main_context == r_high2->main_context);
  g_assert_nonnull (r_high1->main_context);
  g_assert_true (r_high1->main_context != g_main_context_default ());
  g_assert_cmpstr (r_high1->thread_name, ==, "sd-high-prio");

  /* ISOLATED: a thread and context per service, named after it within 15 bytes */
  g_assert_true (r_iso1->thread != r_iso2->thread);
  g_assert_true (r_iso1->thread != g_thread_self () && r_iso1->thread != r_high1->thread);
  g_assert_true (r_iso1->main_context != r_iso2->main_context);
  g_assert_nonnull (r_iso1->main_context);
  g_assert_true (r_iso1->main_context != g_main_context_default ());
  g_assert_cmpstr (r_iso1->thread_name, ==, "sd:isolated-wit");
  g_assert_cmpuint (strlen (r_iso1->thread_name), <=, 15);
  g_assert_cmpstr (r_iso2->thread_name, ==, "sd:iso-2");

  /* Blocking: a thread of its own with a fresh thread-default context */
  g_assert_true (r_block->thread != g_thread_self ());
  g_assert_nonnull (r_block->main_context);
  g_assert_true (r_block->main_context != g_main_context_default ());
  g_assert_cmpstr (r_block->thread_name, ==, "sd:blocker");

  /* The full lane name is visible */
  lane_std = sd_service_dup_lane_name (standard);
  lane_high = sd_service_dup_lane_name (high1);
  lane_iso = sd_service_dup_lane_name (iso1);
  g_assert_cmpstr (lane_std, ==, "standard");
  g_assert_cmpstr (lane_high, ==, "high-priority");
  g_assert_cmpstr (lane_iso, ==, "isolated:isolated-with-a-long-name");

  /* The current context is reachable from the call */
  g_assert_true (r_std->saw_current);
  g_assert_true (r_high1->saw_current);
  g_assert_true (r_iso1->saw_current);
  g_assert_true (r_block->saw_current);
  g_assert_null (sd_context_get_current ());

  sd_test_shutdown_and_wait (daemon, &finished);
  g_assert_cmpint (sd_service_get_state (iso1), ==, SD_SERVICE_STATE_TERMINATED);
  g_assert_cmpint (sd_service_get_state (high2), ==, SD_SERVICE_STATE_TERMINATED);
}

/* A restarted isolated service keeps its lane across generations. */
static void
test_lanes_isolated_restart (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdService) service = add_on_lane (daemon, "iso", SD_LANE_ISOLATED, FALSE);
  SdTestRecord *record = sd_test_record (service);
  g_autoptr(GError) error = NULL;
  GThread *first_thread;
  gboolean finished;

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (service, SD_SERVICE_STATE_HEALTHY);
  first_thread = record->thread;

  g_assert_true (sd_test_op (daemon, "restart", "iso", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sd_service_get_generation (service), ==, 2);
  g_assert_true (record->thread == first_thread);

  sd_test_shutdown_and_wait (daemon, &finished);
}

int
main (int   argc,
      char *argv[])
{
  sd_test_init (&argc, &argv);

  g_test_add_func ("/sd/lanes/threads-and-contexts", test_lanes_threads_and_contexts);
  g_test_add_func ("/sd/lanes/isolated-restart", test_lanes_isolated_restart);

  return g_test_run ();
}
