/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * sd-bench-services: what idle services cost (SPEC §4).
 *
 * Run without arguments, the program is the orchestrator: it starts one fresh child process
 * (itself, with --child=MODE) per measurement so that the figures do not pollute each other,
 * parses the key=value lines the children print, and prints
 *
 *   baseline_rss_kb=… daemon_empty_rss_kb=…          bare GLib+GIO process vs. empty daemon
 *   services=N rss_kb=R per_service_bytes=B floor_per_item_bytes=F …   for N = 0, 1000, 10000
 *   idle_wakeups_per_sec=W …                         idle daemon with 1,000 services
 *   start_10000_in_10_waves_ms=… stop_ms=…           10,000 services through 10 waves
 *
 * Each figure is printed next to its raw-GLib floor measured in the same run. The floor item
 * is what a hand-written GLib program needs per supervised loop: one long idle timeout
 * GSource attached to the main context, one GCancellable and a small struct in a hash table.
 *
 * Memory is read from /proc/self/status (VmRSS) once every service is HEALTHY, before and
 * after malloc_trim(0); glibc's mallinfo2() gives the heap bytes in use, which show where
 * the bytes go independent of page granularity. Children run without the malloc debugging
 * variables a test harness may set (MALLOC_PERTURB_, MALLOC_CHECK_, G_SLICE, G_DEBUG), so
 * that GLib uses its default allocators as in production.
 *
 * Child modes (for manual use too):
 *   --child=sd --services=N [--waves=W] [--idle-ms=MS]   an Sd daemon with N idle services
 *   --child=floor --services=N                           the raw-GLib floor with N items
 *   --child=parts --services=N                           heap cost of single building blocks
 */

#include <gio/gio.h>
#include <sd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-common.h"

#define DEFAULT_IDLE_WINDOW_MS 2000
#define TARGET_PER_SERVICE_BYTES 1000
#define TARGET_EMPTY_OVERHEAD_PCT 10.0

/* ---- the idle asynchronous services ---- */

/* The idiomatic idle service: its body only waits, so it hands its own callback to the
 * wait and lets the default run_finish() finish it. */
#define BENCH_TYPE_IDLE (bench_idle_get_type ())
G_DECLARE_FINAL_TYPE (BenchIdle, bench_idle, BENCH, IDLE, SdService)

struct _BenchIdle
{
  SdService parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchIdle, bench_idle, SD_TYPE_SERVICE)

static void
bench_idle_run_async (SdService           *service,
                      SdContext           *context,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  sd_context_wait_shutdown_async (context, NULL, callback, user_data);
}

static void
bench_idle_class_init (BenchIdleClass *klass)
{
  SD_SERVICE_CLASS (klass)->run_async = bench_idle_run_async;
}

static void
bench_idle_init (BenchIdle *self)
{
}

/* The same with a GTask of its own, as a body that does more than wait would have. */
#define BENCH_TYPE_TASK_IDLE (bench_task_idle_get_type ())
G_DECLARE_FINAL_TYPE (BenchTaskIdle, bench_task_idle, BENCH, TASK_IDLE, SdService)

struct _BenchTaskIdle
{
  SdService parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchTaskIdle, bench_task_idle, SD_TYPE_SERVICE)

