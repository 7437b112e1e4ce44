/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * sd-bench-queue: how fast a queue trigger delivers (SPEC §4).
 *
 * One producer thread pushes M messages as fast as it can into an SdQueue; one queue
 * trigger on an ISOLATED lane counts them in its handler. The producer never loses a
 * message: when the queue is full it waits in sd_queue_push_async() on a main context of its
 * own. The handler checks that the messages arrive in order, each once (by their sequence
 * numbers). The figure is delivered messages per second, from the first push to the last
 * handler call.
 *
 * The raw floor, measured in the same run: M pointers handed from one thread to another
 * through a GAsyncQueue (g_async_queue_push / g_async_queue_pop).
 *
 * Also printed: what creating (and dropping) one SdMessage costs on its own, since every
 * item carries one from the producer to the handler.
 *
 * Each figure is the best of --runs runs. The result line:
 *
 *   queue_msgs_per_sec=Q floor_msgs_per_sec=F ratio=R lost=0
 */

#include <gio/gio.h>
#include <sd.h>
#include <sd-triggers.h>
#include <stdio.h>
#include <stdlib.h>

#define TARGET_RATIO 0.5

static guint64 n_messages = 2000000;
static guint capacity = 65536;
static guint n_runs = 5;
static gboolean work_mode = FALSE;

/* ---- the floor: GAsyncQueue between two threads ---- */

static gpointer
floor_producer (gpointer data)
{
  GAsyncQueue *queue = data;

  for (guint64 i = 1; i <= n_messages; i++)
    g_async_queue_push (queue, GSIZE_TO_POINTER ((gsize) i));

  return NULL;
}

static double
measure_floor (guint64 *lost)
{
  g_autoptr(GAsyncQueue) queue = g_async_queue_new ();
  GThread *producer;
  gint64 begin, end;
  guint64 received = 0, expected = 1;

  begin = g_get_monotonic_time ();
  producer = g_thread_new ("bench-floor", floor_producer, queue);
  for (guint64 i = 0; i < n_messages; i++)
    {
      gsize value = GPOINTER_TO_SIZE (g_async_queue_pop (queue));

      received += value == expected;
      expected++;
    }
  end = g_get_monotonic_time ();
  g_thread_join (producer);

  *lost = n_messages - received;

  return (double) n_messages * G_USEC_PER_SEC / (double) (end - begin);
}

/* ---- the queue trigger ---- */

typedef struct
{
  guint64  count;          /* lane thread */
  guint64  in_order;       /* lane thread */
  guint64  last_sequence;  /* lane thread */
  gint64   end;            /* (atomic) monotonic time of the last message */
  int      done;           /* (atomic) */
} Counter;

static gboolean
count_handler (SdTrigger  *trigger,
               SdMessage  *message,
               gpointer    user_data,
               GError    **error)
{
  Counter *counter = user_data;
  guint64 sequence = sd_message_get_sequence (message);

  counter->in_order += sequence > counter->last_sequence;
  counter->last_sequence = sequence;

  if (++counter->count == n_messages)
    {
      counter->end = g_get_monotonic_time ();
      g_atomic_int_set (&counter->done, TRUE);
      g_main_context_wakeup (NULL);
    }

  return TRUE;
}

typedef struct
{
  SdQueue  *queue;     /* (unowned) */
  GVariant *payload;   /* (unowned): shared by every message */
  guint64   n_waits;   /* pushes that found the queue full and waited */
  gboolean  pushed;
} Producer;

static void
pushed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  Producer *producer = data;
  g_autoptr(GError) error = NULL;

  if (!sd_queue_push_finish (SD_QUEUE (object), result, &error))
    g_error ("A waiting push failed: %s", error->message);
  producer->pushed = TRUE;
}

static gpointer
queue_producer (gpointer data)
{
  Producer *producer = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  for (guint64 i = 0; i < n_messages; i++)
    {
      if G_LIKELY (sd_queue_push (producer->queue, producer->payload, NULL))
        continue;

      /* Full: wait for room, losing nothing */
      producer->n_waits++;
      producer->pushed = FALSE;
      sd_queue_push_async (producer->queue, producer->payload, NULL, pushed_cb, producer);
      while (!producer->pushed)
        g_main_context_iteration (context, TRUE);
    }
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (!sd_daemon_run_finish (SD_DAEMON (object), result, &error))
    g_error ("The daemon failed: %s", error->message);
  *(gboolean *) data = TRUE;
}

