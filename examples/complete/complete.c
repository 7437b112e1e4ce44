/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The life cycle of services, told through sd_context_get_state():
 *
 * - "storage" (priority STORAGE) starts in the first wave and stops in the last one;
 * - "worker" (priority DEFAULT) fails twice, is restarted with a backoff as RECOVERING and
 *   reads the previous error, then processes jobs; on a reload (SIGHUP) it shelves its job
 *   count and the next generation, RESTORING, takes it back;
 * - "gateway" (priority EXTERNAL, asynchronous) starts last and stops first. It depends on
 *   a provider, "CompleteGreeting": a value with a default, taken from the environment
 *   variable COMPLETE_GREETING when set, injected by type when the daemon is built.
 *
 * Every state transition is printed from the daemon's "service-state-changed" signal.
 *
 *   [COMPLETE_GREETING=text] sd-example-complete [--duration=SECONDS]
 *   kill -HUP <pid>     reload every service
 *   Ctrl-C              stop the services, lowest priority first
 */

#include <sd.h>

/* ---- storage: a blocking service that matches on its state ---- */

#define COMPLETE_TYPE_STORAGE (complete_storage_get_type ())
G_DECLARE_FINAL_TYPE (CompleteStorage, complete_storage, COMPLETE, STORAGE, SdService)

struct _CompleteStorage
{
  SdService parent_instance;
};

G_DEFINE_FINAL_TYPE (CompleteStorage, complete_storage, SD_TYPE_SERVICE)
SD_REGISTER_SERVICE (complete_storage)

static gboolean
complete_storage_run (SdService  *service,
                      SdContext  *context,
                      GError    **error)
{
  switch (sd_context_get_state (context))
    {
    case SD_SERVICE_STATE_RESTORING:
      g_print ("storage: reopening the store after a reload\n");
      break;

    case SD_SERVICE_STATE_RECOVERING:
      g_print ("storage: reopening the store after a failure\n");
      break;

    case SD_SERVICE_STATE_INITIALIZING:
    case SD_SERVICE_STATE_HEALTHY:
    case SD_SERVICE_STATE_NEED_RELOAD:
    case SD_SERVICE_STATE_SHUTTING_DOWN:
    case SD_SERVICE_STATE_TERMINATED:
    case SD_SERVICE_STATE_STOPPED:
    case SD_SERVICE_STATE_FAILED:
    default:
      g_print ("storage: opening the store\n");
      break;
    }

  /* Waiting for the stop request also completes the handshake: the next wave starts */
  sd_context_wait_shutdown (context);

  switch (sd_context_get_state (context))
    {
    case SD_SERVICE_STATE_NEED_RELOAD:
      g_print ("storage: reload requested, closing the store\n");
      break;

    case SD_SERVICE_STATE_SHUTTING_DOWN:
      g_print ("storage: flushing and closing the store\n");
      break;

    case SD_SERVICE_STATE_INITIALIZING:
    case SD_SERVICE_STATE_RESTORING:
    case SD_SERVICE_STATE_RECOVERING:
    case SD_SERVICE_STATE_HEALTHY:
    case SD_SERVICE_STATE_TERMINATED:
    case SD_SERVICE_STATE_STOPPED:
    case SD_SERVICE_STATE_FAILED:
    default:
      break;
    }

  return TRUE;
}

static void
complete_storage_class_init (CompleteStorageClass *klass)
{
  SD_SERVICE_CLASS (klass)->run = complete_storage_run;

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "name", "storage",
                                "priority", (guint) SD_PRIORITY_STORAGE,
                                NULL);
}

static void
complete_storage_init (CompleteStorage *self)
{
}

/* ---- worker: recovery after errors, state kept across a reload ---- */

#define COMPLETE_TYPE_WORKER (complete_worker_get_type ())
G_DECLARE_FINAL_TYPE (CompleteWorker, complete_worker, COMPLETE, WORKER, SdService)

struct _CompleteWorker
{
  SdService parent_instance;

  /* Only touched by the generations, which never overlap */
  guint n_failures;
};

G_DEFINE_FINAL_TYPE (CompleteWorker, complete_worker, SD_TYPE_SERVICE)
SD_REGISTER_SERVICE (complete_worker)

#define WORKER_FAILURES 2

