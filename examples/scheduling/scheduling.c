/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Lanes: where the asynchronous code of a service runs.
 *
 * One asynchronous service type, "ticker", is added to a registry five times with a
 * different name and lane each time:
 *
 * - SD_LANE_STANDARD: the daemon's own GMainContext, on the main thread;
 * - SD_LANE_HIGH_PRIORITY: one thread shared by every high-priority service;
 * - SD_LANE_ISOLATED: a thread of its own for each service.
 *
 * A blocking service ("blocking") is shown for comparison: even on the standard lane, its
 * run() gets a thread of its own.
 *
 * Each service prints the name of the thread it runs on and whether that is the main thread.
 *
 *   sd-example-scheduling [--duration=SECONDS]
 */

#include <sd.h>

#ifdef __linux__
# include <sys/prctl.h>
#endif

/* Set in main() before any service starts */
static GThread *main_thread;

static void
describe_thread (char     *buffer,
                 gsize     size)
{
  const char *main_marker = g_thread_self () == main_thread ? "yes" : "no";
  char name[17] = "(unknown)";

#ifdef __linux__
  prctl (PR_GET_NAME, name, 0, 0, 0);
  name[16] = '\0';
#endif

  g_snprintf (buffer, size, "thread \"%s\", main thread: %s", name, main_marker);
}

/* ---- ticker: an asynchronous service that ticks on its lane ---- */

#define SCHEDULING_TYPE_TICKER (scheduling_ticker_get_type ())
G_DECLARE_FINAL_TYPE (SchedulingTicker, scheduling_ticker, SCHEDULING, TICKER, SdService)

struct _SchedulingTicker
{
  SdService parent_instance;
};

G_DEFINE_FINAL_TYPE (SchedulingTicker, scheduling_ticker, SD_TYPE_SERVICE)

#define TICK_INTERVAL_MS 2000

/* One generation of a ticker, owned by its GTask */
typedef struct
{
  SdContext *context;  /* (owned) */
  GSource   *timer;    /* (owned) (nullable) */
  guint      ticks;
} TickerRun;

static void
ticker_run_free (TickerRun *run)
{
  if (run->timer != NULL)
    g_source_destroy (run->timer);
  g_clear_pointer (&run->timer, g_source_unref);
  g_clear_object (&run->context);
  g_free (run);
}

static void ticker_schedule (GTask *task);

static gboolean
ticker_tick_cb (gpointer user_data)
{
  GTask *task = user_data;
  TickerRun *run = g_task_get_task_data (task);
  char where[96];

  describe_thread (where, sizeof where);
  g_print ("%s: tick %u on %s\n", sd_context_get_name (run->context), ++run->ticks, where);

  ticker_schedule (task);

  return G_SOURCE_REMOVE;
}

/* Arms the next tick on the thread-default main context: the service's lane */
static void
ticker_schedule (GTask *task)
{
  TickerRun *run = g_task_get_task_data (task);

  g_clear_pointer (&run->timer, g_source_unref);
  run->timer = sd_clock_create_timeout_source (sd_context_get_clock (run->context),
                                               TICK_INTERVAL_MS);
  g_source_set_callback (run->timer, ticker_tick_cb, task, NULL);
  g_source_attach (run->timer, g_task_get_context (task));
}

static void
ticker_shutdown_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TickerRun *run = g_task_get_task_data (task);
  char where[96];

  sd_context_wait_shutdown_finish (SD_CONTEXT (object), result, NULL);

  if (run->timer != NULL)
    g_source_destroy (run->timer);

  describe_thread (where, sizeof where);
  g_print ("%s: stopping on %s\n", sd_context_get_name (run->context), where);

  g_task_return_boolean (task, TRUE);
}

static void
scheduling_ticker_run_async (SdService           *service,
                             SdContext           *context,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, NULL, callback, user_data);
  g_autofree char *lane_name = sd_service_dup_lane_name (service);
  TickerRun *run = g_new0 (TickerRun, 1);
  char where[96];

  g_task_set_source_tag (task, scheduling_ticker_run_async);
  run->context = g_object_ref (context);
  g_task_set_task_data (task, run, (GDestroyNotify) ticker_run_free);

  describe_thread (where, sizeof where);
  g_print ("%s: started on lane %s, %s\n", sd_context_get_name (context), lane_name, where);

  ticker_schedule (task);
  sd_context_wait_shutdown_async (context, NULL, ticker_shutdown_cb, g_steal_pointer (&task));
}

