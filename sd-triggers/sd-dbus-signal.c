/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-dbus-signal.h"

#include "sd-triggers-i18n-private.h"

/**
 * SdDBusSignalSource:
 *
 * A provider that describes which D-Bus signals to receive, and on which connection, for
 * the #SdDBusSignalTrigger triggers whose source it is.
 *
 * The match is made of a sender (a unique or well-known bus name), an interface, a signal
 * name (the member) and an object path; each of them %NULL matches anything. The connection
 * is either given explicitly (#SdDBusSignalSource:connection) or taken from the message bus
 * #SdDBusSignalSource:bus-type (the session bus by default) when the daemon initialises the
 * provider: a bus that cannot be reached then is %SD_PROVIDER_ERROR_RETRYABLE, retried with
 * the daemon's restart policy.
 *
 * A subclass sets its match in `class_init` with sd_dbus_signal_source_type_set_defaults();
 * the properties given at construction take precedence.
 *
 * Since: 1.0
 */

/**
 * SdDBusSignalTrigger:
 *
 * A trigger that handles the D-Bus signals matched by its #SdDBusSignalTrigger:source: one
 * message per signal, in the order the bus delivered them.
 *
 * The payload is a #GVariant of type `(ssssv)`: the sender (its unique name, or the empty
 * string on a peer-to-peer connection), the object path, the interface name, the signal
 * name, and the parameters of the signal — always a tuple, `()` for a signal without
 * arguments — boxed in a variant.
 *
 * The trigger subscribes in `setup`, on its lane (the signals are delivered to the lane's
 * main context), and unsubscribes in `teardown`. Signals received but not handled when a
 * generation ends are handled by the next one; signals emitted while no generation runs are
 * not received.
 *
 * Since: 1.0
 */

typedef struct
{
  GBusType         bus_type;
  GDBusConnection *connection;      /* (owned) (nullable): set at construction or by init */
  char            *sender;          /* (owned) (nullable) */
  char            *interface_name;  /* (owned) (nullable) */
  char            *member;          /* (owned) (nullable) */
  char            *object_path;     /* (owned) (nullable) */
} SdDBusSignalSourcePrivate;

/* Class-level match, in the qdata of each type that sets one */
typedef struct
{
  GBusType    bus_type;
  const char *sender;          /* (nullable): interned */
  const char *interface_name;  /* (nullable): interned */
  const char *member;          /* (nullable): interned */
  const char *object_path;     /* (nullable): interned */
} SdDBusSignalDefaults;

/* One trigger's subscription; owned by the connection once subscribed */
typedef struct
{
  SdDBusSignalTrigger *trigger;  /* (unowned) (nullable): cleared by teardown, on the lane */
} Subscription;

typedef struct
{
  SdDBusSignalSource *source;        /* (owned) (nullable) */

  /* On the trigger's lane */
  GDBusConnection    *connection;    /* (owned) (nullable): between setup and teardown */
  guint               subscription_id;
  Subscription       *subscription;  /* (unowned): owned by the connection */
  GQueue              signals;       /* (element-type SdMessage) (owned) */
} SdDBusSignalTriggerPrivate;

enum {
  PROP_0,
  PROP_BUS_TYPE,
  PROP_CONNECTION,
  PROP_SENDER,
  PROP_INTERFACE_NAME,
  PROP_MEMBER,
  PROP_OBJECT_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  TRIGGER_PROP_0,
  TRIGGER_PROP_SOURCE,
  N_TRIGGER_PROPS
};

static GParamSpec *trigger_properties[N_TRIGGER_PROPS];

static void sd_dbus_signal_source_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (SdDBusSignalSource, sd_dbus_signal_source, SD_TYPE_PROVIDER,
                         G_ADD_PRIVATE (SdDBusSignalSource)
                         G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE, sd_dbus_signal_source_async_initable_iface_init))
G_DEFINE_TYPE_WITH_PRIVATE (SdDBusSignalTrigger, sd_dbus_signal_trigger, SD_TYPE_TRIGGER)

static GMutex defaults_lock;

static GQuark
defaults_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-dbus-signal-source-defaults");

  return quark;
}

/* The class defaults of @type: those of the nearest type that set some, copied */
static gboolean
lookup_defaults (GType                 type,
                 SdDBusSignalDefaults *out)
{
  SdDBusSignalDefaults *defaults = NULL;

  g_mutex_lock (&defaults_lock);
  for (; type != 0 && defaults == NULL; type = g_type_parent (type))
    defaults = g_type_get_qdata (type, defaults_quark ());
  if (defaults != NULL)
    *out = *defaults;
  g_mutex_unlock (&defaults_lock);

  return defaults != NULL;
}

