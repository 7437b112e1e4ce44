/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-trigger.h"

#include <inttypes.h>

#include "sd-triggers-message-private.h"
#include "sd-trigger-private.h"
#include "sd-triggers-i18n-private.h"

/**
 * SdTrigger:
 *
 * A service whose body is an event loop: it waits for one event at a time and calls a
 * handler for each.
 *
 * A trigger is made of two halves:
 *
 * - the **kind** (cron, queue, watch, notify, …) implements `setup`, `wait_async` /
 *   `wait_finish` (and optionally `poll`, `teardown`, `requeue`); it usually consumes a
 *   provider given as a construct-only `source` property, injected by the daemon;
 * - the **handler**, written by overriding `handle` (or `handle_async`) in a subclass, or
 *   given as a closure with sd_trigger_set_handler().
 *
 * Each generation of the trigger runs `setup`, says HEALTHY, then loops: wait for an event
 * (%SD_TRIGGER_TRANSITION_NEXT with a message), dispatch it, wait again. A wait may also
 * answer %SD_TRIGGER_TRANSITION_RELOAD (the trigger runs `teardown` and `setup` again) or
 * %SD_TRIGGER_TRANSITION_STOP (the generation ends cleanly). Stopping the generation
 * (shutdown, stop, reload) cancels the wait; a message taken but not handled is handed back
 * with `requeue`.
 *
 * A dispatch runs through the interceptors in onion order — first the daemon-wide ones (the
 * #SdInterceptors provider), then the trigger's own (sd_trigger_add_interceptor()) — and then
 * through the two built-in layers: tracing (a debug-level structured log line per message,
 * with `SD_MESSAGE_ID`, `SD_PARENT_ID`, `SD_ORIGIN_ID`, `SD_SOURCE` and `SD_INSTANCE`) and
 * retry: a handler error is retried after the delays of the daemon's #SdRestartPolicy, up to
 * #SdRestartPolicy:trigger-max-retries times (unlimited by default); then the trigger logs
 * the error and moves on to the next message. Messages are handled one at a time, in order.
 *
 * The handler runs on the trigger's lane (see #SdLane) with the message available from
 * sd_message_get_current(); messages it creates are children of the one it handles.
 *
 * Since: 1.0
 */

typedef struct
{
  SdTriggerHandler  handler;
  gpointer          handler_data;
  GDestroyNotify    handler_destroy;
  GPtrArray        *interceptors;         /* (owned) (element-type SdInterceptor) (lock interceptors_lock) */
  SdInterceptors   *daemon_interceptors;  /* (owned) (nullable): injected */
  gsize             sequence;             /* (atomic): messages created by the handler */
  guint64           n_handled;            /* (atomic) */
  guint64           n_failed;             /* (atomic) */
  guint             n_setups;
  int               n_interceptors;       /* (atomic): length of @interceptors */
  gboolean          trace;                /* debug lines wanted: decided per generation */

  const char       *name;                 /* (atomic) (nullable): the service name, cached
                                           * by the first generation; see trigger_name() */

  /* The default wait: until sd_trigger_wake() or the end of the generation */
  GMutex            wake_lock;
  GTask            *waiter;               /* (owned) (nullable) (lock wake_lock) */
  gboolean          woken;                /* (lock wake_lock) */
  gboolean          cancelled;            /* (lock wake_lock) */
  SdTriggerTransition pending;            /* (lock wake_lock): strongest since the last wait */
} SdTriggerPrivate;

enum {
  PROP_0,
  PROP_INTERCEPTORS,
  PROP_N_HANDLED,
  PROP_N_FAILED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SdTrigger, sd_trigger, SD_TYPE_SERVICE)

static GMutex interceptors_lock;

static void
sd_trigger_dispose (GObject *object)
{
  SdTrigger *self = SD_TRIGGER (object);
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  if (priv->handler_destroy != NULL)
    priv->handler_destroy (priv->handler_data);
  priv->handler = NULL;
  priv->handler_data = NULL;
  priv->handler_destroy = NULL;
  g_clear_object (&priv->daemon_interceptors);
  g_clear_pointer (&priv->interceptors, g_ptr_array_unref);

  G_OBJECT_CLASS (sd_trigger_parent_class)->dispose (object);
}

