/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The examples run non-interactively (--duration) and show what they claim to show. */

#include <string.h>

#include <glib/gstdio.h>

#include "sd-test-child.h"

static SdTestChild *
spawn_with_duration (const char *path,
                     const char *duration)
{
  const char * const argv[] = { path, duration, NULL };

  return sd_test_child_spawn (argv);
}

static void
wait_clean_exit (SdTestChild *child)
{
  int status = -1;

  sd_test_child_wait_exit (child);
  g_assert_true (sd_test_child_exited (child, &status));
  g_assert_cmpint (status, ==, 0);
}

static guint
line_index (SdTestChild *child,
            const char  *needle)
{
  int index = sd_test_child_find_line (child, needle);

  if (index < 0)
    {
      g_autofree char *output = sd_test_child_dup_output (child);

      g_test_message ("output:\n%s", output);
      g_test_fail_printf ("no line contains \"%s\"", needle);
    }
  g_assert_cmpint (index, >=, 0);

  return (guint) index;
}

static void
test_minimal (void)
{
  const char *path = sd_test_program_path ("SD_EXAMPLE_MINIMAL", SD_EXAMPLE_MINIMAL);
  g_autoptr(SdTestChild) child = spawn_with_duration (path, "--duration=1");
  guint ready, elapsed, stopping, stopped;

  wait_clean_exit (child);

  ready = line_index (child, "== all services started");
  line_index (child, "heartbeat: alive (beat 1)");
  elapsed = line_index (child, "== duration elapsed");
  stopping = line_index (child, "heartbeat: stopping after");
  stopped = line_index (child, "== all services stopped ==");

  g_assert_cmpuint (ready, <, elapsed);
  g_assert_cmpuint (elapsed, <, stopping);
  g_assert_cmpuint (stopping, <, stopped);
}

/* Startup waves from the highest priority down; the worker fails twice, reads the previous
 * error and recovers before the external wave starts. */
static void
test_complete (void)
{
  const char *path = sd_test_program_path ("SD_EXAMPLE_COMPLETE", SD_EXAMPLE_COMPLETE);
  g_autoptr(SdTestChild) child = spawn_with_duration (path, "--duration=5");
  guint storage_healthy, worker_first, recovered, gateway_first, ready;
  guint first_recovery, second_recovery;

  wait_clean_exit (child);

  storage_healthy = line_index (child, "[state] storage: initializing -> healthy");
  worker_first = line_index (child, "worker: generation 1 starting");
  line_index (child, "[state] worker: initializing -> recovering");
  first_recovery = line_index (child, "worker: generation 2 recovering from: "
                                      "the job queue refused the connection (attempt 1)");
  second_recovery = line_index (child, "worker: generation 3 recovering from: "
                                       "the job queue refused the connection (attempt 2)");
  recovered = line_index (child, "[state] worker: recovering -> healthy");
  gateway_first = line_index (child, "gateway: accepting requests (generation 1, initializing)");
  ready = line_index (child, "== all services started");

  g_assert_cmpuint (storage_healthy, <, worker_first);
  g_assert_cmpuint (worker_first, <, first_recovery);
  g_assert_cmpuint (first_recovery, <, second_recovery);
  g_assert_cmpuint (second_recovery, <, recovered);
  g_assert_cmpuint (recovered, <, gateway_first);
  g_assert_cmpuint (gateway_first, <, ready);

  line_index (child, "worker: processed job 1");
  line_index (child, "== all services stopped ==");
}

typedef struct
{
  char     *thread;  /* (owned) */
  gboolean  main_thread;
} Placement;

/* Reads "NAME: started on lane LANE, thread "THREAD", main thread: yes|no" */
static Placement
placement_of (SdTestChild *child,
              const char  *name)
{
  g_autofree char *needle = g_strdup_printf ("%s: started on lane ", name);
  const char *line = sd_test_child_get_line (child, line_index (child, needle));
  const char *start = strstr (line, "thread \"");
  const char *end;
  Placement placement;

  g_assert_nonnull (start);
  start += strlen ("thread \"");
  end = strchr (start, '"');
  g_assert_nonnull (end);

  placement.thread = g_strndup (start, end - start);
  placement.main_thread = g_str_has_suffix (line, "main thread: yes");
  g_assert_true (placement.main_thread || g_str_has_suffix (line, "main thread: no"));

  return placement;
}