static void
bench_task_idle_shutdown_cb (GObject      *object,
                             GAsyncResult *result,
                             gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;

  if (sd_context_wait_shutdown_finish (SD_CONTEXT (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
bench_task_idle_run_async (SdService           *service,
                           SdContext           *context,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (service, cancellable, callback, user_data);

  sd_context_wait_shutdown_async (context, NULL, bench_task_idle_shutdown_cb, task);
}

static void
bench_task_idle_class_init (BenchTaskIdleClass *klass)
{
  SD_SERVICE_CLASS (klass)->run_async = bench_task_idle_run_async;
}

static void
bench_task_idle_init (BenchTaskIdle *self)
{
}

/* The idiomatic idle service again, depending on a provider (one instance for all) */
#define BENCH_TYPE_CONFIG (bench_config_get_type ())
G_DECLARE_FINAL_TYPE (BenchConfig, bench_config, BENCH, CONFIG, SdProvider)

struct _BenchConfig
{
  SdProvider parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchConfig, bench_config, SD_TYPE_PROVIDER)

static void
bench_config_class_init (BenchConfigClass *klass)
{
}

static void
bench_config_init (BenchConfig *self)
{
}

#define BENCH_TYPE_CONFIGURED_IDLE (bench_configured_idle_get_type ())
G_DECLARE_FINAL_TYPE (BenchConfiguredIdle, bench_configured_idle, BENCH, CONFIGURED_IDLE, SdService)

struct _BenchConfiguredIdle
{
  SdService    parent_instance;
  BenchConfig *config;
};

G_DEFINE_FINAL_TYPE (BenchConfiguredIdle, bench_configured_idle, SD_TYPE_SERVICE)

static void
bench_configured_idle_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  g_value_set_object (value, BENCH_CONFIGURED_IDLE (object)->config);
}

static void
bench_configured_idle_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  BENCH_CONFIGURED_IDLE (object)->config = g_value_dup_object (value);
}

static void
bench_configured_idle_dispose (GObject *object)
{
  g_clear_object (&BENCH_CONFIGURED_IDLE (object)->config);

  G_OBJECT_CLASS (bench_configured_idle_parent_class)->dispose (object);
}

static void
bench_configured_idle_class_init (BenchConfiguredIdleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = bench_configured_idle_get_property;
  object_class->set_property = bench_configured_idle_set_property;
  object_class->dispose = bench_configured_idle_dispose;
  SD_SERVICE_CLASS (klass)->run_async = bench_idle_run_async;

  g_object_class_install_property (object_class, 1,
    g_param_spec_object ("config", NULL, NULL, BENCH_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
}

static void
bench_configured_idle_init (BenchConfiguredIdle *self)
{
}

/* Which of the variants the "sd" child runs */
static GType idle_type;

/* ---- helpers ---- */

static double
ms_between (gint64 from_us,
            gint64 to_us)
{
  return (to_us - from_us) / 1000.0;
}

/* Loads every type the children use, so that no child pays class initialisation per item. */
static void
ensure_types (void)
{
  g_type_class_unref (g_type_class_ref (idle_type));
  g_type_class_unref (g_type_class_ref (SD_TYPE_DAEMON));
  g_type_class_unref (g_type_class_ref (SD_TYPE_CONTEXT));
  g_type_class_unref (g_type_class_ref (SD_TYPE_REGISTRY));
  g_type_ensure (G_TYPE_CANCELLABLE);
  g_type_ensure (G_TYPE_TASK);
}

/* ---- child: an Sd daemon with idle services ---- */

typedef struct
{
  SdDaemon  *daemon;
  guint      n_services;
  guint      idle_ms;
  guint64    heap_start;
  guint64    heap_created;
  guint64    heap_built;
  guint64    switches_before;
  gint64     created_at;
  gint64     built_at;
  gint64     start_at;
  gint64     ready_at;
  gint64     stop_at;
  gboolean   finished;
  gboolean   success;
} SdRun;

static void
sd_run_begin_stop (SdRun *run)
{
  run->stop_at = g_get_monotonic_time ();
  sd_daemon_shutdown (run->daemon);
}

static gboolean
sd_run_idle_window_done_cb (gpointer data)
{
  SdRun *run = data;
  guint n_threads = 0;
  guint64 after = bench_count_switches (&n_threads);

  bench_print_switches (run->switches_before, after, n_threads, run->idle_ms);
  sd_run_begin_stop (run);

  return G_SOURCE_REMOVE;
}

static void
sd_run_ready_cb (SdDaemon *daemon,
                 gpointer  data)
{
  SdRun *run = data;
  BenchMemory memory;
  guint healthy = 0;

  run->ready_at = g_get_monotonic_time ();

  bench_measure_memory (&memory);
  bench_print_memory (&memory);
  printf ("heap_create_bytes=%" G_GINT64_FORMAT " heap_build_bytes=%" G_GINT64_FORMAT
          " heap_run_bytes=%" G_GINT64_FORMAT "\n",
          (gint64) (run->heap_created - run->heap_start),
          (gint64) (run->heap_built - run->heap_created),
          (gint64) (memory.heap_bytes - run->heap_built));

  /* After the measurement: listing allocates */
  {
    g_autoptr(GPtrArray) services = sd_daemon_list_services (daemon);

    for (guint i = 0; i < services->len; i++)
      {
        if (sd_service_get_state (g_ptr_array_index (services, i)) == SD_SERVICE_STATE_HEALTHY)
          healthy++;
      }
  }
  printf ("healthy=%u\n", healthy);
  fflush (stdout);

  if (run->idle_ms > 0)
    {
      g_timeout_add (run->idle_ms, sd_run_idle_window_done_cb, run);
      run->switches_before = bench_count_switches (NULL);
    }
  else
    {
      sd_run_begin_stop (run);
    }
}

static void
sd_run_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  SdRun *run = data;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();

  run->success = sd_daemon_run_finish (SD_DAEMON (object), result, &error);
  if (!run->success)
    g_printerr ("The daemon failed: %s\n", error->message);

  printf ("build_ms=%.3f start_ms=%.3f stop_ms=%.3f\n",
          ms_between (run->created_at, run->built_at),
          ms_between (run->start_at, run->ready_at),
          ms_between (run->stop_at, now));
  run->finished = TRUE;
}

static int
child_sd (guint n_services,
          guint n_waves,
          guint idle_ms)
{
  g_autoptr(SdRegistry) registry = NULL;
  g_autoptr(SdDaemon) daemon = NULL;
  g_autoptr(BenchConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  SdRun run = { NULL, };
  gint64 begin;

  ensure_types ();

  run.n_services = n_services;
  run.idle_ms = idle_ms;
  run.heap_start = bench_heap_in_use ();
  begin = g_get_monotonic_time ();

  registry = sd_registry_new ();
  daemon = sd_daemon_new_with_registry (registry);
  run.daemon = daemon;

  /* Services made here get their provider at construction, as an application would pass
   * it; the daemon is handed the same instance */
  if (idle_type == BENCH_TYPE_CONFIGURED_IDLE)
    {
      config = g_object_new (BENCH_TYPE_CONFIG, NULL);
      if (!sd_daemon_add_provider (daemon, SD_PROVIDER (config), &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }

  for (guint i = 0; i < n_services; i++)
    {
      g_autoptr(SdService) service = NULL;
      char name[32];

      g_snprintf (name, sizeof name, "idle-%05u", i);
      service = g_object_new (idle_type,
                              "name", name,
                              "priority", n_waves > 1 ? 10 + (i % n_waves) * (SD_PRIORITY_MAX - 10) / n_waves
                                                      : SD_PRIORITY_DEFAULT,
                              config ? "config" : NULL, config,
                              NULL);

      if (!sd_daemon_add_service (daemon, service, &error))
        {
          g_printerr ("Could not add %s: %s\n", name, error->message);
          return 1;
        }
    }
  run.created_at = g_get_monotonic_time ();
  run.heap_created = bench_heap_in_use ();

  if (!sd_daemon_build (daemon, &error))
    {
      g_printerr ("Could not build the daemon: %s\n", error->message);
      return 1;
    }
  run.built_at = g_get_monotonic_time ();
  run.heap_built = bench_heap_in_use ();

  g_signal_connect (daemon, "ready", G_CALLBACK (sd_run_ready_cb), &run);

  run.start_at = g_get_monotonic_time ();
  sd_daemon_run_async (daemon, NULL, sd_run_done_cb, &run);
  while (!run.finished)
    g_main_context_iteration (NULL, TRUE);

  printf ("add_ms=%.3f\n", ms_between (begin, run.created_at));
  fflush (stdout);

  return run.success ? 0 : 1;
}

/* ---- child: the raw-GLib floor ---- */

/* One supervised loop written by hand: a long idle timer, a cancellable, a record. */
typedef struct
{
  guint         id;
  GSource      *timeout;      /* (owned) */
  GCancellable *cancellable;  /* (owned) */
} FloorItem;

static gboolean
floor_timeout_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
floor_item_free (gpointer data)
{
  FloorItem *item = data;

  g_source_destroy (item->timeout);
  g_source_unref (item->timeout);
  g_object_unref (item->cancellable);
  g_free (item);
}

static int
child_floor (guint n_items)
{
  g_autoptr(GHashTable) items = NULL;
  GMainContext *context = g_main_context_default ();
  BenchMemory memory;
  GHashTableIter iter;
  gpointer value;
  guint64 heap_start;
  gint64 begin;
  gint64 created;
  gint64 stopped;

  ensure_types ();

  heap_start = bench_heap_in_use ();
  begin = g_get_monotonic_time ();

  items = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, floor_item_free);
  for (guint i = 0; i < n_items; i++)
    {
      FloorItem *item = g_new0 (FloorItem, 1);

      item->id = i + 1;
      item->cancellable = g_cancellable_new ();
      item->timeout = g_timeout_source_new_seconds (24 * 3600);
      g_source_set_callback (item->timeout, floor_timeout_cb, item, NULL);
      g_source_attach (item->timeout, context);
      g_hash_table_insert (items, GUINT_TO_POINTER (item->id), item);
    }
  while (g_main_context_iteration (context, FALSE))
    ;
  created = g_get_monotonic_time ();

  bench_measure_memory (&memory);
  bench_print_memory (&memory);
  printf ("heap_items_bytes=%" G_GINT64_FORMAT "\n", (gint64) (memory.heap_bytes - heap_start));

  /* Stop: cancel every item, then remove it */
  g_hash_table_iter_init (&iter, items);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_cancellable_cancel (((FloorItem *) value)->cancellable);
  g_hash_table_remove_all (items);
  while (g_main_context_iteration (context, FALSE))
    ;
  stopped = g_get_monotonic_time ();

  printf ("start_ms=%.3f stop_ms=%.3f\n",
          ms_between (begin, created), ms_between (created, stopped));
  fflush (stdout);

  return 0;
}

/* ---- child: the heap cost of single building blocks ---- */

typedef gpointer (*PartNew) (guint i, gpointer shared);

static gpointer
part_service (guint i, gpointer shared)
{
  char name[32];

  g_snprintf (name, sizeof name, "idle-%05u", i);
  return g_object_new (BENCH_TYPE_IDLE, "name", name, NULL);
}

static gpointer
part_context (guint i, gpointer shared)
{
  return g_object_new (SD_TYPE_CONTEXT, NULL);
}

static gpointer
part_cancellable (guint i, gpointer shared)
{
  return g_cancellable_new ();
}

static gpointer
part_task (guint i, gpointer shared)
{
  return g_task_new (shared, NULL, NULL, NULL);
}

static gpointer
part_task_with_cancellable (guint i, gpointer shared)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  return g_task_new (shared, cancellable, NULL, NULL);
}

static gpointer
part_timeout_attached (guint i, gpointer shared)
{
  GSource *source = g_timeout_source_new_seconds (24 * 3600);

  g_source_set_callback (source, floor_timeout_cb, NULL, NULL);
  g_source_attach (source, NULL);
  return source;
}

static gpointer
part_mutex (guint i, gpointer shared)
{
  GMutex *mutex = g_new0 (GMutex, 1);

  /* A GMutex on Linux allocates nothing more; locked once it stays as cheap */
  g_mutex_init (mutex);
  g_mutex_lock (mutex);
  g_mutex_unlock (mutex);
  return mutex;
}

static gpointer
part_string (guint i, gpointer shared)
{
  return g_strdup ("standard");
}

static int
child_parts (guint n)
{
  g_autoptr(GObject) source_object = g_object_new (G_TYPE_OBJECT, NULL);
  static const struct
  {
    const char *name;
    PartNew     func;
  } parts[] = {
    { "service", part_service },
    { "context", part_context },
    { "cancellable", part_cancellable },
    { "task", part_task },
    { "task_with_cancellable", part_task_with_cancellable },
    { "timeout_attached", part_timeout_attached },
    { "mutex_struct", part_mutex },
    { "short_string", part_string },
  };
  g_autofree gpointer *kept = g_new0 (gpointer, n);
  GTypeQuery query;

  ensure_types ();

  for (guint p = 0; p < G_N_ELEMENTS (parts); p++)
    {
      guint64 before = bench_heap_in_use ();

      /* Kept alive on purpose, as the daemon keeps its objects */
      for (guint i = 0; i < n; i++)
        kept[i] = parts[p].func (i, source_object);
      printf ("part_%s_bytes=%.1f\n", parts[p].name,
              (double) (bench_heap_in_use () - before) / MAX (n, 1));
    }

  g_type_query (BENCH_TYPE_IDLE, &query);
  printf ("instance_service_bytes=%u\n", query.instance_size);
  g_type_query (SD_TYPE_CONTEXT, &query);
  printf ("instance_context_bytes=%u\n", query.instance_size);
  g_type_query (G_TYPE_CANCELLABLE, &query);
  printf ("instance_cancellable_bytes=%u\n", query.instance_size);
  g_type_query (G_TYPE_TASK, &query);
  printf ("instance_task_bytes=%u\n", query.instance_size);
  fflush (stdout);

  return 0;
}

/* ---- the orchestrator ---- */

typedef struct
{
  char  *self_path;
  char  *baseline_path;
  char **envp;
} Orchestrator;

static void
orchestrator_clear (Orchestrator *self)
{
  g_clear_pointer (&self->self_path, g_free);
  g_clear_pointer (&self->baseline_path, g_free);
  g_clear_pointer (&self->envp, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Orchestrator, orchestrator_clear)

/* Runs @argv and returns the key=value pairs it printed. */
static GHashTable *
run_child (Orchestrator  *self,
           GStrv          argv,
           GError       **error)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) tokens = NULL;
  g_autoptr(GHashTable) values = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, argv, self->envp, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, error))
    return NULL;

  if (err != NULL && err[0] != '\0')
    g_printerr ("%s", err);

  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "%s %s: ", argv[0], argv[1] ? argv[1] : "");
      return NULL;
    }

  values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  tokens = g_strsplit_set (out, " \t\n", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      char *equal = strchr (tokens[i], '=');

      if (equal == NULL)
        continue;
      g_hash_table_replace (values, g_strndup (tokens[i], equal - tokens[i]), g_strdup (equal + 1));
    }

  return g_steal_pointer (&values);
}