static void
sd_trigger_finalize (GObject *object)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (SD_TRIGGER (object));

  g_assert (priv->waiter == NULL);
  g_mutex_clear (&priv->wake_lock);

  G_OBJECT_CLASS (sd_trigger_parent_class)->finalize (object);
}

static void
sd_trigger_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SdTrigger *self = SD_TRIGGER (object);
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_INTERCEPTORS:
      g_value_set_object (value, priv->daemon_interceptors);
      break;

    case PROP_N_HANDLED:
      g_value_set_uint64 (value, sd_trigger_get_n_handled (self));
      break;

    case PROP_N_FAILED:
      g_value_set_uint64 (value, sd_trigger_get_n_failed (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_trigger_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  SdTrigger *self = SD_TRIGGER (object);
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_INTERCEPTORS:
      priv->daemon_interceptors = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* ---- the generation loop ---- */

typedef struct
{
  SdContext *context;    /* (owned) */
  SdMessage *in_flight;  /* (owned) (nullable): dispatched, not finished */
  gulong     cancel_id;
  gboolean   set_up;
} Run;

static void
run_free (gpointer data)
{
  Run *run = data;

  if (run->cancel_id != 0)
    g_cancellable_disconnect (G_CANCELLABLE (run->context), run->cancel_id);
  g_clear_pointer (&run->in_flight, sd_message_unref);
  g_clear_object (&run->context);
  g_free (run);
}

static gboolean
complete_waiter_cb (gpointer data)
{
  GTask *waiter = data;

  g_task_return_int (waiter, GPOINTER_TO_INT (g_task_get_task_data (waiter)));
  return G_SOURCE_REMOVE;
}

/* Completes the default wait, if one is in progress; otherwise remembers the wake. Any
 * thread. */
static void
wake (SdTrigger           *self,
      SdTriggerTransition  transition,
      gboolean             cancelled)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  GTask *waiter;

  g_mutex_lock (&priv->wake_lock);
  if (cancelled)
    priv->cancelled = TRUE;
  if (transition > priv->pending)
    priv->pending = transition;
  waiter = g_steal_pointer (&priv->waiter);
  if (waiter == NULL)
    priv->woken = TRUE;
  else
    {
      transition = priv->pending;
      priv->pending = SD_TRIGGER_TRANSITION_NEXT;
      priv->woken = FALSE;
    }
  g_mutex_unlock (&priv->wake_lock);

  if (waiter != NULL)
    {
      /* Completed from an idle on the waiter's context, never from here: a wake may come from
       * inside the generation's cancellable handler, where ending the generation (which
       * disconnects that handler) would deadlock. */
      GSource *idle = g_idle_source_new ();

      g_task_set_task_data (waiter, GINT_TO_POINTER (transition), NULL);
      g_source_set_static_name (idle, "[sd] trigger wake");
      g_source_set_callback (idle, complete_waiter_cb, waiter, g_object_unref);
      g_source_attach (idle, g_task_get_context (waiter));
      g_source_unref (idle);
    }
}

static void
run_cancelled_cb (GCancellable *cancellable,
                  gpointer      data)
{
  wake (SD_TRIGGER (data), SD_TRIGGER_TRANSITION_STOP, TRUE);
}

/* The default wait: returns no message; the loop polls again (or follows the transition) */
static void
sd_trigger_real_wait_async (SdTrigger           *self,
                            SdContext           *context,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  GTask *task = g_task_new (self, NULL, callback, user_data);
  gboolean ready;
  SdTriggerTransition transition = SD_TRIGGER_TRANSITION_NEXT;

  g_task_set_source_tag (task, sd_trigger_real_wait_async);

  g_mutex_lock (&priv->wake_lock);
  ready = priv->woken || priv->cancelled;
  if (ready)
    {
      transition = priv->cancelled ? SD_TRIGGER_TRANSITION_STOP : priv->pending;
      priv->pending = SD_TRIGGER_TRANSITION_NEXT;
      priv->woken = FALSE;
    }
  else
    priv->waiter = g_object_ref (task);
  g_mutex_unlock (&priv->wake_lock);

  if (ready)
    g_task_return_int (task, transition);
  g_object_unref (task);
}

static SdMessage *
sd_trigger_real_wait_finish (SdTrigger            *self,
                             GAsyncResult         *result,
                             SdTriggerTransition  *transition,
                             GError              **error)
{
  gssize value = g_task_propagate_int (G_TASK (result), error);

  *transition = value < 0 ? SD_TRIGGER_TRANSITION_STOP : (SdTriggerTransition) value;

  return NULL;
}

static gboolean
do_setup (SdTrigger  *self,
          Run        *run,
          GError    **error)
{
  SdTriggerClass *klass = SD_TRIGGER_GET_CLASS (self);
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  priv->n_setups++;
  if (klass->setup != NULL && !klass->setup (self, run->context, error))
    return FALSE;

  run->set_up = TRUE;
  return TRUE;
}

static void
do_teardown (SdTrigger *self,
             Run       *run)
{
  SdTriggerClass *klass = SD_TRIGGER_GET_CLASS (self);

  if (run->set_up && klass->teardown != NULL)
    klass->teardown (self, run->context);
  run->set_up = FALSE;
}

/* Ends the generation after the kind's teardown. Takes ownership of @task and @error. */
static void
run_return (GTask  *task,
            GError *error)
{
  SdTrigger *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  do_teardown (self, run);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void run_continue (GTask *task);
static void give_back    (SdTrigger *self,
                          SdMessage *message);

static gboolean
has_interceptors (SdTrigger *self)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  gboolean ret;

  ret = g_atomic_int_get (&priv->n_interceptors) > 0;

  if (!ret && priv->daemon_interceptors != NULL)
    ret = !_sd_interceptors_is_empty (priv->daemon_interceptors);

  return ret;
}

/* The service name without a type check per message: cached once a generation runs (the
 * daemon is built then, and the name can no longer change) */
static inline const char *
trigger_name (SdTrigger *self)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  const char *name = g_atomic_pointer_get (&priv->name);

  return G_LIKELY (name != NULL) ? name : sd_service_get_name (SD_SERVICE (self));
}

