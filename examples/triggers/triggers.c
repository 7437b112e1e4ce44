/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Four trigger kinds chained, each handler a closure (sd_trigger_set_handler()):
 *
 *   ticker (cron, every 2 s) ──push──► jobs (SdQueue) ──► worker (queue trigger)
 *        ──set──► processed (a value provider) ──► observer (watch trigger)
 *        ──notify──► bell (SdNotifier) ──► reporter (notification trigger)
 *
 * Each message a handler emits is a child of the one it handles, so the reporter can print
 * the whole causal chain of each job: every message's id, its parent's id and the origin id
 * (the id of the cron message that started it), and check that they connect.
 *
 * The triggers start from the end of the chain (the reporter first, the ticker last) and
 * stop in the reverse order, so that no event is emitted to a trigger that is not there.
 *
 *   sd-example-triggers [--duration=SECONDS]
 *   Ctrl-C              stop the triggers, the ticker first
 */

#include <sd-triggers.h>

/* ---- processed: a value provider the worker sets and the observer watches ---- */

#define EXAMPLE_TYPE_PROCESSED (example_processed_get_type ())
G_DECLARE_FINAL_TYPE (ExampleProcessed, example_processed, EXAMPLE, PROCESSED, SdValueProvider)

struct _ExampleProcessed
{
  SdValueProvider parent_instance;
};

G_DEFINE_FINAL_TYPE (ExampleProcessed, example_processed, SD_TYPE_VALUE_PROVIDER)

static void
example_processed_class_init (ExampleProcessedClass *klass)
{
  sd_value_provider_type_set_default (G_TYPE_FROM_CLASS (klass), g_variant_new_int64 (0));
}

static void
example_processed_init (ExampleProcessed *self)
{
}

/* ---- the handlers ---- */

/* One message handled somewhere in the chain */
typedef struct
{
  char *service;    /* (owned) */
  char *parent_id;  /* (owned) (nullable) */
  char *origin_id;  /* (owned) */
} Step;

static void
step_free (gpointer data)
{
  Step *step = data;

  g_free (step->service);
  g_free (step->parent_id);
  g_free (step->origin_id);
  g_free (step);
}

/* What the handlers share. They all run on the daemon's context (the standard lane), one at
 * a time: no lock is needed. */
typedef struct
{
  SdQueue          *jobs;       /* (owned) */
  SdValueProvider  *processed;  /* (owned) */
  SdNotifier       *bell;       /* (owned) */
  GHashTable       *steps;      /* (owned) (element-type utf8 Step): by message id */
  guint             n_jobs;
  gint64            n_done;
} Chain;

static void
chain_free (Chain *chain)
{
  g_clear_object (&chain->jobs);
  g_clear_object (&chain->processed);
  g_clear_object (&chain->bell);
  g_clear_pointer (&chain->steps, g_hash_table_unref);
  g_free (chain);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Chain, chain_free)

static void
chain_record (Chain     *chain,
              SdTrigger *trigger,
              SdMessage *message)
{
  Step *step = g_new0 (Step, 1);

  step->service = g_strdup (sd_service_get_name (SD_SERVICE (trigger)));
  step->parent_id = g_strdup (sd_message_get_parent_id (message));
  step->origin_id = g_strdup (sd_message_get_origin_id (message));
  g_hash_table_replace (chain->steps, g_strdup (sd_message_get_id (message)), step);
}

/* ticker: each fire of the schedule pushes a job */
static gboolean
on_tick (SdTrigger  *trigger,
         SdMessage  *message,
         gpointer    user_data,
         GError    **error)
{
  Chain *chain = user_data;
  gint64 fire_us = g_variant_get_int64 (sd_message_get_payload (message));
  g_autoptr(GDateTime) fire_time = g_date_time_new_from_unix_local (fire_us / G_USEC_PER_SEC);
  g_autofree char *when = g_date_time_format (fire_time, "%H:%M:%S");

  chain_record (chain, trigger, message);
  chain->n_jobs++;
  g_print ("ticker: fired for %s, pushing job %u\n", when, chain->n_jobs);

  /* Pushed from the handler: the queue's message is a child of this one */
  return sd_queue_push (chain->jobs, g_variant_new_uint32 (chain->n_jobs), error);
}

