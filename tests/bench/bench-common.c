/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bench-common.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Measuring helpers shared by the benchmark and its bare-GLib baseline. Everything is read
 * from /proc and glibc's malloc statistics; nothing here allocates between the two readings
 * of a measurement beyond what GLib's file helpers need, and that is freed again.
 */

static guint64
status_field_kb (const char *status,
                 const char *field)
{
  const char *line = strstr (status, field);

  if (line == NULL)
    return 0;

  return g_ascii_strtoull (line + strlen (field), NULL, 10);
}

gboolean
bench_read_rss (BenchRss *out)
{
  g_autofree char *status = NULL;

  memset (out, 0, sizeof *out);
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return FALSE;

  out->rss_kb = status_field_kb (status, "\nVmRSS:");
  out->rss_anon_kb = status_field_kb (status, "\nRssAnon:");
  out->rss_file_kb = status_field_kb (status, "\nRssFile:");

  return out->rss_kb != 0;
}

guint64
bench_heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

void
bench_measure_memory (BenchMemory *out)
{
  bench_read_rss (&out->rss);
  out->heap_bytes = bench_heap_in_use ();
  malloc_trim (0);
  bench_read_rss (&out->trimmed);
}

/* Prints the snapshot as key=value pairs for the parent process to parse. */
void
bench_print_memory (const BenchMemory *memory)
{
  printf ("rss_kb=%" G_GUINT64_FORMAT " rss_anon_kb=%" G_GUINT64_FORMAT
          " rss_file_kb=%" G_GUINT64_FORMAT
          " trimmed_rss_kb=%" G_GUINT64_FORMAT " trimmed_rss_anon_kb=%" G_GUINT64_FORMAT
          " heap_bytes=%" G_GUINT64_FORMAT "\n",
          memory->rss.rss_kb, memory->rss.rss_anon_kb, memory->rss.rss_file_kb,
          memory->trimmed.rss_kb, memory->trimmed.rss_anon_kb, memory->heap_bytes);
}

/*
 * Sums voluntary and involuntary context switches of every thread of the process. A thread
 * that sleeps in poll() and is woken costs one voluntary switch when it goes back to sleep.
 */
guint64
bench_count_switches (guint *n_threads)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  guint64 total = 0;
  guint threads = 0;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", tid, "status", NULL);
      g_autofree char *status = NULL;

      if (!g_file_get_contents (path, &status, NULL, NULL))
        continue;

      total += status_field_kb (status, "\nvoluntary_ctxt_switches:");
      total += status_field_kb (status, "\nnonvoluntary_ctxt_switches:");
      threads++;
    }

  if (n_threads != NULL)
    *n_threads = threads;

  return total;
}

void
bench_print_switches (guint64 before,
                      guint64 after,
                      guint   n_threads,
                      guint   window_ms)
{
  printf ("switches=%" G_GUINT64_FORMAT " threads=%u window_ms=%u\n",
          after - before, n_threads, window_ms);
}