static void
trace_dispatch (SdTrigger *self,
                SdMessage *message)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  char instance[24];

  if (!priv->trace)
    return;

  g_snprintf (instance, sizeof instance, "%" PRIu64, sd_message_get_sequence (message));
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    "SD_SERVICE", sd_service_get_name (SD_SERVICE (self)),
                    "SD_MESSAGE_ID", sd_message_get_id (message),
                    "SD_PARENT_ID", sd_message_get_parent_id (message) ? sd_message_get_parent_id (message) : "",
                    "SD_ORIGIN_ID", sd_message_get_origin_id (message),
                    "SD_SOURCE", sd_message_get_source (message) ? sd_message_get_source (message) : "",
                    "SD_INSTANCE", instance,
                    "MESSAGE", "%s handles message %s", sd_service_get_name (SD_SERVICE (self)),
                    sd_message_get_id (message));
}

/* Calls the synchronous handler (closure or class) with the dispatch scope set */
static gboolean
call_sync_handler (SdTrigger  *self,
                   SdMessage  *message,
                   GError    **error)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  SdTriggerClass *klass = SD_TRIGGER_GET_CLASS (self);
  SdDispatchScope scope = { message, trigger_name (self), &priv->sequence };
  SdDispatchScope *previous;
  gboolean ret;

  previous = _sd_dispatch_scope_push (&scope);
  if (priv->handler != NULL)
    ret = priv->handler (self, message, priv->handler_data, error);
  else if (klass->handle != NULL)
    ret = klass->handle (self, message, error);
  else
    {
      g_set_error (error, SD_ERROR, SD_ERROR_FAILED,
                   _("The trigger %s has no handler: override handle() or call sd_trigger_set_handler()"),
                   sd_service_get_name (SD_SERVICE (self)));
      ret = FALSE;
    }
  _sd_dispatch_scope_pop (previous);

  if (!ret && error != NULL && *error == NULL)
    g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FAILED,
                 _("The handler of %s failed without giving a reason"),
                 sd_service_get_name (SD_SERVICE (self)));

  return ret;
}