/* worker: handles a job, then bumps the value the observer watches */
static gboolean
on_job (SdTrigger  *trigger,
        SdMessage  *message,
        gpointer    user_data,
        GError    **error)
{
  Chain *chain = user_data;
  guint32 job = g_variant_get_uint32 (sd_message_get_payload (message));

  chain_record (chain, trigger, message);
  chain->n_done++;
  g_print ("worker: handled job %u, %" G_GINT64_FORMAT " done\n", job, chain->n_done);

  return sd_value_provider_set_value (chain->processed, g_variant_new_int64 (chain->n_done), error);
}

/* observer: sees the new value and rings the bell */
static gboolean
on_processed (SdTrigger  *trigger,
              SdMessage  *message,
              gpointer    user_data,
              GError    **error)
{
  Chain *chain = user_data;
  gint64 done = g_variant_get_int64 (sd_message_get_payload (message));

  chain_record (chain, trigger, message);
  g_print ("observer: processed is now %" G_GINT64_FORMAT ", ringing the bell\n", done);
  sd_notifier_notify (chain->bell, g_variant_new_int64 (done));

  return TRUE;
}

/* reporter: prints the chain that led to this notification, from its origin */
static gboolean
on_bell (SdTrigger  *trigger,
         SdMessage  *message,
         gpointer    user_data,
         GError    **error)
{
  Chain *chain = user_data;
  const char *origin_id = sd_message_get_origin_id (message);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  gboolean connects = TRUE;
  const char *id;
  Step *root;

  chain_record (chain, trigger, message);

  /* Walk up from this message through the parents, back to the origin */
  for (id = sd_message_get_id (message); id != NULL; )
    {
      Step *step = g_hash_table_lookup (chain->steps, id);

      if (step == NULL)
        {
          connects = FALSE;
          break;
        }
      g_ptr_array_insert (ids, 0, (gpointer) id);
      if (g_strcmp0 (step->origin_id, origin_id) != 0)
        connects = FALSE;
      id = step->parent_id;
    }
  /* The root is the origin, and the origin is the ticker's message */
  root = g_hash_table_lookup (chain->steps, origin_id);
  if (ids->len == 0 || g_strcmp0 (g_ptr_array_index (ids, 0), origin_id) != 0 ||
      root == NULL || !g_str_equal (root->service, "ticker"))
    connects = FALSE;

  g_print ("reporter: job %" G_GINT64_FORMAT " went through %u messages:\n",
           g_variant_get_int64 (sd_message_get_payload (message)), ids->len);
  for (guint i = 0; i < ids->len; i++)
    {
      Step *step = g_hash_table_lookup (chain->steps, g_ptr_array_index (ids, i));

      g_print ("  %-8s message %s  parent %-36s  origin %s\n",
               step->service, (const char *) g_ptr_array_index (ids, i),
               step->parent_id != NULL ? step->parent_id : "(none)", step->origin_id);
    }
  g_print ("reporter: the chain %s\n",
           connects ? "connects: each parent is the message before, one origin: the ticker's"
                    : "is broken: it does not lead back to the ticker's message");

  /* The chain is complete: forget it */
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_remove (chain->steps, g_ptr_array_index (ids, i));

  return TRUE;
}

/* ---- the program ---- */

static void
on_service_state_changed (SdDaemon       *daemon,
                          SdService      *service,
                          SdServiceState  old_state,
                          SdServiceState  new_state,
                          gpointer        user_data)
{
  g_print ("[state] %s: %s -> %s\n",
           sd_service_get_name (service),
           sd_service_state_to_string (old_state),
           sd_service_state_to_string (new_state));
}