static double
value_of (GHashTable *values,
          const char *key)
{
  const char *value = g_hash_table_lookup (values, key);

  if (value == NULL)
    {
      g_printerr ("A child did not report “%s”\n", key);
      return 0;
    }

  return g_ascii_strtod (value, NULL);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Runs @argv @n_runs times; each key gets the median of the values the runs printed. */
static GHashTable *
run_child_median (Orchestrator  *self,
                  GStrv          argv,
                  guint          n_runs,
                  GError       **error)
{
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  GHashTable *merged;
  GHashTableIter iter;
  gpointer key;

  for (guint r = 0; r < n_runs; r++)
    {
      GHashTable *values = run_child (self, argv, error);

      if (values == NULL)
        return NULL;
      g_ptr_array_add (runs, values);
    }

  merged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&iter, g_ptr_array_index (runs, 0));
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];

      for (guint r = 0; r < runs->len; r++)
        {
          const char *value = g_hash_table_lookup (g_ptr_array_index (runs, r), key);
          double number = value ? g_ascii_strtod (value, NULL) : 0;

          g_array_append_val (samples, number);
        }
      g_array_sort (samples, compare_doubles);
      g_ascii_dtostr (buffer, sizeof buffer, g_array_index (samples, double, samples->len / 2));
      g_hash_table_replace (merged, g_strdup (key), g_strdup (buffer));
    }

  return merged;
}

