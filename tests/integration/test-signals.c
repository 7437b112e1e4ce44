/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The signal handling of a daemon, seen from outside: the examples and a helper daemon run
 * as child processes and receive real SIGHUP, SIGINT and SIGTERM. */

#include <signal.h>
#include <string.h>

#include "sd-test-child.h"

static const char *
complete_path (void)
{
  return sd_test_program_path ("SD_EXAMPLE_COMPLETE", SD_EXAMPLE_COMPLETE);
}

static const char *
minimal_path (void)
{
  return sd_test_program_path ("SD_EXAMPLE_MINIMAL", SD_EXAMPLE_MINIMAL);
}

static const char *
slow_stop_path (void)
{
  return sd_test_program_path ("SD_TEST_SLOW_STOP", SD_TEST_SLOW_STOP);
}

static SdTestChild *
spawn_one (const char *path)
{
  const char * const argv[] = { path, NULL };

  return sd_test_child_spawn (argv);
}

/* The number printed after @prefix in the line @index */
static guint
parse_count (SdTestChild *child,
             guint        index,
             const char  *prefix)
{
  const char *line = sd_test_child_get_line (child, index);
  const char *found = strstr (line, prefix);
  guint64 value = 0;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (found);
  g_ascii_string_to_unsigned (found + strlen (prefix), 10, 0, G_MAXUINT, &value, &error);
  g_assert_no_error (error);

  return (guint) value;
}

static void
assert_exit_status (SdTestChild *child,
                    int          expected)
{
  int status = -1;

  g_assert_true (sd_test_child_exited (child, &status));
  g_assert_cmpint (status, ==, expected);
}

static void
assert_no_line (SdTestChild *child,
                const char  *needle)
{
  int index = sd_test_child_find_line (child, needle);

  if (index >= 0)
    g_test_message ("unexpected line %d: %s", index, sd_test_child_get_line (child, index));
  g_assert_cmpint (index, <, 0);
}

/* SIGHUP reloads every service: each generation sees NEED_RELOAD, the next one starts as
 * RESTORING, and what the worker shelved comes back. */
static void
test_sighup_reload (void)
{
  g_autoptr(SdTestChild) child = spawn_one (complete_path ());
  guint need_reload, shelved_at, restored_at, healthy, count;

  sd_test_child_wait_line (child, "== all services started");
  sd_test_child_wait_line (child, "worker: processed job 1");

  sd_test_child_send_signal (child, SIGHUP);

  need_reload = sd_test_child_wait_line (child, "[state] worker: healthy -> need-reload");
  shelved_at = sd_test_child_wait_line (child, "worker: reload requested, shelving count = ");
  sd_test_child_wait_line (child, "[state] worker: need-reload -> restoring");
  restored_at = sd_test_child_wait_line (child, "restored after a reload, count = ");
  healthy = sd_test_child_wait_line (child, "[state] worker: restoring -> healthy");

  g_assert_cmpuint (need_reload, <, shelved_at);
  g_assert_cmpuint (shelved_at, <, restored_at);
  g_assert_cmpuint (need_reload, <, healthy);

  /* The count survives the reload */
  count = parse_count (child, shelved_at, "shelving count = ");
  g_assert_cmpuint (count, >=, 1);
  g_assert_cmpuint (parse_count (child, restored_at, "count = "), ==, count);
  {
    g_autofree char *next_job = g_strdup_printf ("worker: processed job %u", count + 1);

    g_assert_cmpuint (sd_test_child_wait_line (child, next_job), >, restored_at);
  }

  /* The other services were reloaded too */
  sd_test_child_wait_line (child, "[state] storage: healthy -> need-reload");
  sd_test_child_wait_line (child, "[state] storage: need-reload -> restoring");
  sd_test_child_wait_line (child, "storage: reopening the store after a reload");
  sd_test_child_wait_line (child, "[state] gateway: healthy -> need-reload");
  sd_test_child_wait_line (child, "[state] gateway: need-reload -> restoring");
  sd_test_child_wait_line (child, "gateway: accepting requests (generation 2, restoring)");

  /* A reload is not a shutdown: the daemon keeps running until told to stop */
  assert_no_line (child, "== all services stopped");
  sd_test_child_send_signal (child, SIGTERM);
  sd_test_child_wait_exit (child);
  assert_exit_status (child, 0);
  sd_test_child_line_index (child, "== all services stopped");
}

/* SIGTERM stops the services gracefully, the lowest priority first, and the program exits
 * with status 0. */