static void
dispatch_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GTask) task = data;
  SdTrigger *self = SD_TRIGGER (object);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  g_autoptr(SdMessage) message = g_steal_pointer (&run->in_flight);

  if (!sd_trigger_dispatch_finish (self, result, &error) &&
      g_cancellable_is_cancelled (G_CANCELLABLE (run->context)))
    {
      /* Stopped before the handler finished with it: nothing handed over is lost */
      if (message != NULL)
        give_back (self, message);
      run_return (g_steal_pointer (&task), NULL);
      return;
    }

  /* A failure was logged by the retry layer: move on */
  run_continue (g_steal_pointer (&task));
}

static void handler_call_failed (GTask  *task,
                                 GError *error);
static void handler_call_free   (gpointer data);

typedef struct
{
  SdContext *context;   /* (owned) */
  SdMessage *message;   /* (owned) */
  guint      attempt;   /* failures so far */
} HandlerCall;

static void
retried_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  GTask *outer = data;
  GError *error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (outer, TRUE);
  else
    g_task_return_error (outer, error);
  g_object_unref (outer);
}

/* Continues a dispatch whose first, inline, call of the handler failed with @error: the
 * result comes as that of sd_trigger_dispatch_async(). */
static void
retry_after_failure (SdTrigger           *self,
                     SdContext           *context,
                     SdMessage           *message,
                     GError              *error,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *outer = g_task_new (self, G_CANCELLABLE (context), callback, user_data);
  GTask *task;
  HandlerCall *call;

  g_task_set_source_tag (outer, sd_trigger_dispatch_async);
  task = g_task_new (self, G_CANCELLABLE (context), retried_cb, outer);
  g_task_set_source_tag (task, _sd_trigger_call_handler_async);
  call = g_new0 (HandlerCall, 1);
  call->context = g_object_ref (context);
  call->message = sd_message_ref (message);
  g_task_set_task_data (task, call, handler_call_free);

  handler_call_failed (task, error);
}

/* Hands @message back to the kind when the generation stops before handling it */
static void
give_back (SdTrigger *self,
           SdMessage *message)
{
  SdTriggerClass *klass = SD_TRIGGER_GET_CLASS (self);

  if (klass->requeue != NULL)
    klass->requeue (self, message);
}

/*
 * Dispatches @message; returns TRUE if it completed synchronously (the loop goes on), FALSE
 * if it resumes in dispatch_done_cb(). Takes a reference on @task when it does not.
 */
static gboolean
dispatch_inline (GTask     *task,
                 SdMessage *message)
{
  SdTrigger *self = g_task_get_source_object (task);
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  SdTriggerClass *klass = SD_TRIGGER_GET_CLASS (self);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* The fast path: a synchronous handler and no interceptors, no allocation per message */
  if (klass->handle_async == NULL && !has_interceptors (self))
    {
      trace_dispatch (self, message);
      if (call_sync_handler (self, message, &error))
        {
          g_atomic_pointer_add (&priv->n_handled, 1);
          return TRUE;
        }

      /* The first call failed: the retry layer takes over from here */
      sd_message_set (&run->in_flight, message);
      retry_after_failure (self, run->context, message, g_steal_pointer (&error),
                           dispatch_done_cb, g_object_ref (task));
      return FALSE;
    }

  /* Interceptors, an asynchronous handler, or a failure to retry: the full path */
  sd_message_set (&run->in_flight, message);
  sd_trigger_dispatch_async (self, run->context, message, G_CANCELLABLE (run->context),
                             dispatch_done_cb, g_object_ref (task));
  return FALSE;
}

static void
wait_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  SdTrigger *self = SD_TRIGGER (object);
  Run *run = g_task_get_task_data (task);
  SdTriggerTransition transition = SD_TRIGGER_TRANSITION_NEXT;
  g_autoptr(SdMessage) message = NULL;
  GError *error = NULL;

  message = SD_TRIGGER_GET_CLASS (self)->wait_finish (self, result, &transition, &error);

  if (g_cancellable_is_cancelled (G_CANCELLABLE (run->context)))
    {
      g_clear_error (&error);
      if (message != NULL)
        give_back (self, message);
      run_return (g_steal_pointer (&task), NULL);
      return;
    }

  if (error != NULL)
    {
      run_return (g_steal_pointer (&task), error);
      return;
    }

  switch (transition)
    {
    case SD_TRIGGER_TRANSITION_NEXT:
      if (message != NULL && !dispatch_inline (task, message))
        return;
      break;

    case SD_TRIGGER_TRANSITION_RELOAD:
      do_teardown (self, run);
      if (!do_setup (self, run, &error))
        {
          run_return (g_steal_pointer (&task), error);
          return;
        }
      break;

    case SD_TRIGGER_TRANSITION_STOP:
    default:
      run_return (g_steal_pointer (&task), NULL);
      return;
    }

  run_continue (g_steal_pointer (&task));
}

