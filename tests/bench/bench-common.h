/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Resident memory of the calling process, in KiB, as /proc/self/status reports it. */
typedef struct
{
  guint64 rss_kb;       /* VmRSS */
  guint64 rss_anon_kb;  /* RssAnon: heap, stacks, GSlice magazines */
  guint64 rss_file_kb;  /* RssFile: mapped code and data of the binaries */
} BenchRss;

/* A snapshot of the memory of the process, before and after malloc_trim(0). */
typedef struct
{
  BenchRss rss;
  BenchRss trimmed;
  guint64  heap_bytes;  /* bytes in use in malloc (all arenas, mmapped blocks included) */
} BenchMemory;

gboolean bench_read_rss           (BenchRss     *out);
guint64  bench_heap_in_use        (void);
void     bench_measure_memory     (BenchMemory  *out);
void     bench_print_memory       (const BenchMemory *memory);
guint64  bench_count_switches     (guint        *n_threads);
void     bench_print_switches     (guint64      before,
                                   guint64      after,
                                   guint        n_threads,
                                   guint        window_ms);

G_END_DECLS