static double
measure_queue (guint64 *lost,
               guint64 *out_of_order,
               guint64 *n_waits)
{
  g_autoptr(SdRegistry) registry = sd_registry_new ();
  g_autoptr(SdDaemon) daemon = sd_daemon_new_with_registry (registry);
  g_autoptr(SdQueue) queue = sd_queue_new (capacity, work_mode ? SD_QUEUE_MODE_WORK : SD_QUEUE_MODE_BROADCAST);
  g_autoptr(GVariant) payload = g_variant_ref_sink (g_variant_new_uint32 (42));
  g_autoptr(GError) error = NULL;
  Counter *counter = g_new0 (Counter, 1);
  Producer producer = { queue, payload, 0, FALSE };
  SdTrigger *trigger;
  GThread *thread;
  gboolean finished = FALSE;
  gint64 begin;
  double rate;

  sd_daemon_set_handle_signals (daemon, FALSE);
  trigger = g_object_new (SD_TYPE_QUEUE_TRIGGER,
                          "name", "bench-consumer",
                          "source", queue,
                          "lane", SD_LANE_ISOLATED,
                          NULL);
  sd_trigger_set_handler (trigger, count_handler, counter, NULL);
  if (!sd_daemon_add_provider (daemon, SD_PROVIDER (queue), &error) ||
      !sd_daemon_add_service (daemon, SD_SERVICE (trigger), &error))
    g_error ("Cannot set the daemon up: %s", error->message);

  sd_daemon_run_async (daemon, NULL, run_done_cb, &finished);
  while (sd_service_get_state (SD_SERVICE (trigger)) != SD_SERVICE_STATE_HEALTHY)
    g_main_context_iteration (NULL, TRUE);

  begin = g_get_monotonic_time ();
  thread = g_thread_new ("bench-producer", queue_producer, &producer);
  while (!g_atomic_int_get (&counter->done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);

  rate = (double) n_messages * G_USEC_PER_SEC / (double) (counter->end - begin);
  *lost = n_messages - counter->count;
  *out_of_order = counter->count - counter->in_order;
  *n_waits = producer.n_waits;

  sd_daemon_shutdown (daemon);
  while (!finished)
    g_main_context_iteration (NULL, TRUE);

  g_object_unref (trigger);
  g_free (counter);

  return rate;
}

/* ---- the cost of one message ---- */

static double
measure_message_new_ns (void)
{
  g_autoptr(GVariant) payload = g_variant_ref_sink (g_variant_new_uint32 (42));
  guint64 n = MIN (n_messages, 1000000);
  gint64 begin = g_get_monotonic_time ();

  for (guint64 i = 0; i < n; i++)
    sd_message_unref (sd_message_new (payload));

  return (double) (g_get_monotonic_time () - begin) * 1000.0 / (double) n;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  gint64 messages = (gint64) n_messages;
  int capacity_arg = (int) capacity;
  int runs_arg = (int) n_runs;
  const GOptionEntry entries[] = {
    { "messages", 'm', 0, G_OPTION_ARG_INT64, &messages, "Messages per run (default 2000000)", "M" },
    { "capacity", 'c', 0, G_OPTION_ARG_INT, &capacity_arg, "Capacity of the queue (default 65536)", "N" },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs_arg, "Runs; the best counts (default 5)", "N" },
    { "work", 'w', 0, G_OPTION_ARG_NONE, &work_mode, "Use a work queue instead of a broadcast one", NULL },
    G_OPTION_ENTRY_NULL
  };
  double best_queue = 0, best_floor = 0, message_ns = 0;
  guint64 total_lost = 0, total_disorder = 0, total_waits = 0, floor_lost = 0;

  options = g_option_context_new ("- delivery rate of a queue trigger vs. a raw GAsyncQueue");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  n_messages = (guint64) MAX (messages, 1);
  capacity = (guint) MAX (capacity_arg, 1);
  n_runs = (guint) MAX (runs_arg, 1);

  printf ("# sd-bench-queue: 1 producer thread -> SdQueue (%s, capacity %u) -> 1 queue trigger "
          "on an ISOLATED lane; %" G_GUINT64_FORMAT " messages; best of %u runs\n",
          work_mode ? "work" : "broadcast", capacity, n_messages, n_runs);
  printf ("# floor: the same number of pointers through a GAsyncQueue between two threads\n");

  for (guint run = 0; run < n_runs; run++)
    {
      guint64 lost, disorder, waits;
      double floor_rate, queue_rate;

      floor_rate = measure_floor (&lost);
      floor_lost += lost;
      queue_rate = measure_queue (&lost, &disorder, &waits);
      total_lost += lost;
      total_disorder += disorder;
      total_waits += waits;

      printf ("# run %u: queue_msgs_per_sec=%.0f floor_msgs_per_sec=%.0f full_waits=%" G_GUINT64_FORMAT "\n",
              run + 1, queue_rate, floor_rate, waits);
      best_floor = MAX (best_floor, floor_rate);
      best_queue = MAX (best_queue, queue_rate);
    }

  message_ns = measure_message_new_ns ();
  printf ("# sd_message_new()+unref: %.1f ns per message (%.0f per second on one thread)\n",
          message_ns, 1e9 / message_ns);
  if (total_disorder != 0 || floor_lost != 0)
    printf ("# out of order: %" G_GUINT64_FORMAT " (queue) %" G_GUINT64_FORMAT " (floor)\n",
            total_disorder, floor_lost);
  printf ("# target (SPEC §4): queue >= %.1f x floor: %s\n", TARGET_RATIO,
          best_queue >= TARGET_RATIO * best_floor ? "met" : "MISSED");
  printf ("queue_msgs_per_sec=%.0f floor_msgs_per_sec=%.0f ratio=%.2f lost=%" G_GUINT64_FORMAT "\n",
          best_queue, best_floor, best_queue / best_floor, total_lost);

  return total_lost == 0 && total_disorder == 0 ? 0 : 1;
}