/* Drains what the kind has at hand, then waits. Takes ownership of @task. */
static void
run_continue (GTask *task)
{
  SdTrigger *self = g_task_get_source_object (task);
  SdTriggerClass *klass = SD_TRIGGER_GET_CLASS (self);
  Run *run = g_task_get_task_data (task);

  for (;;)
    {
      SdMessage *message;
      gboolean done;

      /* A context is its generation's cancellable (unchecked here: once per message) */
      if (g_cancellable_is_cancelled ((GCancellable *) run->context))
        {
          run_return (task, NULL);
          return;
        }

      message = klass->poll ? klass->poll (self, run->context) : NULL;
      if (message == NULL)
        break;

      done = dispatch_inline (task, message);
      sd_message_unref (message);
      if (!done)
        {
          g_object_unref (task);
          return;
        }
    }

  klass->wait_async (self, run->context, G_CANCELLABLE (run->context), wait_done_cb, task);
}

static void
sd_trigger_run_async (SdService           *service,
                      SdContext           *context,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  SdTrigger *self = SD_TRIGGER (service);
  SdTriggerClass *klass = SD_TRIGGER_GET_CLASS (self);
  GTask *task;
  Run *run;
  GError *error = NULL;

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sd_trigger_run_async);
  run = g_new0 (Run, 1);
  run->context = g_object_ref (context);
  g_task_set_task_data (task, run, run_free);

  if (klass->wait_async == sd_trigger_real_wait_async && klass->poll == NULL)
    {
      g_task_return_new_error (task, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                               _("The trigger kind %s implements neither poll() nor wait_async()"),
                               G_OBJECT_TYPE_NAME (self));
      g_object_unref (task);
      return;
    }

  {
    SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

    g_atomic_pointer_set (&priv->name, sd_service_get_name (service));

    /* Checking the log configuration per message would cost more than the message */
    priv->trace = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);

    g_mutex_lock (&priv->wake_lock);
    priv->cancelled = FALSE;
    priv->woken = FALSE;
    priv->pending = SD_TRIGGER_TRANSITION_NEXT;
    g_mutex_unlock (&priv->wake_lock);
  }

  /* Ends the default wait when the generation must stop; a kind's own wait watches the
   * cancellable it is given */
  run->cancel_id = g_cancellable_connect (G_CANCELLABLE (context), G_CALLBACK (run_cancelled_cb), self, NULL);

  if (!do_setup (self, run, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* Set up: the trigger is ready for events */
  sd_context_done (context);
  run_continue (task);
}

static void
sd_trigger_class_init (SdTriggerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdServiceClass *service_class = SD_SERVICE_CLASS (klass);

  object_class->dispose = sd_trigger_dispose;
  object_class->finalize = sd_trigger_finalize;
  object_class->get_property = sd_trigger_get_property;
  object_class->set_property = sd_trigger_set_property;

  /* The default run_finish() finishes the generation's GTask */
  service_class->run_async = sd_trigger_run_async;
  klass->wait_async = sd_trigger_real_wait_async;
  klass->wait_finish = sd_trigger_real_wait_finish;

  /**
   * SdTrigger:interceptors:
   *
   * The daemon-wide interceptors, a provider injected by the daemon (see
   * #SdInterceptors).
   *
   * Since: 1.0
   */
  properties[PROP_INTERCEPTORS] =
    g_param_spec_object ("interceptors", NULL, NULL,
                         SD_TYPE_INTERCEPTORS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdTrigger:n-handled:
   *
   * How many messages the handler handled successfully.
   *
   * Since: 1.0
   */
  properties[PROP_N_HANDLED] =
    g_param_spec_uint64 ("n-handled", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * SdTrigger:n-failed:
   *
   * How many messages the trigger gave up on after the retries of its restart policy.
   *
   * Since: 1.0
   */
  properties[PROP_N_FAILED] =
    g_param_spec_uint64 ("n-failed", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A trigger the application creates itself may go without daemon-wide interceptors */
  sd_type_set_dependency_optional (SD_TYPE_TRIGGER, "interceptors", TRUE);
}

static void
sd_trigger_init (SdTrigger *self)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  g_mutex_init (&priv->wake_lock);
}

/* ---- the innermost layer: handler and retries ---- */

static void
handler_call_free (gpointer data)
{
  HandlerCall *call = data;

  g_clear_object (&call->context);
  g_clear_pointer (&call->message, sd_message_unref);
  g_free (call);
}

static void handler_call_attempt (GTask *task);

static gboolean
retry_timer_cb (gpointer data)
{
  handler_call_attempt (G_TASK (data));
  return G_SOURCE_REMOVE;
}

/* After a failure: wait and call again, or give up. Takes ownership of @error. */
static void
handler_call_failed (GTask  *task,
                     GError *error)
{
  SdTrigger *self = g_task_get_source_object (task);
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  HandlerCall *call = g_task_get_task_data (task);
  SdRestartPolicy *policy = sd_context_get_restart_policy (call->context);
  int max_retries = sd_restart_policy_get_trigger_max_retries (policy);
  const char *name = sd_service_get_name (SD_SERVICE (self));
  GSource *timer;
  guint64 delay;

  if (g_task_return_error_if_cancelled (task))
    {
      g_error_free (error);
      g_object_unref (task);
      return;
    }

  if (max_retries >= 0 && call->attempt >= (guint) max_retries)
    {
      g_atomic_pointer_add (&priv->n_failed, 1);
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                        "SD_SERVICE", name,
                        "SD_MESSAGE_ID", sd_message_get_id (call->message),
                        "SD_ORIGIN_ID", sd_message_get_origin_id (call->message),
                        "MESSAGE", _("%s gives up on message %s after %u retries: %s"),
                        name, sd_message_get_id (call->message), max_retries, error->message);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  call->attempt++;
  delay = sd_restart_policy_compute_delay_ms (policy, call->attempt);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "SD_SERVICE", name,
                    "SD_MESSAGE_ID", sd_message_get_id (call->message),
                    "MESSAGE", _("The handler of %s failed on message %s (attempt %u): %s; retrying in %" PRIu64 " ms"),
                    name, sd_message_get_id (call->message), call->attempt, error->message, delay);
  g_error_free (error);

  timer = sd_clock_create_timeout_source (sd_context_get_clock (call->context), delay);
  g_source_set_static_name (timer, "[sd] trigger retry");
  g_source_set_callback (timer, retry_timer_cb, task, NULL);
  g_source_attach (timer, g_task_get_context (task));
  g_source_unref (timer);
}

static void
handle_async_done_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      data)
{
  GTask *task = data;
  SdTrigger *self = SD_TRIGGER (object);
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  SdTriggerClass *klass = SD_TRIGGER_GET_CLASS (self);
  GError *error = NULL;
  gboolean ok;

  ok = klass->handle_finish ? klass->handle_finish (self, result, &error)
                            : g_task_propagate_boolean (G_TASK (result), &error);
  if (ok)
    {
      g_atomic_pointer_add (&priv->n_handled, 1);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  if (error == NULL)
    error = g_error_new (SD_SERVICE_ERROR, SD_SERVICE_ERROR_FAILED,
                         _("The handler of %s failed without giving a reason"),
                         sd_service_get_name (SD_SERVICE (self)));
  handler_call_failed (task, error);
}

/* One call of the handler. Takes ownership of @task. */
static void
handler_call_attempt (GTask *task)
{
  SdTrigger *self = g_task_get_source_object (task);
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  SdTriggerClass *klass = SD_TRIGGER_GET_CLASS (self);
  HandlerCall *call = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  trace_dispatch (self, call->message);

  if (klass->handle_async != NULL && priv->handler == NULL)
    {
      SdDispatchScope scope = { call->message, trigger_name (self), &priv->sequence };
      SdDispatchScope *previous = _sd_dispatch_scope_push (&scope);

      klass->handle_async (self, call->message, g_task_get_cancellable (task),
                           handle_async_done_cb, task);
      _sd_dispatch_scope_pop (previous);
      return;
    }

  if (call_sync_handler (self, call->message, &error))
    {
      g_atomic_pointer_add (&priv->n_handled, 1);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  handler_call_failed (task, error);
}

void
_sd_trigger_call_handler_async (SdTrigger           *self,
                                SdContext           *context,
                                SdMessage           *message,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  HandlerCall *call;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _sd_trigger_call_handler_async);
  call = g_new0 (HandlerCall, 1);
  call->context = g_object_ref (context);
  call->message = sd_message_ref (message);
  g_task_set_task_data (task, call, handler_call_free);

  handler_call_attempt (task);
}

gboolean
_sd_trigger_call_handler_finish (SdTrigger     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- public API ---- */

/**
 * sd_trigger_wake:
 * @self: a #SdTrigger
 *
 * Tells the trigger that its kind's `poll` has something to deliver. A kind that does not
 * implement its own `wait_async` calls it — from any thread — whenever an event arrives; the
 * trigger then polls until `poll` returns %NULL. Wakes are not counted: one wake after
 * several events is enough, since the trigger drains `poll`.
 *
 * Since: 1.0
 */
void
sd_trigger_wake (SdTrigger *self)
{
  g_return_if_fail (SD_IS_TRIGGER (self));

  wake (self, SD_TRIGGER_TRANSITION_NEXT, FALSE);
}

/**
 * sd_trigger_request_transition:
 * @self: a #SdTrigger
 * @transition: %SD_TRIGGER_TRANSITION_RELOAD or %SD_TRIGGER_TRANSITION_STOP
 *
 * Asks the trigger, from any thread, to set its kind up again (RELOAD) or to end the
 * generation cleanly (STOP) once it waits next. For kinds that use the default wait.
 *
 * Since: 1.0
 */
void
sd_trigger_request_transition (SdTrigger           *self,
                               SdTriggerTransition  transition)
{
  g_return_if_fail (SD_IS_TRIGGER (self));

  wake (self, transition, FALSE);
}

/**
 * sd_trigger_type_set_source:
 * @trigger_type: a trigger type
 * @source_type: the provider type its `source` takes
 *
 * Says which provider the daemon injects into the `source` property of @trigger_type: a
 * subtype of the provider type the kind declares, such as the application's own notifier or
 * schedule type. The same as sd_type_set_dependency_type() for the property `source`.
 *
 * Since: 1.0
 */
void
sd_trigger_type_set_source (GType trigger_type,
                            GType source_type)
{
  g_return_if_fail (g_type_is_a (trigger_type, SD_TYPE_TRIGGER));
  g_return_if_fail (g_type_is_a (source_type, SD_TYPE_PROVIDER));

  sd_type_set_dependency_type (trigger_type, "source", source_type);
}

/**
 * sd_trigger_set_handler:
 * @self: a #SdTrigger
 * @handler: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data
 *
 * Sets a closure as the handler of the trigger; it replaces the `handle` of the class.
 * Call it before the daemon runs.
 *
 * Since: 1.0
 */
void
sd_trigger_set_handler (SdTrigger        *self,
                        SdTriggerHandler  handler,
                        gpointer          user_data,
                        GDestroyNotify    destroy)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  g_return_if_fail (SD_IS_TRIGGER (self));
  g_return_if_fail (handler != NULL);

  if (priv->handler_destroy != NULL)
    priv->handler_destroy (priv->handler_data);

  priv->handler = handler;
  priv->handler_data = user_data;
  priv->handler_destroy = destroy;
}

/**
 * sd_trigger_add_interceptor:
 * @self: a #SdTrigger
 * @interceptor: an interceptor
 *
 * Adds an interceptor around every dispatch of this trigger, inside the daemon-wide ones
 * and outside those added before.
 *
 * Since: 1.0
 */
void
sd_trigger_add_interceptor (SdTrigger     *self,
                            SdInterceptor *interceptor)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  g_return_if_fail (SD_IS_TRIGGER (self));
  g_return_if_fail (SD_IS_INTERCEPTOR (interceptor));

  g_mutex_lock (&interceptors_lock);
  if (priv->interceptors == NULL)
    priv->interceptors = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (priv->interceptors, g_object_ref (interceptor));
  g_atomic_int_inc (&priv->n_interceptors);
  g_mutex_unlock (&interceptors_lock);
}

/**
 * sd_trigger_get_interceptors:
 * @self: a #SdTrigger
 *
 * Gets the daemon-wide interceptors injected into the trigger.
 *
 * Returns: (transfer none) (nullable): the daemon-wide interceptors
 *
 * Since: 1.0
 */
SdInterceptors *
sd_trigger_get_interceptors (SdTrigger *self)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_TRIGGER (self), NULL);

  return priv->daemon_interceptors;
}