static void
on_ready (SdDaemon *daemon,
          gpointer  user_data)
{
  g_print ("== all triggers started (Ctrl-C stops) ==\n");
}

static gboolean
on_duration_elapsed (gpointer user_data)
{
  SdDaemon *daemon = user_data;

  g_print ("== duration elapsed: shutting down ==\n");
  sd_daemon_shutdown (daemon);

  return G_SOURCE_REMOVE;
}

/* A trigger with a closure handler; the chain outlives the daemon's services */
static gboolean
add_trigger (SdDaemon          *daemon,
             GType              type,
             const char        *name,
             SdPriority         priority,
             gpointer           source,
             SdTriggerHandler   handler,
             Chain             *chain,
             GError           **error)
{
  g_autoptr(SdTrigger) trigger = g_object_new (type,
                                               "name", name,
                                               "priority", (guint) priority,
                                               "source", source,
                                               NULL);

  sd_trigger_set_handler (trigger, handler, chain, NULL);

  return sd_daemon_add_service (daemon, SD_SERVICE (trigger), error);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(Chain) chain = g_new0 (Chain, 1);   /* freed after the daemon */
  g_autoptr(SdCronSchedule) schedule = NULL;
  g_autoptr(SdDaemon) daemon = NULL;
  g_autoptr(GSource) duration_source = NULL;
  g_autoptr(GError) error = NULL;
  int duration = 0;
  const GOptionEntry entries[] = {
    { "duration", 'd', 0, G_OPTION_ARG_INT, &duration,
      "Shut down by itself after SECONDS", "SECONDS" },
    { NULL }
  };

  option_context = g_option_context_new ("- cron, queue, watch and notification triggers chained");
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  /* The providers: created here and handed to the daemon, which shares them */
  schedule = sd_cron_schedule_new ("*/2 * * * * *", NULL);   /* six fields: seconds first */
  chain->jobs = sd_queue_new (100, SD_QUEUE_MODE_BROADCAST);
  chain->processed = g_object_new (EXAMPLE_TYPE_PROCESSED, NULL);
  chain->bell = g_object_new (SD_TYPE_NOTIFIER, NULL);
  chain->steps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, step_free);

  daemon = sd_daemon_new_with_registry (sd_registry_new ());
  if (!sd_daemon_add_provider (daemon, SD_PROVIDER (schedule), &error) ||
      !sd_daemon_add_provider (daemon, SD_PROVIDER (chain->jobs), &error) ||
      !sd_daemon_add_provider (daemon, SD_PROVIDER (chain->processed), &error) ||
      !sd_daemon_add_provider (daemon, SD_PROVIDER (chain->bell), &error) ||
      /* From the end of the chain: the reporter starts first and stops last */
      !add_trigger (daemon, SD_TYPE_NOTIFICATION_TRIGGER, "reporter", SD_PRIORITY_SYSTEM,
                    chain->bell, on_bell, chain, &error) ||
      !add_trigger (daemon, SD_TYPE_WATCH_TRIGGER, "observer", SD_PRIORITY_STORAGE,
                    chain->processed, on_processed, chain, &error) ||
      !add_trigger (daemon, SD_TYPE_QUEUE_TRIGGER, "worker", SD_PRIORITY_DEFAULT,
                    chain->jobs, on_job, chain, &error) ||
      !add_trigger (daemon, SD_TYPE_CRON_TRIGGER, "ticker", SD_PRIORITY_EXTERNAL,
                    schedule, on_tick, chain, &error) ||
      !sd_daemon_build (daemon, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_signal_connect (daemon, "service-state-changed", G_CALLBACK (on_service_state_changed), NULL);
  g_signal_connect (daemon, "ready", G_CALLBACK (on_ready), NULL);

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

  g_print ("== all triggers stopped ==\n");

  return sd_daemon_get_exit_status (daemon);
}