static gboolean
scheduling_ticker_run_finish (SdService     *service,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, service), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == scheduling_ticker_run_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
scheduling_ticker_class_init (SchedulingTickerClass *klass)
{
  SdServiceClass *service_class = SD_SERVICE_CLASS (klass);

  service_class->run_async = scheduling_ticker_run_async;
  service_class->run_finish = scheduling_ticker_run_finish;
}

static void
scheduling_ticker_init (SchedulingTicker *self)
{
}

/* ---- blocking: run() has a thread of its own, whatever the lane ---- */

#define SCHEDULING_TYPE_BLOCKING (scheduling_blocking_get_type ())
G_DECLARE_FINAL_TYPE (SchedulingBlocking, scheduling_blocking, SCHEDULING, BLOCKING, SdService)

struct _SchedulingBlocking
{
  SdService parent_instance;
};

G_DEFINE_FINAL_TYPE (SchedulingBlocking, scheduling_blocking, SD_TYPE_SERVICE)

static gboolean
scheduling_blocking_run (SdService  *service,
                         SdContext  *context,
                         GError    **error)
{
  guint ticks = 0;
  char where[96];

  describe_thread (where, sizeof where);
  g_print ("%s: started, run() blocks on %s\n", sd_context_get_name (context), where);

  while (sd_context_sleep (context, TICK_INTERVAL_MS))
    {
      describe_thread (where, sizeof where);
      g_print ("%s: tick %u on %s\n", sd_context_get_name (context), ++ticks, where);
    }

  g_print ("%s: stopping\n", sd_context_get_name (context));

  return TRUE;
}

static void
scheduling_blocking_class_init (SchedulingBlockingClass *klass)
{
  SD_SERVICE_CLASS (klass)->run = scheduling_blocking_run;
}

static void
scheduling_blocking_init (SchedulingBlocking *self)
{
}

/* ---- the program ---- */

static void
on_ready (SdDaemon *daemon,
          gpointer  user_data)
{
  g_print ("== all services started (press Ctrl-C to stop) ==\n");
}

static gboolean
on_duration_elapsed (gpointer user_data)
{
  SdDaemon *daemon = user_data;

  g_print ("== duration elapsed: shutting down ==\n");
  sd_daemon_shutdown (daemon);

  return G_SOURCE_REMOVE;
}

static gboolean
add_ticker (SdRegistry  *registry,
            const char  *name,
            SdLane       lane,
            GError     **error)
{
  return sd_registry_add_type (registry, SCHEDULING_TYPE_TICKER, error,
                               "name", name,
                               "lane", lane,
                               NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(SdRegistry) registry = NULL;
  g_autoptr(SdDaemon) daemon = NULL;
  g_autoptr(GSource) duration_source = NULL;
  g_autoptr(GError) error = NULL;
  int duration = 0;
  const GOptionEntry entries[] = {
    { "duration", 'd', 0, G_OPTION_ARG_INT, &duration,
      "Shut down by itself after SECONDS", "SECONDS" },
    { NULL }
  };

  option_context = g_option_context_new ("- standard, high-priority and isolated lanes");
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  main_thread = g_thread_self ();

  /* The same type several times; the registry entries override the name and lane */
  registry = sd_registry_new ();
  if (!add_ticker (registry, "standard", SD_LANE_STANDARD, &error) ||
      !add_ticker (registry, "high-1", SD_LANE_HIGH_PRIORITY, &error) ||
      !add_ticker (registry, "high-2", SD_LANE_HIGH_PRIORITY, &error) ||
      !add_ticker (registry, "isolated-1", SD_LANE_ISOLATED, &error) ||
      !add_ticker (registry, "isolated-2", SD_LANE_ISOLATED, &error) ||
      !sd_registry_add_type (registry, SCHEDULING_TYPE_BLOCKING, &error,
                             "name", "blocking",
                             "lane", SD_LANE_STANDARD,
                             NULL))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  daemon = sd_daemon_new_with_registry (registry);
  g_signal_connect (daemon, "ready", G_CALLBACK (on_ready), NULL);

  {
    char where[96];

    describe_thread (where, sizeof where);
    g_print ("== main() runs the daemon on %s ==\n", where);
  }

  if (duration > 0)
    {
      duration_source = g_timeout_source_new_seconds (duration);
      g_source_set_callback (duration_source, on_duration_elapsed, daemon, NULL);
      g_source_attach (duration_source, NULL);
    }

  if (!sd_daemon_run (daemon, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_print ("== all services stopped ==\n");

  return sd_daemon_get_exit_status (daemon);
}
