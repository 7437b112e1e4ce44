/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The bare GLib+GIO process that sd-bench-services compares an empty daemon with: it does
 * not link libsd, loads GIO's types, iterates a main context and reports its memory. With
 * --idle-ms it also counts the context switches of an idle main loop over that window,
 * which is the floor of the idle wake-up measurement (the timer that ends the window
 * costs one wake-up).
 */

#include <gio/gio.h>
#include <stdio.h>

#include "bench-common.h"

typedef struct
{
  GMainLoop *loop;
  guint64    switches_before;
  guint      window_ms;
} IdleWindow;

static gboolean
idle_window_done_cb (gpointer data)
{
  IdleWindow *window = data;
  guint n_threads = 0;
  guint64 after = bench_count_switches (&n_threads);

  bench_print_switches (window->switches_before, after, n_threads, window->window_ms);
  g_main_loop_quit (window->loop);

  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  BenchMemory memory;
  int idle_ms = 0;
  const GOptionEntry entries[] = {
    { "idle-ms", 0, 0, G_OPTION_ARG_INT, &idle_ms, "Count wake-ups over this idle window", "MS" },
    G_OPTION_ENTRY_NULL
  };

  options = g_option_context_new ("- bare GLib+GIO baseline of sd-bench-services");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  /* What any GIO program has: the GIO types it uses, a cancellable, a main loop */
  g_type_ensure (G_TYPE_CANCELLABLE);
  g_type_ensure (G_TYPE_TASK);
  cancellable = g_cancellable_new ();
  loop = g_main_loop_new (NULL, FALSE);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  bench_measure_memory (&memory);
  bench_print_memory (&memory);

  if (idle_ms > 0)
    {
      IdleWindow window = { loop, 0, (guint) idle_ms };

      g_timeout_add (window.window_ms, idle_window_done_cb, &window);
      window.switches_before = bench_count_switches (NULL);
      g_main_loop_run (loop);
    }

  fflush (stdout);

  return 0;
}
