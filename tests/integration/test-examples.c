/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The examples run non-interactively (--duration) and show what they claim to show. */

#include <signal.h>
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

static void
test_minimal (void)
{
  const char *path = sd_test_program_path ("SD_EXAMPLE_MINIMAL", SD_EXAMPLE_MINIMAL);
  g_autoptr(SdTestChild) child = spawn_with_duration (path, "--duration=1");
  guint ready, elapsed, stopping, stopped;

  wait_clean_exit (child);

  ready = sd_test_child_line_index (child, "== all services started");
  sd_test_child_line_index (child, "heartbeat: alive (beat 1)");
  elapsed = sd_test_child_line_index (child, "== duration elapsed");
  stopping = sd_test_child_line_index (child, "heartbeat: stopping after");
  stopped = sd_test_child_line_index (child, "== all services stopped ==");

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

  storage_healthy = sd_test_child_line_index (child, "[state] storage: initializing -> healthy");
  worker_first = sd_test_child_line_index (child, "worker: generation 1 starting");
  sd_test_child_line_index (child, "[state] worker: initializing -> recovering");
  first_recovery = sd_test_child_line_index (child, "worker: generation 2 recovering from: "
                                      "the job queue refused the connection (attempt 1)");
  second_recovery = sd_test_child_line_index (child, "worker: generation 3 recovering from: "
                                       "the job queue refused the connection (attempt 2)");
  recovered = sd_test_child_line_index (child, "[state] worker: recovering -> healthy");
  gateway_first = sd_test_child_line_index (child, "gateway: accepting requests (generation 1, initializing)");
  ready = sd_test_child_line_index (child, "== all services started");

  g_assert_cmpuint (storage_healthy, <, worker_first);
  g_assert_cmpuint (worker_first, <, first_recovery);
  g_assert_cmpuint (first_recovery, <, second_recovery);
  g_assert_cmpuint (second_recovery, <, recovered);
  g_assert_cmpuint (recovered, <, gateway_first);
  g_assert_cmpuint (gateway_first, <, ready);

  sd_test_child_line_index (child, "worker: processed job 1");
  sd_test_child_line_index (child, "== all services stopped ==");
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
  const char *line = sd_test_child_get_line (child, sd_test_child_line_index (child, needle));
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
  blocking_line = sd_test_child_get_line (child, sd_test_child_line_index (child, "blocking: started"));
  g_assert_true (g_str_has_suffix (blocking_line, "main thread: no"));

  sd_test_child_line_index (child, "standard: stopping on");
  sd_test_child_line_index (child, "== all services stopped ==");

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
  server_up = sd_test_child_line_index (child, listening);
  client_up = sd_test_child_line_index (child, connected);
  exchange = sd_test_child_line_index (child, "echo-client: sent \"ping 1\", received \"echo: ping 1\"");
  sd_test_child_line_index (child, "echo-server: client 1 says \"ping 1\"");
  ready = sd_test_child_line_index (child, "== all services started");
  elapsed = sd_test_child_line_index (child, "== duration elapsed");
  client_stop = sd_test_child_line_index (child, "echo-client: stopping after");
  server_stop = sd_test_child_line_index (child, "echo-server: stopping after 1 clients");
  stopped = sd_test_child_line_index (child, "== all services stopped ==");

  g_assert_cmpuint (server_up, <, client_up);
  g_assert_cmpuint (client_up, <, exchange);
  g_assert_cmpuint (ready, <, elapsed);
  g_assert_cmpuint (elapsed, <, client_stop);
  g_assert_cmpuint (client_stop, <, server_stop);
  g_assert_cmpuint (server_stop, <, stopped);

  g_assert_false (g_file_test (socket_path, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

/* A trigger kind of the example's own: each line of the file is one message, handled in
 * order; at the end of the input the trigger stops cleanly, and the stats service, of a
 * higher priority, reports the count after it. */
static void
test_custom_trigger_file (void)
{
  const char *path = sd_test_program_path ("SD_EXAMPLE_CUSTOM_TRIGGER", SD_EXAMPLE_CUSTOM_TRIGGER);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sd-example-lines-XXXXXX", &error);
  g_autofree char *lines_path = NULL;
  g_autofree char *set_up = NULL;
  g_autofree char *end = NULL;
  g_autoptr(SdTestChild) child = NULL;
  guint counting, setup, ready, line_1, line_2, line_3, torn_down, terminated, elapsed;
  guint stats, stopped;

  g_assert_no_error (error);
  lines_path = g_build_filename (dir, "lines.txt", NULL);
  g_file_set_contents (lines_path, "alpha\nbeta gamma\ndelta\n", -1, &error);
  g_assert_no_error (error);

  g_setenv ("SD_EXAMPLE_LINES_FILE", lines_path, TRUE);
  child = spawn_with_duration (path, "--duration=2");
  g_unsetenv ("SD_EXAMPLE_LINES_FILE");

  wait_clean_exit (child);

  set_up = g_strdup_printf ("line-printer: set up (generation 1), reading %s", lines_path);
  end = g_strdup_printf ("line-source: end of %s after 3 lines", lines_path);
  counting = sd_test_child_line_index (child, "line-stats: counting");
  setup = sd_test_child_line_index (child, set_up);
  ready = sd_test_child_line_index (child, "== all services started");
  line_1 = sd_test_child_line_index (child, "line-printer: line 1: \"alpha\" (message ");
  line_2 = sd_test_child_line_index (child, "line-printer: line 2: \"beta gamma\" (message ");
  line_3 = sd_test_child_line_index (child, "line-printer: line 3: \"delta\" (message ");
  sd_test_child_line_index (child, end);
  torn_down = sd_test_child_line_index (child, "line-printer: torn down");
  terminated = sd_test_child_line_index (child, "[state] line-printer: healthy -> terminated");
  elapsed = sd_test_child_line_index (child, "== duration elapsed");
  stats = sd_test_child_line_index (child, "line-stats: 3 lines, 20 characters");
  stopped = sd_test_child_line_index (child, "== all services stopped ==");

  /* The higher priority first; the lines in order; the STOP transition at the end */
  g_assert_cmpuint (counting, <, setup);
  g_assert_cmpuint (setup, <, ready);
  g_assert_cmpuint (line_1, <, line_2);
  g_assert_cmpuint (line_2, <, line_3);
  g_assert_cmpuint (line_3, <, torn_down);
  g_assert_cmpuint (torn_down, <, terminated);
  g_assert_cmpuint (terminated, <, elapsed);
  g_assert_cmpuint (elapsed, <, stats);
  g_assert_cmpuint (stats, <, stopped);

  g_unlink (lines_path);
  g_rmdir (dir);
}

/* Generated lines until Ctrl-C: the printer stops first, then the stats service */
static void
test_custom_trigger_interrupt (void)
{
  const char *path = sd_test_program_path ("SD_EXAMPLE_CUSTOM_TRIGGER", SD_EXAMPLE_CUSTOM_TRIGGER);
  const char * const argv[] = { path, NULL };
  g_autoptr(SdTestChild) child = NULL;
  guint printer_stopping, torn_down, printer_down, stats_stopping, stats, stopped;

  g_unsetenv ("SD_EXAMPLE_LINES_FILE");
  child = sd_test_child_spawn (argv);

  sd_test_child_wait_line (child, "line-printer: set up (generation 1), reading generated lines");
  sd_test_child_wait_line (child, "line-printer: line 2: \"generated line 2\"");
  sd_test_child_send_signal (child, SIGINT);
  wait_clean_exit (child);

  sd_test_child_line_index (child, "line-printer: line 1: \"generated line 1\"");
  printer_stopping = sd_test_child_line_index (child, "[state] line-printer: healthy -> shutting-down");
  torn_down = sd_test_child_line_index (child, "line-printer: torn down");
  printer_down = sd_test_child_line_index (child, "[state] line-printer: shutting-down -> terminated");
  stats_stopping = sd_test_child_line_index (child, "[state] line-stats: healthy -> shutting-down");
  stats = sd_test_child_line_index (child, " lines, ");
  stopped = sd_test_child_line_index (child, "== all services stopped ==");

  g_assert_cmpuint (printer_stopping, <, torn_down);
  g_assert_cmpuint (torn_down, <, printer_down);
  g_assert_cmpuint (printer_down, <, stats_stopping);
  g_assert_cmpuint (stats_stopping, <, stats);
  g_assert_cmpuint (stats, <, stopped);
}

/* Reads "  NAME message ID  parent PARENT  origin ORIGIN" into its four words */
static void
chain_row (SdTestChild  *child,
           guint         index,
           const char   *service,
           char        **id,
           char        **parent,
           char        **origin)
{
  const char *line = sd_test_child_get_line (child, index);
  g_auto(GStrv) words = g_strsplit_set (line, " ", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (*words[i] != '\0')
        g_ptr_array_add (kept, words[i]);
    }

  g_assert_cmpuint (kept->len, ==, 7);
  g_assert_cmpstr (g_ptr_array_index (kept, 0), ==, service);
  g_assert_cmpstr (g_ptr_array_index (kept, 1), ==, "message");
  g_assert_cmpstr (g_ptr_array_index (kept, 3), ==, "parent");
  g_assert_cmpstr (g_ptr_array_index (kept, 5), ==, "origin");
  *id = g_strdup (g_ptr_array_index (kept, 2));
  *parent = g_strdup (g_ptr_array_index (kept, 4));
  *origin = g_strdup (g_ptr_array_index (kept, 6));
}

/* cron → queue → watch → notification: each message is the child of the one before, all
 * with the cron message as their origin; the triggers start from the end of the chain and
 * stop from its start */
static void
test_triggers (void)
{
  const char *path = sd_test_program_path ("SD_EXAMPLE_TRIGGERS", SD_EXAMPLE_TRIGGERS);
  g_autoptr(SdTestChild) child = spawn_with_duration (path, "--duration=5");
  const char * const services[] = { "ticker", "worker", "observer", "reporter" };
  g_autofree char *previous = NULL;
  g_autofree char *origin = NULL;
  guint reporter_up, ticker_up, ready, fired, worker, observer, chain, connects;
  guint ticker_down, worker_stopping, worker_down, observer_stopping, reporter_stopping;
  guint stopped;

  wait_clean_exit (child);

  reporter_up = sd_test_child_line_index (child, "[state] reporter: initializing -> healthy");
  ticker_up = sd_test_child_line_index (child, "[state] ticker: initializing -> healthy");
  ready = sd_test_child_line_index (child, "== all triggers started");
  fired = sd_test_child_line_index (child, "ticker: fired for ");
  sd_test_child_line_index (child, "pushing job 1");
  worker = sd_test_child_line_index (child, "worker: handled job 1, 1 done");
  observer = sd_test_child_line_index (child, "observer: processed is now 1, ringing the bell");
  chain = sd_test_child_line_index (child, "reporter: job 1 went through 4 messages:");
  connects = sd_test_child_line_index (child, "reporter: the chain connects");

  g_assert_cmpuint (reporter_up, <, ticker_up);
  g_assert_cmpuint (ticker_up, <, ready);
  g_assert_cmpuint (ready, <, fired);
  g_assert_cmpuint (fired, <, worker);
  g_assert_cmpuint (worker, <, observer);
  g_assert_cmpuint (observer, <, chain);
  g_assert_cmpuint (chain + G_N_ELEMENTS (services), <, connects);

  /* The printed chain, checked here too */
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      g_autofree char *id = NULL;
      g_autofree char *parent = NULL;
      g_autofree char *row_origin = NULL;

      chain_row (child, chain + 1 + i, services[i], &id, &parent, &row_origin);
      if (i == 0)
        {
          g_assert_cmpstr (parent, ==, "(none)");
          g_assert_cmpstr (row_origin, ==, id);
          origin = g_strdup (id);
        }
      else
        {
          g_assert_cmpstr (parent, ==, previous);
          g_assert_cmpstr (row_origin, ==, origin);
          g_assert_cmpstr (id, !=, previous);
        }
      g_free (previous);
      previous = g_steal_pointer (&id);
    }

  ticker_down = sd_test_child_line_index (child, "[state] ticker: shutting-down -> terminated");
  worker_stopping = sd_test_child_line_index (child, "[state] worker: healthy -> shutting-down");
  worker_down = sd_test_child_line_index (child, "[state] worker: shutting-down -> terminated");
  observer_stopping = sd_test_child_line_index (child, "[state] observer: healthy -> shutting-down");
  reporter_stopping = sd_test_child_line_index (child, "[state] reporter: healthy -> shutting-down");
  stopped = sd_test_child_line_index (child, "== all triggers stopped ==");

  g_assert_cmpuint (ticker_down, <, worker_stopping);
  g_assert_cmpuint (worker_down, <, observer_stopping);
  g_assert_cmpuint (observer_stopping, <, reporter_stopping);
  g_assert_cmpuint (reporter_stopping, <, stopped);
}

/* Ctrl-C while the chain runs: a graceful stop, exit status 0 */
static void
test_triggers_interrupt (void)
{
  const char *path = sd_test_program_path ("SD_EXAMPLE_TRIGGERS", SD_EXAMPLE_TRIGGERS);
  const char * const argv[] = { path, NULL };
  g_autoptr(SdTestChild) child = sd_test_child_spawn (argv);

  sd_test_child_wait_line (child, "reporter: job 1 went through");
  sd_test_child_send_signal (child, SIGINT);
  wait_clean_exit (child);

  g_assert_cmpuint (sd_test_child_line_index (child, "[state] ticker: shutting-down -> terminated"), <,
                    sd_test_child_line_index (child, "[state] reporter: healthy -> shutting-down"));
  sd_test_child_line_index (child, "== all triggers stopped ==");
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

  ready = sd_test_child_line_index (child, "== all services started");
  tick = sd_test_child_line_index (child, "ticker: tick 1 (every 200 ms)");
  sd_test_child_line_index (child, "heartbeat: beat 1");
  elapsed = sd_test_child_line_index (child, "== duration elapsed");
  ticker_stop = sd_test_child_line_index (child, "ticker: stopping after");
  heartbeat_stop = sd_test_child_line_index (child, "heartbeat: stopping");
  stopped = sd_test_child_line_index (child, "== all services stopped ==");

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
  g_test_add_func ("/sd/integration/examples/custom-trigger/file", test_custom_trigger_file);
  g_test_add_func ("/sd/integration/examples/custom-trigger/interrupt", test_custom_trigger_interrupt);
  g_test_add_func ("/sd/integration/examples/triggers", test_triggers);
  g_test_add_func ("/sd/integration/examples/triggers/interrupt", test_triggers_interrupt);
#ifdef SD_EXAMPLE_VALA
  g_test_add_func ("/sd/integration/examples/vala", test_vala);
#endif

  return g_test_run ();
}