static GHashTable *
run_self (Orchestrator  *self,
          const char    *mode,
          guint          n_services,
          guint          n_waves,
          guint          idle_ms,
          guint          n_runs,
          GError       **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autofree char *mode_arg = g_strdup_printf ("--child=%s", mode);
  g_autofree char *services_arg = g_strdup_printf ("--services=%u", n_services);
  g_autofree char *waves_arg = g_strdup_printf ("--waves=%u", n_waves);
  g_autofree char *idle_arg = g_strdup_printf ("--idle-ms=%u", idle_ms);

  g_strv_builder_add_many (builder, self->self_path, mode_arg, services_arg, waves_arg,
                           idle_arg, NULL);
  argv = g_strv_builder_end (builder);

  return run_child_median (self, argv, n_runs, error);
}

static GHashTable *
run_baseline (Orchestrator  *self,
              guint          idle_ms,
              guint          n_runs,
              GError       **error)
{
  g_autofree char *idle_arg = g_strdup_printf ("--idle-ms=%u", idle_ms);
  char *argv[] = { self->baseline_path, idle_arg, NULL };

  return run_child_median (self, argv, n_runs, error);
}

static double
median (GArray *samples)
{
  g_array_sort (samples, compare_doubles);

  return g_array_index (samples, double, samples->len / 2);
}

