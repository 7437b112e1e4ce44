/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-notification.h"

#include "sd-triggers-message-private.h"

/**
 * SdNotifier:
 *
 * A provider that wakes the handlers waiting on it: sd_notifier_notify(), from any thread,
 * delivers one message to every #SdNotificationTrigger whose source it is.
 *
 * A notification is a signal, not a queue: a trigger that is busy when it comes sees it once
 * it waits again, and of several notifications in the meantime only the last one.
 *
 * Since: 1.0
 */

/**
 * SdNotificationTrigger:
 *
 * The notify trigger: it handles the notifications of its #SdNotificationTrigger:source
 * notifier. Give a subclass its own notifier type with sd_trigger_type_set_source(), or
 * create one with the notifier as `source`. (Its name avoids the `sd_notify` prefix that
 * libsystemd owns.)
 *
 * Since: 1.0
 */

/* One notify trigger's subscription */
typedef struct
{
  SdNotificationTrigger *trigger;  /* (unowned): subscribed between setup and teardown */
  SdMessage       *pending;  /* (owned) (nullable): the last notification not yet taken */
} Subscription;

typedef struct
{
  GMutex     lock;
  GPtrArray *subscriptions;  /* (owned) (element-type Subscription) (lock lock) */
} SdNotifierPrivate;

typedef struct
{
  SdNotifier   *source;        /* (owned) (nullable) */
  Subscription *subscription;  /* (unowned): owned by the notifier, while set up */
} SdNotificationTriggerPrivate;

enum {
  PROP_0,
  PROP_SOURCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_TYPE_WITH_PRIVATE (SdNotifier, sd_notifier, SD_TYPE_PROVIDER)
G_DEFINE_TYPE_WITH_PRIVATE (SdNotificationTrigger, sd_notification_trigger, SD_TYPE_TRIGGER)

static void
subscription_free (gpointer data)
{
  Subscription *subscription = data;

  g_clear_pointer (&subscription->pending, sd_message_unref);
  g_free (subscription);
}

static void
sd_notifier_finalize (GObject *object)
{
  SdNotifierPrivate *priv = sd_notifier_get_instance_private (SD_NOTIFIER (object));

  g_clear_pointer (&priv->subscriptions, g_ptr_array_unref);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (sd_notifier_parent_class)->finalize (object);
}

static void
sd_notifier_class_init (SdNotifierClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_notifier_finalize;
}

static void
sd_notifier_init (SdNotifier *self)
{
  SdNotifierPrivate *priv = sd_notifier_get_instance_private (self);

  g_mutex_init (&priv->lock);
  priv->subscriptions = g_ptr_array_new_with_free_func (subscription_free);
}

/**
 * sd_notifier_notify_message:
 * @self: a #SdNotifier
 * @message: the message every subscribed trigger receives
 *
 * Wakes every notify trigger of @self with @message (the same object for each). Safe to
 * call from any thread.
 *
 * Since: 1.0
 */
void
sd_notifier_notify_message (SdNotifier *self,
                            SdMessage  *message)
{
  SdNotifierPrivate *priv = sd_notifier_get_instance_private (self);
  g_autoptr(GPtrArray) woken = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (SD_IS_NOTIFIER (self));
  g_return_if_fail (message != NULL);

  g_mutex_lock (&priv->lock);
  for (guint i = 0; i < priv->subscriptions->len; i++)
    {
      Subscription *subscription = g_ptr_array_index (priv->subscriptions, i);

      sd_message_set (&subscription->pending, message);
      g_ptr_array_add (woken, g_object_ref (subscription->trigger));
    }
  g_mutex_unlock (&priv->lock);

  /* Woken outside the lock: each trigger polls on its own lane */
  for (guint i = 0; i < woken->len; i++)
    sd_trigger_wake (g_ptr_array_index (woken, i));
}

/**
 * sd_notifier_notify:
 * @self: a #SdNotifier
 * @payload: (nullable): the payload; a floating reference is sunk
 *
 * Wakes every notify trigger of @self with a new message carrying @payload. Safe to call
 * from any thread; called from a handler, the message is a child of the one it handles.
 *
 * Since: 1.0
 */
void
sd_notifier_notify (SdNotifier *self,
                    GVariant   *payload)
{
  g_autoptr(SdMessage) message = NULL;

  g_return_if_fail (SD_IS_NOTIFIER (self));

  message = sd_message_new (payload);
  sd_notifier_notify_message (self, message);
}

/**
 * sd_notifier_get_n_subscribers:
 * @self: a #SdNotifier
 *
 * Gets how many notify triggers are set up on @self.
 *
 * Returns: the number of subscribed triggers
 *
 * Since: 1.0
 */
guint
sd_notifier_get_n_subscribers (SdNotifier *self)
{
  SdNotifierPrivate *priv = sd_notifier_get_instance_private (self);
  guint n;

  g_return_val_if_fail (SD_IS_NOTIFIER (self), 0);

  g_mutex_lock (&priv->lock);
  n = priv->subscriptions->len;
  g_mutex_unlock (&priv->lock);

  return n;
}

/* ---- the trigger ---- */

static void
sd_notification_trigger_dispose (GObject *object)
{
  SdNotificationTriggerPrivate *priv = sd_notification_trigger_get_instance_private (SD_NOTIFICATION_TRIGGER (object));

  g_clear_object (&priv->source);

  G_OBJECT_CLASS (sd_notification_trigger_parent_class)->dispose (object);
}

static void
sd_notification_trigger_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SdNotificationTriggerPrivate *priv = sd_notification_trigger_get_instance_private (SD_NOTIFICATION_TRIGGER (object));

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, priv->source);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_notification_trigger_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SdNotificationTriggerPrivate *priv = sd_notification_trigger_get_instance_private (SD_NOTIFICATION_TRIGGER (object));

  switch (prop_id)
    {
    case PROP_SOURCE:
      priv->source = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
sd_notification_trigger_setup (SdTrigger  *trigger,
                         SdContext  *context,
                         GError    **error)
{
  SdNotificationTriggerPrivate *priv = sd_notification_trigger_get_instance_private (SD_NOTIFICATION_TRIGGER (trigger));
  SdNotifierPrivate *source;

  if (priv->source == NULL)
    {
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                   "The notify trigger %s has no source", sd_service_get_name (SD_SERVICE (trigger)));
      return FALSE;
    }

  source = sd_notifier_get_instance_private (priv->source);
  priv->subscription = g_new0 (Subscription, 1);
  priv->subscription->trigger = SD_NOTIFICATION_TRIGGER (trigger);

  g_mutex_lock (&source->lock);
  g_ptr_array_add (source->subscriptions, priv->subscription);
  g_mutex_unlock (&source->lock);

  return TRUE;
}