static void
sd_dbus_signal_source_constructed (GObject *object)
{
  SdDBusSignalSource *self = SD_DBUS_SIGNAL_SOURCE (object);
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (self);
  SdDBusSignalDefaults defaults = { G_BUS_TYPE_SESSION, NULL, NULL, NULL, NULL };

  G_OBJECT_CLASS (sd_dbus_signal_source_parent_class)->constructed (object);

  lookup_defaults (G_OBJECT_TYPE (self), &defaults);
  if (priv->bus_type == G_BUS_TYPE_NONE && priv->connection == NULL)
    priv->bus_type = defaults.bus_type;
  if (priv->sender == NULL)
    priv->sender = g_strdup (defaults.sender);
  if (priv->interface_name == NULL)
    priv->interface_name = g_strdup (defaults.interface_name);
  if (priv->member == NULL)
    priv->member = g_strdup (defaults.member);
  if (priv->object_path == NULL)
    priv->object_path = g_strdup (defaults.object_path);
}

static void
sd_dbus_signal_source_dispose (GObject *object)
{
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (SD_DBUS_SIGNAL_SOURCE (object));

  g_clear_object (&priv->connection);

  G_OBJECT_CLASS (sd_dbus_signal_source_parent_class)->dispose (object);
}

static void
sd_dbus_signal_source_finalize (GObject *object)
{
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (SD_DBUS_SIGNAL_SOURCE (object));

  g_clear_pointer (&priv->sender, g_free);
  g_clear_pointer (&priv->interface_name, g_free);
  g_clear_pointer (&priv->member, g_free);
  g_clear_pointer (&priv->object_path, g_free);

  G_OBJECT_CLASS (sd_dbus_signal_source_parent_class)->finalize (object);
}

