/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sd-test-idle.h"

/**
 * SdTestIdle:
 *
 * An asynchronous service written in C that does nothing until it must stop: the C side of
 * the Python tests, introspected against Sd-1.gir. Its class default priority is
 * %SD_PRIORITY_STORAGE; it is not registered for discovery.
 */

typedef struct
{
  guint n_generations;   /* (atomic) */
} SdTestIdlePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (SdTestIdle, sd_test_idle, SD_TYPE_SERVICE)

static void
wait_shutdown_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;

  if (!sd_context_wait_shutdown_finish (SD_CONTEXT (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
sd_test_idle_run_async (SdService           *service,
                        SdContext           *context,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  SdTestIdlePrivate *priv = sd_test_idle_get_instance_private (SD_TEST_IDLE (service));
  GTask *task = g_task_new (service, cancellable, callback, user_data);

  g_task_set_source_tag (task, sd_test_idle_run_async);
  g_atomic_int_inc (&priv->n_generations);
  sd_context_wait_shutdown_async (context, NULL, wait_shutdown_cb, task);
}

static gboolean
sd_test_idle_run_finish (SdService     *service,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, service), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sd_test_idle_run_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sd_test_idle_class_init (SdTestIdleClass *klass)
{
  SdServiceClass *service_class = SD_SERVICE_CLASS (klass);

  service_class->run_async = sd_test_idle_run_async;
  service_class->run_finish = sd_test_idle_run_finish;

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "priority", (guint) SD_PRIORITY_STORAGE,
                                NULL);
}

static void
sd_test_idle_init (SdTestIdle *self)
{
}

/**
 * sd_test_idle_new:
 *
 * Creates an idle service with the class defaults.
 *
 * Returns: (transfer full): a new #SdTestIdle
 */
SdTestIdle *
sd_test_idle_new (void)
{
  return g_object_new (SD_TEST_TYPE_IDLE, NULL);
}

/**
 * sd_test_idle_get_n_generations:
 * @self: a #SdTestIdle
 *
 * Counts the generations that were started.
 *
 * Returns: the number of started generations
 */
guint
sd_test_idle_get_n_generations (SdTestIdle *self)
{
  SdTestIdlePrivate *priv = sd_test_idle_get_instance_private (self);

  g_return_val_if_fail (SD_TEST_IS_IDLE (self), 0);

  return g_atomic_int_get (&priv->n_generations);
}