static void
sd_notification_trigger_teardown (SdTrigger *trigger,
                            SdContext *context)
{
  SdNotificationTriggerPrivate *priv = sd_notification_trigger_get_instance_private (SD_NOTIFICATION_TRIGGER (trigger));
  SdNotifierPrivate *source = sd_notifier_get_instance_private (priv->source);

  g_mutex_lock (&source->lock);
  g_ptr_array_remove (source->subscriptions, priv->subscription);
  g_mutex_unlock (&source->lock);
  priv->subscription = NULL;
}

static SdMessage *
sd_notification_trigger_poll (SdTrigger *trigger,
                        SdContext *context)
{
  SdNotificationTriggerPrivate *priv = sd_notification_trigger_get_instance_private (SD_NOTIFICATION_TRIGGER (trigger));
  SdNotifierPrivate *source = sd_notifier_get_instance_private (priv->source);
  SdMessage *message;

  g_mutex_lock (&source->lock);
  message = g_steal_pointer (&priv->subscription->pending);
  g_mutex_unlock (&source->lock);

  return message;
}

static void
sd_notification_trigger_class_init (SdNotificationTriggerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdTriggerClass *trigger_class = SD_TRIGGER_CLASS (klass);

  object_class->dispose = sd_notification_trigger_dispose;
  object_class->get_property = sd_notification_trigger_get_property;
  object_class->set_property = sd_notification_trigger_set_property;

  trigger_class->setup = sd_notification_trigger_setup;
  trigger_class->teardown = sd_notification_trigger_teardown;
  trigger_class->poll = sd_notification_trigger_poll;

  /**
   * SdNotificationTrigger:source:
   *
   * The notifier whose notifications the trigger handles, injected by the daemon (a
   * subclass narrows it with a property of its own notifier type).
   *
   * Since: 1.0
   */
  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         SD_TYPE_NOTIFIER,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sd_notification_trigger_init (SdNotificationTrigger *self)
{
}

/**
 * sd_notification_trigger_get_source:
 * @self: a #SdNotificationTrigger
 *
 * Gets #SdNotificationTrigger:source.
 *
 * Returns: (transfer none) (nullable): the notifier
 *
 * Since: 1.0
 */
SdNotifier *
sd_notification_trigger_get_source (SdNotificationTrigger *self)
{
  SdNotificationTriggerPrivate *priv = sd_notification_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_NOTIFICATION_TRIGGER (self), NULL);

  return priv->source;
}