/**
 * sd_trigger_get_n_handled:
 * @self: a #SdTrigger
 *
 * Gets #SdTrigger:n-handled.
 *
 * Returns: the number of messages handled
 *
 * Since: 1.0
 */
guint64
sd_trigger_get_n_handled (SdTrigger *self)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_TRIGGER (self), 0);

  return (guint64) g_atomic_pointer_get (&priv->n_handled);
}

/**
 * sd_trigger_get_n_failed:
 * @self: a #SdTrigger
 *
 * Gets #SdTrigger:n-failed.
 *
 * Returns: the number of messages given up on
 *
 * Since: 1.0
 */
guint64
sd_trigger_get_n_failed (SdTrigger *self)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_TRIGGER (self), 0);

  return (guint64) g_atomic_pointer_get (&priv->n_failed);
}

/**
 * sd_trigger_get_n_setups:
 * @self: a #SdTrigger
 *
 * Gets how often the kind's `setup` ran: once per generation, and again after each
 * %SD_TRIGGER_TRANSITION_RELOAD.
 *
 * Returns: the number of setups
 *
 * Since: 1.0
 */
guint
sd_trigger_get_n_setups (SdTrigger *self)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_TRIGGER (self), 0);

  return priv->n_setups;
}

/**
 * sd_trigger_dispatch_async:
 * @self: a #SdTrigger
 * @context: the context of the running generation
 * @message: the message
 * @cancellable: (nullable): a #GCancellable, usually @context
 * @callback: (scope async): called once the message is handled or given up on
 * @user_data: data for @callback
 *
 * Dispatches @message through the interceptors and the handler, with the retries of the
 * restart policy. The generation loop of #SdTrigger calls it for each message; a kind that
 * runs a loop of its own (for example to handle several messages at once) calls it directly.
 *
 * Since: 1.0
 */