static void
test_sigterm (void)
{
  g_autoptr(SdTestChild) child = spawn_one (complete_path ());
  guint gateway_stopping, gateway_done, worker_stopping, worker_done;
  guint storage_stopping, storage_done, stopped;
  guint gateway_line, worker_line, storage_line;

  sd_test_child_wait_line (child, "== all services started");

  sd_test_child_send_signal (child, SIGTERM);
  sd_test_child_wait_exit (child);
  assert_exit_status (child, 0);

  /* The transitions, wave by wave: each wave stops only once the previous one ended */
  gateway_stopping = sd_test_child_line_index (child, "[state] gateway: healthy -> shutting-down");
  gateway_done = sd_test_child_line_index (child, "[state] gateway: shutting-down -> terminated");
  worker_stopping = sd_test_child_line_index (child, "[state] worker: healthy -> shutting-down");
  worker_done = sd_test_child_line_index (child, "[state] worker: shutting-down -> terminated");
  storage_stopping = sd_test_child_line_index (child, "[state] storage: healthy -> shutting-down");
  storage_done = sd_test_child_line_index (child, "[state] storage: shutting-down -> terminated");
  stopped = sd_test_child_line_index (child, "== all services stopped ==");

  g_assert_cmpuint (gateway_stopping, <, gateway_done);
  g_assert_cmpuint (gateway_done, <, worker_stopping);
  g_assert_cmpuint (worker_stopping, <, worker_done);
  g_assert_cmpuint (worker_done, <, storage_stopping);
  g_assert_cmpuint (storage_stopping, <, storage_done);
  g_assert_cmpuint (storage_done, <, stopped);

  /* What the services themselves printed while stopping */
  gateway_line = sd_test_child_line_index (child, "gateway: no longer accepting requests");
  worker_line = sd_test_child_line_index (child, "worker: shutting down after");
  storage_line = sd_test_child_line_index (child, "storage: flushing and closing the store");
  g_assert_cmpuint (gateway_line, <, worker_line);
  g_assert_cmpuint (worker_line, <, storage_line);

  /* A shutdown is not a reload */
  assert_no_line (child, "need-reload");
}

/* A SIGTERM while the startup waves still run (the worker waits for its restart) stops what
 * was started and never starts the later waves. */
static void
test_sigterm_during_startup (void)
{
  g_autoptr(SdTestChild) child = spawn_one (complete_path ());

  sd_test_child_wait_line (child, "worker: cannot reach the job queue (attempt 1)");

  sd_test_child_send_signal (child, SIGTERM);
  sd_test_child_wait_exit (child);
  assert_exit_status (child, 0);

  sd_test_child_line_index (child, "storage: flushing and closing the store");
  sd_test_child_line_index (child, "== all services stopped ==");
  assert_no_line (child, "gateway: accepting requests");
}

/* SIGINT (Ctrl-C) is a graceful shutdown too */
static void
test_sigint (void)
{
  g_autoptr(SdTestChild) child = spawn_one (minimal_path ());
  guint stopping, stopped;

  sd_test_child_wait_line (child, "== all services started");
  sd_test_child_wait_line (child, "heartbeat: alive");

  sd_test_child_send_signal (child, SIGINT);
  sd_test_child_wait_exit (child);
  assert_exit_status (child, 0);

  stopping = sd_test_child_line_index (child, "heartbeat: stopping after");
  stopped = sd_test_child_line_index (child, "== all services stopped ==");
  g_assert_cmpuint (stopping, <, stopped);
}

/* A second SIGTERM or SIGINT while a service is slow to stop ends the process at once with
 * 128 + the signal number. */
static void
test_second_signal (gconstpointer data)
{
  int signum = GPOINTER_TO_INT (data);
  g_autoptr(SdTestChild) child = spawn_one (slow_stop_path ());

  sd_test_child_wait_line (child, "== all services started");

  sd_test_child_send_signal (child, signum);
  /* Only once the first signal was handled: two signals delivered before the daemon looks
   * at them count as one */
  sd_test_child_wait_line (child, "slow: asked to stop");

  sd_test_child_send_signal (child, signum);
  sd_test_child_wait_exit (child);
  assert_exit_status (child, 128 + signum);

  assert_no_line (child, "slow: done");
  assert_no_line (child, "== all services stopped");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sd/integration/signals/sighup", test_sighup_reload);
  g_test_add_func ("/sd/integration/signals/sigterm", test_sigterm);
  g_test_add_func ("/sd/integration/signals/sigterm-during-startup", test_sigterm_during_startup);
  g_test_add_func ("/sd/integration/signals/sigint", test_sigint);
  g_test_add_data_func ("/sd/integration/signals/sigterm-twice",
                        GINT_TO_POINTER (SIGTERM), test_second_signal);
  g_test_add_data_func ("/sd/integration/signals/sigint-twice",
                        GINT_TO_POINTER (SIGINT), test_second_signal);

  return g_test_run ();
}
