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

/* ---- SdTestConfig ---- */

/**
 * SdTestConfig:
 *
 * An abstract provider written in C with one property, #SdTestConfig:label. The Python tests
 * define its only concrete subtype, which the daemon then injects wherever an #SdTestConfig
 * is asked for — into services written in C and in Python alike.
 */

typedef struct
{
  GMutex  lock;
  char   *label;  /* (owned) (nullable) (lock lock) */
} SdTestConfigPrivate;

enum {
  CONFIG_PROP_0,
  CONFIG_PROP_LABEL,
  CONFIG_N_PROPS
};

static GParamSpec *config_properties[CONFIG_N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SdTestConfig, sd_test_config, SD_TYPE_PROVIDER)

static void
sd_test_config_finalize (GObject *object)
{
  SdTestConfigPrivate *priv = sd_test_config_get_instance_private (SD_TEST_CONFIG (object));

  g_free (priv->label);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (sd_test_config_parent_class)->finalize (object);
}

static void
sd_test_config_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SdTestConfigPrivate *priv = sd_test_config_get_instance_private (SD_TEST_CONFIG (object));

  switch (prop_id)
    {
    case CONFIG_PROP_LABEL:
      g_mutex_lock (&priv->lock);
      g_value_set_string (value, priv->label);
      g_mutex_unlock (&priv->lock);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_test_config_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case CONFIG_PROP_LABEL:
      sd_test_config_set_label (SD_TEST_CONFIG (object), g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_test_config_class_init (SdTestConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sd_test_config_finalize;
  object_class->get_property = sd_test_config_get_property;
  object_class->set_property = sd_test_config_set_property;

  /**
   * SdTestConfig:label:
   *
   * A label, "default" unless set.
   */
  config_properties[CONFIG_PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, "default",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, CONFIG_N_PROPS, config_properties);
}

static void
sd_test_config_init (SdTestConfig *self)
{
  SdTestConfigPrivate *priv = sd_test_config_get_instance_private (self);

  g_mutex_init (&priv->lock);
  priv->label = g_strdup ("default");
}

/**
 * sd_test_config_get_label:
 * @self: a #SdTestConfig
 *
 * Gets the label. Only for the thread that sets it; others read the property.
 *
 * Returns: (transfer none) (nullable): the label
 */
const char *
sd_test_config_get_label (SdTestConfig *self)
{
  SdTestConfigPrivate *priv = sd_test_config_get_instance_private (self);

  g_return_val_if_fail (SD_TEST_IS_CONFIG (self), NULL);

  return priv->label;
}

/**
 * sd_test_config_set_label:
 * @self: a #SdTestConfig
 * @label: (nullable): the new label
 *
 * Sets the label, notifying #SdTestConfig:label if it changed.
 */
void
sd_test_config_set_label (SdTestConfig *self,
                          const char   *label)
{
  SdTestConfigPrivate *priv = sd_test_config_get_instance_private (self);
  gboolean changed;

  g_return_if_fail (SD_TEST_IS_CONFIG (self));

  g_mutex_lock (&priv->lock);
  changed = g_strcmp0 (priv->label, label) != 0;
  if (changed)
    {
      g_free (priv->label);
      priv->label = g_strdup (label);
    }
  g_mutex_unlock (&priv->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), config_properties[CONFIG_PROP_LABEL]);
}

/* ---- SdTestConsumer ---- */

/**
 * SdTestConsumer:
 *
 * An asynchronous service written in C that depends on an #SdTestConfig (a construct-only
 * property the daemon fills) and records, in each generation, the label it read.
 */

struct _SdTestConsumer
{
  SdService     parent_instance;

  SdTestConfig *config;         /* (owned) (nullable) */
  guint         n_generations;  /* (atomic) */
  GMutex        lock;
  char         *seen_label;     /* (owned) (nullable) (lock lock) */
};

enum {
  CONSUMER_PROP_0,
  CONSUMER_PROP_CONFIG,
  CONSUMER_N_PROPS
};

static GParamSpec *consumer_properties[CONSUMER_N_PROPS];

G_DEFINE_FINAL_TYPE (SdTestConsumer, sd_test_consumer, SD_TYPE_SERVICE)

static void
sd_test_consumer_run_async (SdService           *service,
                            SdContext           *context,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  SdTestConsumer *self = SD_TEST_CONSUMER (service);
  GTask *task = g_task_new (service, cancellable, callback, user_data);
  g_autofree char *label = NULL;

  g_task_set_source_tag (task, sd_test_consumer_run_async);

  if (self->config != NULL)
    g_object_get (self->config, "label", &label, NULL);
  g_mutex_lock (&self->lock);
  g_free (self->seen_label);
  self->seen_label = g_steal_pointer (&label);
  g_mutex_unlock (&self->lock);
  g_atomic_int_inc (&self->n_generations);

  sd_context_wait_shutdown_async (context, NULL, wait_shutdown_cb, task);
}

static void
sd_test_consumer_dispose (GObject *object)
{
  SdTestConsumer *self = SD_TEST_CONSUMER (object);

  g_clear_object (&self->config);

  G_OBJECT_CLASS (sd_test_consumer_parent_class)->dispose (object);
}

static void
sd_test_consumer_finalize (GObject *object)
{
  SdTestConsumer *self = SD_TEST_CONSUMER (object);

  g_free (self->seen_label);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (sd_test_consumer_parent_class)->finalize (object);
}

static void
sd_test_consumer_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SdTestConsumer *self = SD_TEST_CONSUMER (object);

  switch (prop_id)
    {
    case CONSUMER_PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_test_consumer_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SdTestConsumer *self = SD_TEST_CONSUMER (object);

  switch (prop_id)
    {
    case CONSUMER_PROP_CONFIG:
      g_assert (self->config == NULL);
      self->config = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_test_consumer_class_init (SdTestConsumerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdServiceClass *service_class = SD_SERVICE_CLASS (klass);

  object_class->dispose = sd_test_consumer_dispose;
  object_class->finalize = sd_test_consumer_finalize;
  object_class->get_property = sd_test_consumer_get_property;
  object_class->set_property = sd_test_consumer_set_property;
  service_class->run_async = sd_test_consumer_run_async;

  /**
   * SdTestConsumer:config:
   *
   * The configuration the daemon injects.
   */
  consumer_properties[CONSUMER_PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, SD_TEST_TYPE_CONFIG,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, CONSUMER_N_PROPS, consumer_properties);
}

static void
sd_test_consumer_init (SdTestConsumer *self)
{
  g_mutex_init (&self->lock);
}

/**
 * sd_test_consumer_get_config:
 * @self: a #SdTestConsumer
 *
 * Gets the injected configuration.
 *
 * Returns: (transfer none) (nullable): the configuration
 */
SdTestConfig *
sd_test_consumer_get_config (SdTestConsumer *self)
{
  g_return_val_if_fail (SD_TEST_IS_CONSUMER (self), NULL);

  return self->config;
}

/**
 * sd_test_consumer_get_n_generations:
 * @self: a #SdTestConsumer
 *
 * Counts the generations that were started.
 *
 * Returns: the number of started generations
 */
guint
sd_test_consumer_get_n_generations (SdTestConsumer *self)
{
  g_return_val_if_fail (SD_TEST_IS_CONSUMER (self), 0);

  return g_atomic_int_get (&self->n_generations);
}

/**
 * sd_test_consumer_dup_seen_label:
 * @self: a #SdTestConsumer
 *
 * Gets the label the last generation read when it started.
 *
 * Returns: (transfer full) (nullable): the label
 */
char *
sd_test_consumer_dup_seen_label (SdTestConsumer *self)
{
  char *label;

  g_return_val_if_fail (SD_TEST_IS_CONSUMER (self), NULL);

  g_mutex_lock (&self->lock);
  label = g_strdup (self->seen_label);
  g_mutex_unlock (&self->lock);

  return label;
}