static double
per_item_bytes (double rss_kb,
                double rss_zero_kb,
                guint  n)
{
  return n == 0 ? 0 : (rss_kb - rss_zero_kb) * 1024.0 / n;
}

static int
orchestrate (guint idle_ms,
             guint n_runs)
{
  static const guint counts[] = { 0, 1000, 10000 };
  g_auto(Orchestrator) self = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) baseline = NULL;
  g_autoptr(GHashTable) parts = NULL;
  GHashTable *sd[G_N_ELEMENTS (counts)] = { NULL, };
  GHashTable *floor_[G_N_ELEMENTS (counts)] = { NULL, };
  const char *env_baseline;
  double per_service_10k = 0;
  double empty_pct;
  int ret = 0;

  self.self_path = g_file_read_link ("/proc/self/exe", &error);
  if (self.self_path == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  env_baseline = g_getenv ("SD_BENCH_GLIB_BASELINE");
  if (env_baseline != NULL && env_baseline[0] != '\0')
    {
      self.baseline_path = g_strdup (env_baseline);
    }
  else
    {
      g_autofree char *dir = g_path_get_dirname (self.self_path);

      self.baseline_path = g_build_filename (dir, "sd-bench-glib-baseline", NULL);
    }

  /* Production allocators in the children, whatever the harness set */
  self.envp = g_get_environ ();
  self.envp = g_environ_unsetenv (self.envp, "MALLOC_PERTURB_");
  self.envp = g_environ_unsetenv (self.envp, "MALLOC_CHECK_");
  self.envp = g_environ_unsetenv (self.envp, "G_SLICE");
  self.envp = g_environ_unsetenv (self.envp, "G_DEBUG");
  self.envp = g_environ_unsetenv (self.envp, "G_MESSAGES_DEBUG");

  printf ("# sd-bench-services: idle async services; each figure from a fresh child process\n");
  printf ("# each figure is the median of %u runs\n", n_runs);
  printf ("# rss = VmRSS once every service is HEALTHY; trimmed_ = after malloc_trim(0); "
          "heap_ = malloc bytes in use (mallinfo2)\n");
  printf ("# floor item = 1 idle timeout GSource attached to the main context + 1 GCancellable "
          "+ a small struct in a GHashTable\n");

  /* Memory */
  baseline = run_baseline (&self, 0, n_runs, &error);
  if (baseline == NULL)
    goto failed;

  for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
    {
      sd[c] = run_self (&self, "sd", counts[c], 1, 0, n_runs, &error);
      if (sd[c] == NULL)
        goto failed;
      floor_[c] = run_self (&self, "floor", counts[c], 1, 0, n_runs, &error);
      if (floor_[c] == NULL)
        goto failed;
      if ((guint) value_of (sd[c], "healthy") != counts[c])
        g_printerr ("warning: only %u of %u services were HEALTHY at ready\n",
                    (guint) value_of (sd[c], "healthy"), counts[c]);
    }

  empty_pct = 100.0 * (value_of (sd[0], "rss_kb") - value_of (baseline, "rss_kb")) /
              value_of (baseline, "rss_kb");
  printf ("baseline_rss_kb=%.0f daemon_empty_rss_kb=%.0f daemon_empty_overhead_pct=%+.1f"
          " trimmed_baseline_rss_kb=%.0f trimmed_daemon_empty_rss_kb=%.0f"
          " baseline_rss_anon_kb=%.0f daemon_empty_rss_anon_kb=%.0f\n",
          value_of (baseline, "rss_kb"), value_of (sd[0], "rss_kb"), empty_pct,
          value_of (baseline, "trimmed_rss_kb"), value_of (sd[0], "trimmed_rss_kb"),
          value_of (baseline, "rss_anon_kb"), value_of (sd[0], "rss_anon_kb"));

  for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
    {
      guint n = counts[c];
      double per_service = per_item_bytes (value_of (sd[c], "rss_kb"), value_of (sd[0], "rss_kb"), n);
      double per_floor = per_item_bytes (value_of (floor_[c], "rss_kb"), value_of (floor_[0], "rss_kb"), n);
      double heap_service = n ? (value_of (sd[c], "heap_bytes") - value_of (sd[0], "heap_bytes")) / n : 0;
      double heap_floor = n ? (value_of (floor_[c], "heap_bytes") - value_of (floor_[0], "heap_bytes")) / n : 0;

      printf ("services=%u rss_kb=%.0f per_service_bytes=%.0f floor_per_item_bytes=%.0f"
              " trimmed_rss_kb=%.0f trimmed_per_service_bytes=%.0f trimmed_floor_per_item_bytes=%.0f"
              " heap_per_service_bytes=%.0f floor_heap_per_item_bytes=%.0f floor_rss_kb=%.0f\n",
              n, value_of (sd[c], "rss_kb"), per_service, per_floor,
              value_of (sd[c], "trimmed_rss_kb"),
              per_item_bytes (value_of (sd[c], "trimmed_rss_kb"), value_of (sd[0], "trimmed_rss_kb"), n),
              per_item_bytes (value_of (floor_[c], "trimmed_rss_kb"), value_of (floor_[0], "trimmed_rss_kb"), n),
              heap_service, heap_floor, value_of (floor_[c], "rss_kb"));
      if (n != 0)
        printf ("# services=%u heap per service by phase: add=%.0f build=%.0f run-to-ready=%.0f bytes\n",
                n, value_of (sd[c], "heap_create_bytes") / n, value_of (sd[c], "heap_build_bytes") / n,
                value_of (sd[c], "heap_run_bytes") / n);
      if (n == 10000)
        per_service_10k = per_service;
    }

  /* The same services with a GTask of their own, as a body that does more than wait has,
   * and with a provider injected into each */
  for (guint v = 0; v < 2; v++)
    for (guint c = 1; c < G_N_ELEMENTS (counts); c++)
      {
        const char *mode = v == 0 ? "sd-task" : "sd-provider";
        g_autoptr(GHashTable) variant = run_self (&self, mode, counts[c], 1, 0, n_runs, &error);

        if (variant == NULL)
          goto failed;
        printf ("services=%u idle=%s rss_kb=%.0f per_service_bytes=%.0f heap_per_service_bytes=%.0f\n",
                counts[c], v == 0 ? "gtask" : "with-provider", value_of (variant, "rss_kb"),
                per_item_bytes (value_of (variant, "rss_kb"), value_of (sd[0], "rss_kb"), counts[c]),
                (value_of (variant, "heap_bytes") - value_of (sd[0], "heap_bytes")) / counts[c]);
      }

  /* Heap cost of the building blocks, for the breakdown */
  parts = run_self (&self, "parts", 10000, 1, 0, 1, &error);
  if (parts == NULL)
    goto failed;
  printf ("# heap per object (10,000 kept alive): service=%.0f context=%.0f cancellable=%.0f"
          " task=%.0f task+cancellable=%.0f timeout_source_attached=%.0f"
          " struct_with_mutex=%.0f short_string=%.0f\n",
          value_of (parts, "part_service_bytes"), value_of (parts, "part_context_bytes"),
          value_of (parts, "part_cancellable_bytes"), value_of (parts, "part_task_bytes"),
          value_of (parts, "part_task_with_cancellable_bytes"),
          value_of (parts, "part_timeout_attached_bytes"),
          value_of (parts, "part_mutex_struct_bytes"), value_of (parts, "part_short_string_bytes"));
  printf ("# GType instance sizes: service=%.0f context=%.0f cancellable=%.0f task=%.0f\n",
          value_of (parts, "instance_service_bytes"), value_of (parts, "instance_context_bytes"),
          value_of (parts, "instance_cancellable_bytes"), value_of (parts, "instance_task_bytes"));

  /* Idle wake-ups */
  {
    g_autoptr(GHashTable) idle = run_self (&self, "sd", 1000, 1, idle_ms, 1, &error);
    g_autoptr(GHashTable) idle_floor = NULL;
    double switches;
    double floor_switches;

    if (idle == NULL)
      goto failed;
    idle_floor = run_baseline (&self, idle_ms, 1, &error);
    if (idle_floor == NULL)
      goto failed;
    floor_switches = value_of (idle_floor, "switches");

    switches = value_of (idle, "switches");
    printf ("idle_wakeups_per_sec=%.2f services=1000 switches=%.0f floor_switches=%.0f"
            " window_ms=%u threads=%.0f floor_threads=%.0f\n",
            MAX (0, switches - floor_switches) * 1000.0 / idle_ms,
            switches, floor_switches, idle_ms,
            value_of (idle, "threads"), value_of (idle_floor, "threads"));
  }

  /* Start and stop through 10 waves */
  {
    g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) stops = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) floor_starts = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) floor_stops = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GString) all = g_string_new (NULL);
    double add_ms = 0;
    double build_ms = 0;

    for (guint r = 0; r < n_runs; r++)
      {
        g_autoptr(GHashTable) timing = run_self (&self, "sd", 10000, 10, 0, 1, &error);
        g_autoptr(GHashTable) floor_timing = NULL;
        double value;

        if (timing == NULL)
          goto failed;
        floor_timing = run_self (&self, "floor", 10000, 1, 0, 1, &error);
        if (floor_timing == NULL)
          goto failed;

        if ((guint) value_of (timing, "healthy") != 10000)
          g_printerr ("warning: only %u of 10000 services were HEALTHY at ready\n",
                      (guint) value_of (timing, "healthy"));

        value = value_of (timing, "start_ms");
        g_array_append_val (starts, value);
        value = value_of (timing, "stop_ms");
        g_array_append_val (stops, value);
        value = value_of (floor_timing, "start_ms");
        g_array_append_val (floor_starts, value);
        value = value_of (floor_timing, "stop_ms");
        g_array_append_val (floor_stops, value);
        add_ms += value_of (timing, "add_ms") / n_runs;
        build_ms += value_of (timing, "build_ms") / n_runs;
        g_string_append_printf (all, "%s%.1f/%.1f", r ? "," : "",
                                value_of (timing, "start_ms"), value_of (timing, "stop_ms"));
      }

    printf ("start_10000_in_10_waves_ms=%.1f stop_ms=%.1f floor_start_ms=%.1f floor_stop_ms=%.1f"
            " add_ms=%.1f build_ms=%.1f runs=%u all_start/stop_ms=%s\n",
            median (starts), median (stops), median (floor_starts), median (floor_stops),
            add_ms, build_ms, n_runs, all->str);

    printf ("# targets (SPEC §4): per_service_bytes<=%d at 10000: %s; empty daemon within %.0f%%"
            " of baseline: %s; start and stop well under 1000 ms: %s\n",
            TARGET_PER_SERVICE_BYTES,
            per_service_10k <= TARGET_PER_SERVICE_BYTES ? "met" : "MISSED",
            TARGET_EMPTY_OVERHEAD_PCT, empty_pct <= TARGET_EMPTY_OVERHEAD_PCT ? "met" : "MISSED",
            median (starts) < 1000 && median (stops) < 1000 ? "met" : "MISSED");
  }