static gboolean
complete_worker_run (SdService  *service,
                     SdContext  *context,
                     GError    **error)
{
  CompleteWorker *self = COMPLETE_WORKER (service);
  guint32 count = 0;

  switch (sd_context_get_state (context))
    {
    case SD_SERVICE_STATE_RECOVERING:
      {
        const GError *previous = sd_context_get_previous_error (context);

        g_print ("worker: generation %u recovering from: %s\n",
                 sd_context_get_generation (context),
                 previous != NULL ? previous->message : "(unknown error)");
      }
      break;

    case SD_SERVICE_STATE_RESTORING:
      {
        g_autoptr(GVariant) saved = sd_context_unshelve (context, "count");

        if (saved != NULL)
          count = g_variant_get_uint32 (saved);
        g_print ("worker: generation %u restored after a reload, count = %u\n",
                 sd_context_get_generation (context), count);
      }
      break;

    case SD_SERVICE_STATE_INITIALIZING:
    case SD_SERVICE_STATE_HEALTHY:
    case SD_SERVICE_STATE_NEED_RELOAD:
    case SD_SERVICE_STATE_SHUTTING_DOWN:
    case SD_SERVICE_STATE_TERMINATED:
    case SD_SERVICE_STATE_STOPPED:
    case SD_SERVICE_STATE_FAILED:
    default:
      g_print ("worker: generation %u starting\n", sd_context_get_generation (context));
      break;
    }

  /* An error outside SD_SERVICE_ERROR_FATAL: the daemon restarts the service after a backoff */
  if (self->n_failures < WORKER_FAILURES)
    {
      self->n_failures++;
      g_print ("worker: cannot reach the job queue (attempt %u), giving up this run\n",
               self->n_failures);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                   "the job queue refused the connection (attempt %u)", self->n_failures);
      return FALSE;
    }

  while (sd_context_sleep (context, 1000))
    g_print ("worker: processed job %u\n", ++count);

  switch (sd_context_get_state (context))
    {
    case SD_SERVICE_STATE_NEED_RELOAD:
      g_print ("worker: reload requested, shelving count = %u\n", count);
      sd_context_shelve (context, "count", g_variant_new_uint32 (count));
      break;

    case SD_SERVICE_STATE_SHUTTING_DOWN:
      g_print ("worker: shutting down after %u jobs\n", count);
      break;

    case SD_SERVICE_STATE_INITIALIZING:
    case SD_SERVICE_STATE_RESTORING:
    case SD_SERVICE_STATE_RECOVERING:
    case SD_SERVICE_STATE_HEALTHY:
    case SD_SERVICE_STATE_TERMINATED:
    case SD_SERVICE_STATE_STOPPED:
    case SD_SERVICE_STATE_FAILED:
    default:
      break;
    }

  return TRUE;
}

static void
complete_worker_class_init (CompleteWorkerClass *klass)
{
  SD_SERVICE_CLASS (klass)->run = complete_worker_run;

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "name", "worker",
                                "priority", (guint) SD_PRIORITY_DEFAULT,
                                NULL);
}

static void
complete_worker_init (CompleteWorker *self)
{
}

/* ---- gateway: an asynchronous service facing the outside world ---- */

/* ---- greeting: a value provider the gateway depends on ---- */

#define COMPLETE_TYPE_GREETING (complete_greeting_get_type ())
G_DECLARE_FINAL_TYPE (CompleteGreeting, complete_greeting, COMPLETE, GREETING, SdValueProvider)

struct _CompleteGreeting
{
  SdValueProvider parent_instance;
};

G_DEFINE_FINAL_TYPE (CompleteGreeting, complete_greeting, SD_TYPE_VALUE_PROVIDER)

static void
complete_greeting_class_init (CompleteGreetingClass *klass)
{
  sd_value_provider_type_set_default (G_TYPE_FROM_CLASS (klass), g_variant_new_string ("hello"));
  sd_value_provider_type_bind_env (G_TYPE_FROM_CLASS (klass), "COMPLETE_GREETING", FALSE);
}

static void
complete_greeting_init (CompleteGreeting *self)
{
}

/* ---- gateway: an asynchronous service with a dependency ---- */

#define COMPLETE_TYPE_GATEWAY (complete_gateway_get_type ())
G_DECLARE_FINAL_TYPE (CompleteGateway, complete_gateway, COMPLETE, GATEWAY, SdService)

struct _CompleteGateway
{
  SdService         parent_instance;
  CompleteGreeting *greeting;  /* (owned): injected by the daemon */
};

enum {
  PROP_GATEWAY_0,
  PROP_GATEWAY_GREETING,
};

G_DEFINE_FINAL_TYPE (CompleteGateway, complete_gateway, SD_TYPE_SERVICE)
SD_REGISTER_SERVICE (complete_gateway)