void
sd_trigger_dispatch_async (SdTrigger           *self,
                           SdContext           *context,
                           SdMessage           *message,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  SdTriggerPrivate *priv = sd_trigger_get_instance_private (self);
  g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func (g_object_unref);
  GTask *task;

  g_return_if_fail (SD_IS_TRIGGER (self));
  g_return_if_fail (SD_IS_CONTEXT (context));
  g_return_if_fail (message != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_trigger_dispatch_async);

  /* Outermost first: daemon-wide, then the trigger's own */
  if (priv->daemon_interceptors != NULL)
    {
      g_autoptr(GPtrArray) daemon_wide = sd_interceptors_list (priv->daemon_interceptors);

      for (guint i = 0; i < daemon_wide->len; i++)
        g_ptr_array_add (chain, g_object_ref (g_ptr_array_index (daemon_wide, i)));
    }
  g_mutex_lock (&interceptors_lock);
  for (guint i = 0; priv->interceptors && i < priv->interceptors->len; i++)
    g_ptr_array_add (chain, g_object_ref (g_ptr_array_index (priv->interceptors, i)));
  g_mutex_unlock (&interceptors_lock);

  _sd_invocation_run_level (self, context, message, chain, 0, cancellable, task);
}

/**
 * sd_trigger_dispatch_finish:
 * @self: a #SdTrigger
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_trigger_dispatch_async().
 *
 * Returns: %TRUE if the message was handled; %FALSE with @error set if it was given up on
 *   (the error is logged already) or the dispatch was cancelled
 *
 * Since: 1.0
 */
gboolean
sd_trigger_dispatch_finish (SdTrigger     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (SD_IS_TRIGGER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sd_trigger_dispatch_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