out:
  for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
    {
      g_clear_pointer (&sd[c], g_hash_table_unref);
      g_clear_pointer (&floor_[c], g_hash_table_unref);
    }
  fflush (stdout);
  return ret;

failed:
  g_printerr ("sd-bench-services: %s\n", error->message);
  ret = 1;
  goto out;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *child = NULL;
  int n_services = 0;
  int n_waves = 1;
  int idle_ms = -1;
  int n_runs = 3;
  const GOptionEntry entries[] = {
    { "child", 0, 0, G_OPTION_ARG_STRING, &child, "Run one measurement: sd, sd-task, sd-provider, floor or parts", "MODE" },
    { "services", 0, 0, G_OPTION_ARG_INT, &n_services, "Number of services or floor items", "N" },
    { "waves", 0, 0, G_OPTION_ARG_INT, &n_waves, "Spread the services over this many priorities", "W" },
    { "idle-ms", 0, 0, G_OPTION_ARG_INT, &idle_ms, "Idle window for counting wake-ups (default: 2000, none in a child)", "MS" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &n_runs, "Runs of each measurement (the median is printed)", "N" },
    G_OPTION_ENTRY_NULL
  };

  options = g_option_context_new ("- memory, wake-ups and start/stop time of idle Sd services");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (n_services < 0 || n_waves < 1 || n_runs < 1)
    {
      g_printerr ("Invalid arguments\n");
      return 2;
    }

  if (child == NULL)
    return orchestrate (idle_ms > 0 ? (guint) idle_ms : DEFAULT_IDLE_WINDOW_MS, (guint) n_runs);
  idle_type = BENCH_TYPE_IDLE;
  if (g_str_equal (child, "sd"))
    return child_sd ((guint) n_services, (guint) n_waves, (guint) MAX (idle_ms, 0));
  idle_type = BENCH_TYPE_TASK_IDLE;
  if (g_str_equal (child, "sd-task"))
    return child_sd ((guint) n_services, (guint) n_waves, (guint) MAX (idle_ms, 0));
  idle_type = BENCH_TYPE_CONFIGURED_IDLE;
  if (g_str_equal (child, "sd-provider"))
    return child_sd ((guint) n_services, (guint) n_waves, (guint) MAX (idle_ms, 0));
  if (g_str_equal (child, "floor"))
    return child_floor ((guint) n_services);
  if (g_str_equal (child, "parts"))
    return child_parts ((guint) n_services);

  g_printerr ("Unknown child mode “%s”\n", child);
  return 2;
}
