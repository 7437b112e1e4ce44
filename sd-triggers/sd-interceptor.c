/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-interceptor.h"

#include "sd-trigger-private.h"
#include "sd-triggers-i18n-private.h"

/**
 * SdInterceptor:
 *
 * Middleware around the handler calls of triggers.
 *
 * Interceptors wrap each dispatch like the layers of an onion: the outermost one runs
 * first and finishes last. Each receives an #SdInvocation and may
 *
 * - call sd_invocation_proceed_async() once and finish with its result (possibly doing
 *   work before and after, timing it, logging it);
 * - finish without proceeding, short-circuiting the inner layers and the handler;
 * - change the outcome: finish with %TRUE after a failure it handled, or with an error.
 *
 * Daemon-wide interceptors go into the #SdInterceptors provider (hand the daemon one with
 * sd_daemon_add_provider()); per-trigger ones are added with sd_trigger_add_interceptor().
 *
 * Since: 1.0
 */

/**
 * SdInvocation:
 *
 * One layer of a dispatch as an interceptor sees it: the trigger, the message, the
 * generation's context, and the way on to the inner layers.
 *
 * Since: 1.0
 */

/**
 * SdInterceptors:
 *
 * The daemon-wide interceptors: a provider every trigger depends on. A daemon creates an
 * empty one unless it is handed one with sd_daemon_add_provider().
 *
 * Since: 1.0
 */

struct _SdInvocation
{
  GObject     parent_instance;

  SdTrigger  *trigger;       /* (owned) */
  SdContext  *context;       /* (owned) */
  SdMessage  *message;       /* (owned) */
  GPtrArray  *interceptors;  /* (owned) (element-type SdInterceptor) */
  guint       index;         /* the layer proceeding runs */
  gboolean    proceeded;
};

struct _SdInterceptors
{
  SdProvider  parent_instance;

  GMutex      lock;
  GPtrArray  *interceptors;  /* (owned) (element-type SdInterceptor) (lock lock) */
  int         n_interceptors; /* (atomic) */
};

G_DEFINE_INTERFACE (SdInterceptor, sd_interceptor, G_TYPE_OBJECT)
G_DEFINE_FINAL_TYPE (SdInvocation, sd_invocation, G_TYPE_OBJECT)
G_DEFINE_FINAL_TYPE (SdInterceptors, sd_interceptors, SD_TYPE_PROVIDER)

static void
sd_interceptor_default_init (SdInterceptorInterface *iface)
{
}

static void
sd_invocation_finalize (GObject *object)
{
  SdInvocation *self = SD_INVOCATION (object);

  g_clear_object (&self->trigger);
  g_clear_object (&self->context);
  g_clear_pointer (&self->message, sd_message_unref);
  g_clear_pointer (&self->interceptors, g_ptr_array_unref);

  G_OBJECT_CLASS (sd_invocation_parent_class)->finalize (object);
}

static void
sd_invocation_class_init (SdInvocationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_invocation_finalize;
}

static void
sd_invocation_init (SdInvocation *self)
{
}