static void
sd_dbus_signal_source_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (SD_DBUS_SIGNAL_SOURCE (object));

  switch (prop_id)
    {
    case PROP_BUS_TYPE:
      g_value_set_enum (value, priv->bus_type);
      break;

    case PROP_CONNECTION:
      g_value_set_object (value, priv->connection);
      break;

    case PROP_SENDER:
      g_value_set_string (value, priv->sender);
      break;

    case PROP_INTERFACE_NAME:
      g_value_set_string (value, priv->interface_name);
      break;

    case PROP_MEMBER:
      g_value_set_string (value, priv->member);
      break;

    case PROP_OBJECT_PATH:
      g_value_set_string (value, priv->object_path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_dbus_signal_source_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (SD_DBUS_SIGNAL_SOURCE (object));

  switch (prop_id)
    {
    case PROP_BUS_TYPE:
      priv->bus_type = g_value_get_enum (value);
      break;

    case PROP_CONNECTION:
      priv->connection = g_value_dup_object (value);
      break;

    case PROP_SENDER:
      priv->sender = g_value_dup_string (value);
      break;

    case PROP_INTERFACE_NAME:
      priv->interface_name = g_value_dup_string (value);
      break;

    case PROP_MEMBER:
      priv->member = g_value_dup_string (value);
      break;

    case PROP_OBJECT_PATH:
      priv->object_path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bus_get_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  SdDBusSignalSource *self = g_task_get_source_object (task);
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (self);
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_bus_get_finish (result, &error);
  if (connection == NULL)
    {
      g_task_return_new_error (task, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_RETRYABLE,
                               _("Cannot connect to the message bus for %s: %s"),
                               G_OBJECT_TYPE_NAME (self), error->message);
      return;
    }

  g_clear_object (&priv->connection);
  priv->connection = connection;
  g_task_return_boolean (task, TRUE);
}

static void
sd_dbus_signal_source_init_async (GAsyncInitable      *initable,
                                  int                  io_priority,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  SdDBusSignalSource *self = SD_DBUS_SIGNAL_SOURCE (initable);
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (self);
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_dbus_signal_source_init_async);

  if (priv->connection != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (priv->bus_type == G_BUS_TYPE_NONE)
    {
      g_task_return_new_error (task, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                               _("The D-Bus signal source %s has neither a connection nor a bus type"),
                               G_OBJECT_TYPE_NAME (self));
      return;
    }

  g_bus_get (priv->bus_type, cancellable, bus_get_cb, g_steal_pointer (&task));
}

static gboolean
sd_dbus_signal_source_init_finish (GAsyncInitable  *initable,
                                   GAsyncResult    *result,
                                   GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sd_dbus_signal_source_init_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sd_dbus_signal_source_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = sd_dbus_signal_source_init_async;
  iface->init_finish = sd_dbus_signal_source_init_finish;
}

static void
sd_dbus_signal_source_class_init (SdDBusSignalSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sd_dbus_signal_source_constructed;
  object_class->dispose = sd_dbus_signal_source_dispose;
  object_class->finalize = sd_dbus_signal_source_finalize;
  object_class->get_property = sd_dbus_signal_source_get_property;
  object_class->set_property = sd_dbus_signal_source_set_property;

  /**
   * SdDBusSignalSource:bus-type:
   *
   * The message bus to connect to when no #SdDBusSignalSource:connection is given.
   * %G_BUS_TYPE_NONE, the initial value, stands for the class default (see
   * sd_dbus_signal_source_type_set_defaults()), and that for the session bus.
   *
   * Since: 1.0
   */
  properties[PROP_BUS_TYPE] =
    g_param_spec_enum ("bus-type", NULL, NULL,
                       G_TYPE_BUS_TYPE,
                       G_BUS_TYPE_NONE,
                       (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdDBusSignalSource:connection:
   *
   * The connection the triggers subscribe on: given at construction, or the connection to
   * #SdDBusSignalSource:bus-type once the daemon has initialised the provider.
   *
   * Since: 1.0
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         G_TYPE_DBUS_CONNECTION,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdDBusSignalSource:sender:
   *
   * The bus name of the sender to match, or %NULL for any sender.
   *
   * Since: 1.0
   */
  properties[PROP_SENDER] =
    g_param_spec_string ("sender", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdDBusSignalSource:interface-name:
   *
   * The D-Bus interface to match, or %NULL for any interface.
   *
   * Since: 1.0
   */
  properties[PROP_INTERFACE_NAME] =
    g_param_spec_string ("interface-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdDBusSignalSource:member:
   *
   * The signal name to match, or %NULL for any signal.
   *
   * Since: 1.0
   */
  properties[PROP_MEMBER] =
    g_param_spec_string ("member", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdDBusSignalSource:object-path:
   *
   * The object path to match, or %NULL for any object.
   *
   * Since: 1.0
   */
  properties[PROP_OBJECT_PATH] =
    g_param_spec_string ("object-path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sd_dbus_signal_source_init (SdDBusSignalSource *self)
{
}

/**
 * sd_dbus_signal_source_new:
 * @connection: the connection to subscribe on
 * @sender: (nullable): the sender to match, or %NULL for any
 * @interface_name: (nullable): the interface to match, or %NULL for any
 * @member: (nullable): the signal name to match, or %NULL for any
 * @object_path: (nullable): the object path to match, or %NULL for any
 *
 * Creates a D-Bus signal source on an existing connection, for an application that hands
 * providers to the daemon itself with sd_daemon_add_provider().
 *
 * Returns: (transfer full): a new #SdDBusSignalSource
 *
 * Since: 1.0
 */
SdDBusSignalSource *
sd_dbus_signal_source_new (GDBusConnection *connection,
                           const char      *sender,
                           const char      *interface_name,
                           const char      *member,
                           const char      *object_path)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  return g_object_new (SD_TYPE_DBUS_SIGNAL_SOURCE,
                       "connection", connection,
                       "sender", sender,
                       "interface-name", interface_name,
                       "member", member,
                       "object-path", object_path,
                       NULL);
}

/**
 * sd_dbus_signal_source_new_for_bus:
 * @bus_type: the message bus to connect to when the daemon initialises the source
 * @sender: (nullable): the sender to match, or %NULL for any
 * @interface_name: (nullable): the interface to match, or %NULL for any
 * @member: (nullable): the signal name to match, or %NULL for any
 * @object_path: (nullable): the object path to match, or %NULL for any
 *
 * Creates a D-Bus signal source on a message bus, for an application that hands providers
 * to the daemon itself with sd_daemon_add_provider().
 *
 * Returns: (transfer full): a new #SdDBusSignalSource
 *
 * Since: 1.0
 */
SdDBusSignalSource *
sd_dbus_signal_source_new_for_bus (GBusType    bus_type,
                                   const char *sender,
                                   const char *interface_name,
                                   const char *member,
                                   const char *object_path)
{
  g_return_val_if_fail (bus_type == G_BUS_TYPE_SESSION || bus_type == G_BUS_TYPE_SYSTEM ||
                        bus_type == G_BUS_TYPE_STARTER, NULL);

  return g_object_new (SD_TYPE_DBUS_SIGNAL_SOURCE,
                       "bus-type", bus_type,
                       "sender", sender,
                       "interface-name", interface_name,
                       "member", member,
                       "object-path", object_path,
                       NULL);
}

/**
 * sd_dbus_signal_source_type_set_defaults:
 * @source_type: an #SdDBusSignalSource type
 * @bus_type: the default message bus (%G_BUS_TYPE_NONE for the session bus)
 * @sender: (nullable): the sender to match, or %NULL for any
 * @interface_name: (nullable): the interface to match, or %NULL for any
 * @member: (nullable): the signal name to match, or %NULL for any
 * @object_path: (nullable): the object path to match, or %NULL for any
 *
 * Sets the match and bus that instances of @source_type and its subtypes start with; a
 * property given at construction overrides its default. Call it from the `class_init` of
 * the type.
 *
 * Since: 1.0
 */
void
sd_dbus_signal_source_type_set_defaults (GType       source_type,
                                         GBusType    bus_type,
                                         const char *sender,
                                         const char *interface_name,
                                         const char *member,
                                         const char *object_path)
{
  SdDBusSignalDefaults *defaults;

  g_return_if_fail (g_type_is_a (source_type, SD_TYPE_DBUS_SIGNAL_SOURCE));
  g_return_if_fail (object_path == NULL || g_variant_is_object_path (object_path));
  g_return_if_fail (interface_name == NULL || g_dbus_is_interface_name (interface_name));
  g_return_if_fail (member == NULL || g_dbus_is_member_name (member));

  g_mutex_lock (&defaults_lock);
  defaults = g_type_get_qdata (source_type, defaults_quark ());
  if (defaults == NULL)
    {
      /* Types are never unregistered, so neither are their defaults */
      defaults = g_new0 (SdDBusSignalDefaults, 1);
      g_type_set_qdata (source_type, defaults_quark (), defaults);
    }
  defaults->bus_type = bus_type == G_BUS_TYPE_NONE ? G_BUS_TYPE_SESSION : bus_type;
  defaults->sender = g_intern_string (sender);
  defaults->interface_name = g_intern_string (interface_name);
  defaults->member = g_intern_string (member);
  defaults->object_path = g_intern_string (object_path);
  g_mutex_unlock (&defaults_lock);
}

/**
 * sd_dbus_signal_source_get_bus_type:
 * @self: a #SdDBusSignalSource
 *
 * Gets #SdDBusSignalSource:bus-type.
 *
 * Returns: the message bus, or %G_BUS_TYPE_NONE for a connection given explicitly
 *
 * Since: 1.0
 */
GBusType
sd_dbus_signal_source_get_bus_type (SdDBusSignalSource *self)
{
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (self);

  g_return_val_if_fail (SD_IS_DBUS_SIGNAL_SOURCE (self), G_BUS_TYPE_NONE);

  return priv->bus_type;
}

/**
 * sd_dbus_signal_source_get_connection:
 * @self: a #SdDBusSignalSource
 *
 * Gets #SdDBusSignalSource:connection.
 *
 * Returns: (transfer none) (nullable): the connection, or %NULL before the daemon has
 *   connected to the bus
 *
 * Since: 1.0
 */
GDBusConnection *
sd_dbus_signal_source_get_connection (SdDBusSignalSource *self)
{
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (self);

  g_return_val_if_fail (SD_IS_DBUS_SIGNAL_SOURCE (self), NULL);

  return priv->connection;
}

/**
 * sd_dbus_signal_source_get_sender:
 * @self: a #SdDBusSignalSource
 *
 * Gets #SdDBusSignalSource:sender.
 *
 * Returns: (transfer none) (nullable): the sender to match, or %NULL for any
 *
 * Since: 1.0
 */
const char *
sd_dbus_signal_source_get_sender (SdDBusSignalSource *self)
{
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (self);

  g_return_val_if_fail (SD_IS_DBUS_SIGNAL_SOURCE (self), NULL);

  return priv->sender;
}

/**
 * sd_dbus_signal_source_get_interface_name:
 * @self: a #SdDBusSignalSource
 *
 * Gets #SdDBusSignalSource:interface-name.
 *
 * Returns: (transfer none) (nullable): the interface to match, or %NULL for any
 *
 * Since: 1.0
 */
const char *
sd_dbus_signal_source_get_interface_name (SdDBusSignalSource *self)
{
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (self);

  g_return_val_if_fail (SD_IS_DBUS_SIGNAL_SOURCE (self), NULL);

  return priv->interface_name;
}

/**
 * sd_dbus_signal_source_get_member:
 * @self: a #SdDBusSignalSource
 *
 * Gets #SdDBusSignalSource:member.
 *
 * Returns: (transfer none) (nullable): the signal name to match, or %NULL for any
 *
 * Since: 1.0
 */
const char *
sd_dbus_signal_source_get_member (SdDBusSignalSource *self)
{
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (self);

  g_return_val_if_fail (SD_IS_DBUS_SIGNAL_SOURCE (self), NULL);

  return priv->member;
}

/**
 * sd_dbus_signal_source_get_object_path:
 * @self: a #SdDBusSignalSource
 *
 * Gets #SdDBusSignalSource:object-path.
 *
 * Returns: (transfer none) (nullable): the object path to match, or %NULL for any
 *
 * Since: 1.0
 */
const char *
sd_dbus_signal_source_get_object_path (SdDBusSignalSource *self)
{
  SdDBusSignalSourcePrivate *priv = sd_dbus_signal_source_get_instance_private (self);

  g_return_val_if_fail (SD_IS_DBUS_SIGNAL_SOURCE (self), NULL);

  return priv->object_path;
}

/* ---- the trigger ---- */

/* On the trigger's lane: the subscription was made there */
static void
signal_cb (GDBusConnection *connection,
           const char      *sender_name,
           const char      *object_path,
           const char      *interface_name,
           const char      *signal_name,
           GVariant        *parameters,
           gpointer         data)
{
  Subscription *subscription = data;
  SdDBusSignalTrigger *self = subscription->trigger;
  SdDBusSignalTriggerPrivate *priv;

  if (self == NULL)
    return;

  priv = sd_dbus_signal_trigger_get_instance_private (self);
  g_queue_push_tail (&priv->signals,
                     sd_message_new (g_variant_new ("(ssssv)",
                                                    sender_name ? sender_name : "",
                                                    object_path, interface_name, signal_name,
                                                    parameters)));
  sd_trigger_wake (SD_TRIGGER (self));
}

static void
sd_dbus_signal_trigger_dispose (GObject *object)
{
  SdDBusSignalTriggerPrivate *priv = sd_dbus_signal_trigger_get_instance_private (SD_DBUS_SIGNAL_TRIGGER (object));

  /* Torn down by the generation; unless it was abandoned */
  if (priv->subscription != NULL)
    priv->subscription->trigger = NULL;
  if (priv->connection != NULL && priv->subscription_id != 0)
    g_dbus_connection_signal_unsubscribe (priv->connection, priv->subscription_id);
  priv->subscription_id = 0;
  priv->subscription = NULL;
  g_clear_object (&priv->connection);

  g_queue_clear_full (&priv->signals, (GDestroyNotify) sd_message_unref);
  g_clear_object (&priv->source);

  G_OBJECT_CLASS (sd_dbus_signal_trigger_parent_class)->dispose (object);
}

static void
sd_dbus_signal_trigger_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  SdDBusSignalTriggerPrivate *priv = sd_dbus_signal_trigger_get_instance_private (SD_DBUS_SIGNAL_TRIGGER (object));

  switch (prop_id)
    {
    case TRIGGER_PROP_SOURCE:
      g_value_set_object (value, priv->source);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_dbus_signal_trigger_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  SdDBusSignalTriggerPrivate *priv = sd_dbus_signal_trigger_get_instance_private (SD_DBUS_SIGNAL_TRIGGER (object));

  switch (prop_id)
    {
    case TRIGGER_PROP_SOURCE:
      priv->source = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
sd_dbus_signal_trigger_setup (SdTrigger  *trigger,
                              SdContext  *context,
                              GError    **error)
{
  SdDBusSignalTrigger *self = SD_DBUS_SIGNAL_TRIGGER (trigger);
  SdDBusSignalTriggerPrivate *priv = sd_dbus_signal_trigger_get_instance_private (self);
  SdDBusSignalSourcePrivate *source;

  if (priv->source == NULL)
    {
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                   _("The D-Bus signal trigger %s has no source"),
                   sd_service_get_name (SD_SERVICE (self)));
      return FALSE;
    }

  source = sd_dbus_signal_source_get_instance_private (priv->source);
  if (source->connection == NULL)
    {
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                   _("The D-Bus signal trigger %s has no connection: its source %s was not initialised"),
                   sd_service_get_name (SD_SERVICE (self)), G_OBJECT_TYPE_NAME (priv->source));
      return FALSE;
    }

  /* Subscribed on the lane: the signals come on the lane's thread-default context */
  priv->connection = g_object_ref (source->connection);
  priv->subscription = g_new0 (Subscription, 1);
  priv->subscription->trigger = self;
  priv->subscription_id =
    g_dbus_connection_signal_subscribe (priv->connection,
                                        source->sender, source->interface_name,
                                        source->member, source->object_path,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        signal_cb, priv->subscription, g_free);

  /* Signals left from the previous generation */
  if (!g_queue_is_empty (&priv->signals))
    sd_trigger_wake (trigger);

  return TRUE;
}

static void
sd_dbus_signal_trigger_teardown (SdTrigger *trigger,
                                 SdContext *context)
{
  SdDBusSignalTriggerPrivate *priv = sd_dbus_signal_trigger_get_instance_private (SD_DBUS_SIGNAL_TRIGGER (trigger));

  if (priv->connection == NULL)
    return;

  /* A delivery already queued on the lane finds the subscription cleared */
  priv->subscription->trigger = NULL;
  priv->subscription = NULL;
  g_dbus_connection_signal_unsubscribe (priv->connection, priv->subscription_id);
  priv->subscription_id = 0;
  g_clear_object (&priv->connection);
}

static SdMessage *
sd_dbus_signal_trigger_poll (SdTrigger *trigger,
                             SdContext *context)
{
  SdDBusSignalTriggerPrivate *priv = sd_dbus_signal_trigger_get_instance_private (SD_DBUS_SIGNAL_TRIGGER (trigger));

  return g_queue_pop_head (&priv->signals);
}

static void
sd_dbus_signal_trigger_requeue (SdTrigger *trigger,
                                SdMessage *message)
{
  SdDBusSignalTriggerPrivate *priv = sd_dbus_signal_trigger_get_instance_private (SD_DBUS_SIGNAL_TRIGGER (trigger));

  g_queue_push_head (&priv->signals, sd_message_ref (message));
}

static void
sd_dbus_signal_trigger_class_init (SdDBusSignalTriggerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdTriggerClass *trigger_class = SD_TRIGGER_CLASS (klass);

  object_class->dispose = sd_dbus_signal_trigger_dispose;
  object_class->get_property = sd_dbus_signal_trigger_get_property;
  object_class->set_property = sd_dbus_signal_trigger_set_property;

  trigger_class->setup = sd_dbus_signal_trigger_setup;
  trigger_class->teardown = sd_dbus_signal_trigger_teardown;
  trigger_class->poll = sd_dbus_signal_trigger_poll;
  trigger_class->requeue = sd_dbus_signal_trigger_requeue;

  /**
   * SdDBusSignalTrigger:source:
   *
   * The D-Bus signal source whose signals the trigger handles, injected by the daemon (a
   * subclass names its own source type with sd_trigger_type_set_source()).
   *
   * Since: 1.0
   */
  trigger_properties[TRIGGER_PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         SD_TYPE_DBUS_SIGNAL_SOURCE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_TRIGGER_PROPS, trigger_properties);
}

static void
sd_dbus_signal_trigger_init (SdDBusSignalTrigger *self)
{
  SdDBusSignalTriggerPrivate *priv = sd_dbus_signal_trigger_get_instance_private (self);

  g_queue_init (&priv->signals);
}

/**
 * sd_dbus_signal_trigger_get_source:
 * @self: a #SdDBusSignalTrigger
 *
 * Gets #SdDBusSignalTrigger:source.
 *
 * Returns: (transfer none) (nullable): the D-Bus signal source
 *
 * Since: 1.0
 */
SdDBusSignalSource *
sd_dbus_signal_trigger_get_source (SdDBusSignalTrigger *self)
{
  SdDBusSignalTriggerPrivate *priv = sd_dbus_signal_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_DBUS_SIGNAL_TRIGGER (self), NULL);

  return priv->source;
}