static void
gateway_shutdown_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SdContext *context = SD_CONTEXT (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!sd_context_wait_shutdown_finish (context, result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (sd_context_get_state (context) == SD_SERVICE_STATE_NEED_RELOAD)
    g_print ("gateway: reload requested, closing the listener\n");
  else
    g_print ("gateway: no longer accepting requests\n");

  g_task_return_boolean (task, TRUE);
}

static void
complete_gateway_run_async (SdService           *service,
                            SdContext           *context,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, NULL, callback, user_data);

  g_task_set_source_tag (task, complete_gateway_run_async);

  {
    CompleteGateway *self = COMPLETE_GATEWAY (service);
    g_autofree char *greeting = sd_value_provider_dup_string (SD_VALUE_PROVIDER (self->greeting));

    g_print ("gateway: accepting requests (generation %u, %s), greeting them with “%s”\n",
             sd_context_get_generation (context),
             sd_service_state_to_string (sd_context_get_state (context)), greeting);
  }

  /* Waiting for the stop request completes the handshake */
  sd_context_wait_shutdown_async (context, NULL, gateway_shutdown_cb, g_steal_pointer (&task));
}

static gboolean
complete_gateway_run_finish (SdService     *service,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, service), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == complete_gateway_run_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
complete_gateway_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_GATEWAY_GREETING:
      g_value_set_object (value, COMPLETE_GATEWAY (object)->greeting);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
complete_gateway_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_GATEWAY_GREETING:
      COMPLETE_GATEWAY (object)->greeting = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
complete_gateway_dispose (GObject *object)
{
  g_clear_object (&COMPLETE_GATEWAY (object)->greeting);

  G_OBJECT_CLASS (complete_gateway_parent_class)->dispose (object);
}

static void
complete_gateway_class_init (CompleteGatewayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdServiceClass *service_class = SD_SERVICE_CLASS (klass);

  object_class->get_property = complete_gateway_get_property;
  object_class->set_property = complete_gateway_set_property;
  object_class->dispose = complete_gateway_dispose;
  service_class->run_async = complete_gateway_run_async;
  service_class->run_finish = complete_gateway_run_finish;

  /* A dependency: a construct-only property of a provider type, filled by the daemon */
  g_object_class_install_property (object_class, PROP_GATEWAY_GREETING,
    g_param_spec_object ("greeting", NULL, NULL, COMPLETE_TYPE_GREETING,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "name", "gateway",
                                "priority", (guint) SD_PRIORITY_EXTERNAL,
                                NULL);
}

static void
complete_gateway_init (CompleteGateway *self)
{
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
  g_print ("== all services started (Ctrl-C stops, SIGHUP reloads) ==\n");
}

static gboolean
on_duration_elapsed (gpointer user_data)
{
  SdDaemon *daemon = user_data;

  g_print ("== duration elapsed: shutting down ==\n");
  sd_daemon_shutdown (daemon);

  return G_SOURCE_REMOVE;
}

static void
print_plan (SdDaemon *daemon)
{
  g_autoptr(GPtrArray) services = sd_daemon_list_services (daemon);

  g_print ("== %u services; higher priorities start first and stop last ==\n", services->len);
  for (guint i = 0; i < services->len; i++)
    {
      SdService *service = g_ptr_array_index (services, i);

      g_print ("   %-8s priority %3u\n",
               sd_service_get_name (service), sd_service_get_priority (service));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(SdRestartPolicy) policy = NULL;
  g_autoptr(SdDaemon) daemon = NULL;
  g_autoptr(GSource) duration_source = NULL;
  g_autoptr(GError) error = NULL;
  int duration = 0;
  const GOptionEntry entries[] = {
    { "duration", 'd', 0, G_OPTION_ARG_INT, &duration,
      "Shut down by itself after SECONDS", "SECONDS" },
    { NULL }
  };

  option_context = g_option_context_new ("- service states, recovery, reload and priorities");
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  daemon = sd_daemon_new ();

  /* A short backoff so that the worker's recovery is quick to watch: 500 ms, then 1 s */
  policy = sd_restart_policy_new ();
  sd_restart_policy_set_initial_delay_ms (policy, 500);
  sd_daemon_set_restart_policy (daemon, policy);

  g_signal_connect (daemon, "service-state-changed", G_CALLBACK (on_service_state_changed), NULL);
  g_signal_connect (daemon, "ready", G_CALLBACK (on_ready), NULL);

  if (!sd_daemon_build (daemon, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  print_plan (daemon);

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