static void
sd_interceptors_finalize (GObject *object)
{
  SdInterceptors *self = SD_INTERCEPTORS (object);

  g_clear_pointer (&self->interceptors, g_ptr_array_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (sd_interceptors_parent_class)->finalize (object);
}

static void
sd_interceptors_class_init (SdInterceptorsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_interceptors_finalize;
}

static void
sd_interceptors_init (SdInterceptors *self)
{
  g_mutex_init (&self->lock);
  self->interceptors = g_ptr_array_new_with_free_func (g_object_unref);
}

SdInvocation *
_sd_invocation_new (SdTrigger  *trigger,
                    SdContext  *context,
                    SdMessage  *message,
                    GPtrArray  *interceptors,
                    guint       index)
{
  SdInvocation *self = g_object_new (SD_TYPE_INVOCATION, NULL);

  self->trigger = g_object_ref (trigger);
  self->context = g_object_ref (context);
  self->message = sd_message_ref (message);
  self->interceptors = g_ptr_array_ref (interceptors);
  self->index = index;

  return self;
}

static void
level_intercept_done_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;

  if (sd_interceptor_intercept_finish (SD_INTERCEPTOR (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
level_handler_done_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;

  if (_sd_trigger_call_handler_finish (SD_TRIGGER (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

/*
 * Runs the layer @index of a dispatch — an interceptor, or past the last one the handler —
 * and completes @task (taking ownership of it) with its outcome.
 */
void
_sd_invocation_run_level (SdTrigger    *trigger,
                          SdContext    *context,
                          SdMessage    *message,
                          GPtrArray    *interceptors,
                          guint         index,
                          GCancellable *cancellable,
                          GTask        *task)
{
  if (index < interceptors->len)
    {
      g_autoptr(SdInvocation) invocation = _sd_invocation_new (trigger, context, message,
                                                               interceptors, index + 1);

      sd_interceptor_intercept_async (g_ptr_array_index (interceptors, index), invocation,
                                      cancellable, level_intercept_done_cb, task);
      return;
    }

  _sd_trigger_call_handler_async (trigger, context, message, cancellable,
                                  level_handler_done_cb, task);
}

/**
 * sd_interceptor_intercept_async:
 * @self: a #SdInterceptor
 * @invocation: the invocation
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the outcome
 * @user_data: data for @callback
 *
 * Runs the interceptor around @invocation. Called by the trigger.
 *
 * Since: 1.0
 */
void
sd_interceptor_intercept_async (SdInterceptor       *self,
                                SdInvocation        *invocation,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (SD_IS_INTERCEPTOR (self));
  g_return_if_fail (SD_IS_INVOCATION (invocation));

  SD_INTERCEPTOR_GET_IFACE (self)->intercept_async (self, invocation, cancellable, callback, user_data);
}

/**
 * sd_interceptor_intercept_finish:
 * @self: a #SdInterceptor
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_interceptor_intercept_async().
 *
 * Returns: %TRUE if the message counts as handled
 *
 * Since: 1.0
 */
gboolean
sd_interceptor_intercept_finish (SdInterceptor  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (SD_IS_INTERCEPTOR (self), FALSE);

  return SD_INTERCEPTOR_GET_IFACE (self)->intercept_finish (self, result, error);
}

/**
 * sd_invocation_get_trigger:
 * @self: a #SdInvocation
 *
 * Gets the trigger dispatching the message.
 *
 * Returns: (transfer none): the trigger
 *
 * Since: 1.0
 */
SdTrigger *
sd_invocation_get_trigger (SdInvocation *self)
{
  g_return_val_if_fail (SD_IS_INVOCATION (self), NULL);

  return self->trigger;
}

/**
 * sd_invocation_get_message:
 * @self: a #SdInvocation
 *
 * Gets the message being dispatched.
 *
 * Returns: (transfer none): the message
 *
 * Since: 1.0
 */
SdMessage *
sd_invocation_get_message (SdInvocation *self)
{
  g_return_val_if_fail (SD_IS_INVOCATION (self), NULL);

  return self->message;
}

/**
 * sd_invocation_get_context:
 * @self: a #SdInvocation
 *
 * Gets the context of the trigger's running generation (its clock, its restart policy).
 *
 * Returns: (transfer none): the context
 *
 * Since: 1.0
 */
SdContext *
sd_invocation_get_context (SdInvocation *self)
{
  g_return_val_if_fail (SD_IS_INVOCATION (self), NULL);

  return self->context;
}

/**
 * sd_invocation_proceed_async:
 * @self: a #SdInvocation
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the outcome of the inner layers
 * @user_data: data for @callback
 *
 * Runs the inner layers: the next interceptor, or the handler after the last one. An
 * interceptor calls it at most once per invocation.
 *
 * Since: 1.0
 */
void
sd_invocation_proceed_async (SdInvocation        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SD_IS_INVOCATION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_invocation_proceed_async);

  if (self->proceeded)
    {
      g_task_return_new_error (task, SD_ERROR, SD_ERROR_INVALID_STATE,
                               _("An interceptor proceeded twice with the same invocation"));
      g_object_unref (task);
      return;
    }

  self->proceeded = TRUE;
  _sd_invocation_run_level (self->trigger, self->context, self->message, self->interceptors,
                            self->index, cancellable, task);
}

/**
 * sd_invocation_proceed_finish:
 * @self: a #SdInvocation
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_invocation_proceed_async().
 *
 * Returns: %TRUE if the inner layers handled the message
 *
 * Since: 1.0
 */
gboolean
sd_invocation_proceed_finish (SdInvocation  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (SD_IS_INVOCATION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * sd_interceptors_new:
 *
 * Creates an empty set of daemon-wide interceptors.
 *
 * Returns: (transfer full): a new #SdInterceptors
 *
 * Since: 1.0
 */
SdInterceptors *
sd_interceptors_new (void)
{
  return g_object_new (SD_TYPE_INTERCEPTORS, NULL);
}

/**
 * sd_interceptors_add:
 * @self: a #SdInterceptors
 * @interceptor: an interceptor
 *
 * Adds an interceptor around every dispatch of every trigger of the daemon, inside those
 * added before.
 *
 * Since: 1.0
 */
void
sd_interceptors_add (SdInterceptors *self,
                     SdInterceptor  *interceptor)
{
  g_return_if_fail (SD_IS_INTERCEPTORS (self));
  g_return_if_fail (SD_IS_INTERCEPTOR (interceptor));

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->interceptors, g_object_ref (interceptor));
  g_atomic_int_inc (&self->n_interceptors);
  g_mutex_unlock (&self->lock);
}

gboolean
_sd_interceptors_is_empty (SdInterceptors *self)
{
  return g_atomic_int_get (&self->n_interceptors) == 0;
}

/**
 * sd_interceptors_list:
 * @self: a #SdInterceptors
 *
 * Lists the interceptors, outermost first.
 *
 * Returns: (transfer container) (element-type SdInterceptor): the interceptors
 *
 * Since: 1.0
 */
GPtrArray *
sd_interceptors_list (SdInterceptors *self)
{
  GPtrArray *ret;

  g_return_val_if_fail (SD_IS_INTERCEPTORS (self), NULL);

  ret = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->interceptors->len; i++)
    g_ptr_array_add (ret, g_object_ref (g_ptr_array_index (self->interceptors, i)));
  g_mutex_unlock (&self->lock);

  return ret;
}