/* Standard: the main thread; high priority: one shared thread; isolated: one each */
static void
test_scheduling (void)
{
  const char *path = sd_test_program_path ("SD_EXAMPLE_SCHEDULING", SD_EXAMPLE_SCHEDULING);
  g_autoptr(SdTestChild) child = spawn_with_duration (path, "--duration=1");
  Placement standard, high_1, high_2, isolated_1, isolated_2;
  const char *blocking_line;

  wait_clean_exit (child);

  standard = placement_of (child, "standard");
  high_1 = placement_of (child, "high-1");
  high_2 = placement_of (child, "high-2");
  isolated_1 = placement_of (child, "isolated-1");
  isolated_2 = placement_of (child, "isolated-2");

  g_assert_true (standard.main_thread);
  g_assert_false (high_1.main_thread);
  g_assert_false (high_2.main_thread);
  g_assert_false (isolated_1.main_thread);
  g_assert_false (isolated_2.main_thread);

  g_assert_cmpstr (high_1.thread, ==, high_2.thread);
  g_assert_cmpstr (isolated_1.thread, !=, isolated_2.thread);
  g_assert_cmpstr (isolated_1.thread, !=, high_1.thread);
  g_assert_cmpstr (isolated_2.thread, !=, high_1.thread);
  g_assert_cmpstr (standard.thread, !=, high_1.thread);

  /* A blocking run() never blocks the main thread, even on the standard lane */
  blocking_line = sd_test_child_get_line (child, line_index (child, "blocking: started"));
  g_assert_true (g_str_has_suffix (blocking_line, "main thread: no"));

  line_index (child, "standard: stopping on");
  line_index (child, "== all services stopped ==");

  g_free (standard.thread);
  g_free (high_1.thread);
  g_free (high_2.thread);
  g_free (isolated_1.thread);
  g_free (isolated_2.thread);
}

/* The listener binds before the first wave; the server's wave starts before the client's,
 * and on shutdown the client stops first. The socket file goes with the program. */
static void
test_unix_domain_socket (void)
{
  const char *path = sd_test_program_path ("SD_EXAMPLE_UNIX_DOMAIN_SOCKET",
                                           SD_EXAMPLE_UNIX_DOMAIN_SOCKET);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sd-example-uds-XXXXXX", &error);
  g_autofree char *socket_path = NULL;
  g_autofree char *listening = NULL;
  g_autofree char *connected = NULL;
  g_autoptr(SdTestChild) child = NULL;
  guint server_up, client_up, exchange, ready, elapsed, client_stop, server_stop, stopped;

  g_assert_no_error (error);
  socket_path = g_build_filename (dir, "echo.sock", NULL);

  /* The variable overrides the class default of the listener; the child inherits it */
  g_setenv ("SD_EXAMPLE_ECHO_SOCKET", socket_path, TRUE);
  child = spawn_with_duration (path, "--duration=2");
  g_unsetenv ("SD_EXAMPLE_ECHO_SOCKET");

  wait_clean_exit (child);

  listening = g_strdup_printf ("echo-server: listening on %s (generation 1)", socket_path);
  connected = g_strdup_printf ("echo-client: connected to %s", socket_path);
  server_up = line_index (child, listening);
  client_up = line_index (child, connected);
  exchange = line_index (child, "echo-client: sent \"ping 1\", received \"echo: ping 1\"");
  line_index (child, "echo-server: client 1 says \"ping 1\"");
  ready = line_index (child, "== all services started");
  elapsed = line_index (child, "== duration elapsed");
  client_stop = line_index (child, "echo-client: stopping after");
  server_stop = line_index (child, "echo-server: stopping after 1 clients");
  stopped = line_index (child, "== all services stopped ==");

  g_assert_cmpuint (server_up, <, client_up);
  g_assert_cmpuint (client_up, <, exchange);
  g_assert_cmpuint (ready, <, elapsed);
  g_assert_cmpuint (elapsed, <, client_stop);
  g_assert_cmpuint (client_stop, <, server_stop);
  g_assert_cmpuint (server_stop, <, stopped);

  g_assert_false (g_file_test (socket_path, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

#ifdef SD_EXAMPLE_VALA
/* Services written in Vala: a blocking one and an async method with an injected provider
 * whose value comes from the environment */
static void
test_vala (void)
{
  const char *path = sd_test_program_path ("SD_EXAMPLE_VALA", SD_EXAMPLE_VALA);
  g_autoptr(SdTestChild) child = NULL;
  guint tick, ready, elapsed, ticker_stop, heartbeat_stop, stopped;

  g_setenv ("SD_EXAMPLE_TICK_MS", "200", TRUE);
  child = spawn_with_duration (path, "--duration=2");
  g_unsetenv ("SD_EXAMPLE_TICK_MS");

  wait_clean_exit (child);

  ready = line_index (child, "== all services started");
  tick = line_index (child, "ticker: tick 1 (every 200 ms)");
  line_index (child, "heartbeat: beat 1");
  elapsed = line_index (child, "== duration elapsed");
  ticker_stop = line_index (child, "ticker: stopping after");
  heartbeat_stop = line_index (child, "heartbeat: stopping");
  stopped = line_index (child, "== all services stopped ==");

  g_assert_cmpuint (ready, <, tick);
  g_assert_cmpuint (elapsed, <, ticker_stop);
  /* The ticker (default priority) stops before the heartbeat (storage priority) */
  g_assert_cmpuint (ticker_stop, <, heartbeat_stop);
  g_assert_cmpuint (heartbeat_stop, <, stopped);
}
#endif

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sd/integration/examples/minimal", test_minimal);
  g_test_add_func ("/sd/integration/examples/complete", test_complete);
  g_test_add_func ("/sd/integration/examples/scheduling", test_scheduling);
  g_test_add_func ("/sd/integration/examples/unix-domain-socket", test_unix_domain_socket);
#ifdef SD_EXAMPLE_VALA
  g_test_add_func ("/sd/integration/examples/vala", test_vala);
#endif

  return g_test_run ();
}
