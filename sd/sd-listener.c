/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-listener.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>

#include "sd-error.h"
#include "sd-i18n-private.h"

/**
 * SdListener:
 *
 * A provider that owns a listening stream socket: bound and listening before the first
 * startup wave, shared by every generation of every service that depends on it.
 *
 * A listener is an eager provider (%SD_PROVIDER_FLAGS_EAGER): the daemon initialises it
 * (#GInitable) before the first wave, so that a program that cannot get its address fails at
 * startup rather than after its services started. Binding reports
 * %SD_PROVIDER_ERROR_RETRYABLE when the address is in use or the call was interrupted — the
 * daemon tries again with the backoff of its #SdRestartPolicy until
 * #SdRestartPolicy:provider-init-timeout-ms has passed — and %SD_PROVIDER_ERROR_FATAL for
 * everything else (permission denied, an address that is not available, a bad address).
 * Messages name the address and the listener type.
 *
 * The socket stays open as long as the listener exists: a restarted or reloaded service
 * accepts on the same socket again, so a restart never loses the port and clients that
 * connect in between wait in the backlog. A service takes connections with
 * sd_listener_accept_async(), passing its #SdContext as the cancellable, or with the
 * blocking sd_listener_accept() from a blocking service:
 *
 * |[<!-- language="C" -->
 * static void
 * my_echo_run_async (SdService           *service,
 *                    SdContext           *context,
 *                    GCancellable        *cancellable,
 *                    GAsyncReadyCallback  callback,
 *                    gpointer             user_data)
 * {
 *   MyEcho *self = MY_ECHO (service);
 *   GTask *task = g_task_new (self, cancellable, callback, user_data);
 *
 *   sd_context_done (context);
 *   sd_listener_accept_async (SD_LISTENER (self->listener), cancellable, accepted_cb, task);
 * }
 * ]|
 *
 * Injection is by type, so each listener of a program is a type of its own: a subclass of
 * #SdTcpListener or #SdUnixListener that sets its default address in `class_init` and may
 * bind an environment variable that overrides it with sd_listener_type_bind_env().
 *
 * Since: 1.0
 */

/**
 * SdTcpListener:
 *
 * A listener on a TCP port.
 *
 * The address is an IP literal (`127.0.0.1`, `::1`, `0.0.0.0` for every IPv4 interface,
 * `::` for every interface) or `localhost` (the IPv4 loopback address). It defaults to
 * `127.0.0.1`, so that nothing is reachable from the network unless a program asks for it.
 * Port 0 binds any free port; #SdTcpListener:bound-port tells which one after
 * initialisation.
 *
 * A subclass sets its defaults in `class_init`; properties given to g_object_new() override
 * them, and a bound environment variable overrides both. The variable holds `PORT`,
 * `HOST:PORT`, `[IPV6]:PORT` or a `HOST` alone:
 *
 * |[<!-- language="C" -->
 * static void
 * my_api_listener_class_init (MyApiListenerClass *klass)
 * {
 *   sd_tcp_listener_type_set_default (G_TYPE_FROM_CLASS (klass), "127.0.0.1", 8080);
 *   sd_listener_type_bind_env (G_TYPE_FROM_CLASS (klass), "MY_API_LISTEN");
 * }
 * ]|
 *
 * Since: 1.0
 */

/**
 * SdUnixListener:
 *
 * A listener on a Unix-domain stream socket.
 *
 * The path is absolute, or relative to the user's runtime directory (`$XDG_RUNTIME_DIR`, or
 * the temporary directory when that is not set) — the same rule for the class default, the
 * #SdUnixListener:path property and a bound environment variable. A path that starts with
 * `@` names a socket in the abstract namespace (Linux), which has no file.
 *
 * When the path exists, a socket file left behind by a process that ended is removed and
 * replaced; a socket on which a process still listens makes binding fail as "address in
 * use" (retryable; finding out costs that process one empty connection), and a file that is
 * not a socket is never touched (fatal). The listener removes its socket file when it is
 * disposed.
 *
 * Since: 1.0
 */

#define DEFAULT_BACKLOG     128
#define DEFAULT_TCP_ADDRESS "127.0.0.1"

typedef struct
{
  GMutex   lock;          /* held by initialisation */
  GSocket *socket;        /* (owned) (nullable): set once, when bound */
  int      backlog;
  char    *socket_path;   /* (owned) (nullable): the socket file this listener created */
  dev_t    socket_dev;
  ino_t    socket_ino;
} SdListenerPrivate;

/* Class-level configuration, in the qdata of each type that sets some. The strings are
 * interned, so pointers handed out stay valid when a later call replaces them. */
typedef struct
{
  const char *variable;      /* (nullable) */
  const char *tcp_address;   /* (nullable) */
  int         tcp_port;      /* -1: not set */
  const char *unix_path;     /* (nullable) */
} SdListenerConfig;

typedef enum {
  LISTENER_PROP_BACKLOG = 1,
  LISTENER_PROP_SOCKET,
  LISTENER_N_PROPS
} SdListenerProperty;

static GParamSpec *listener_properties[LISTENER_N_PROPS];

static void sd_listener_initable_iface_init (GInitableIface *iface);

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (SdListener, sd_listener, SD_TYPE_PROVIDER,
                                  G_ADD_PRIVATE (SdListener)
                                  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                         sd_listener_initable_iface_init))

static GMutex config_lock;

static GQuark
config_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-listener-config");

  return quark;
}

/* Called with config_lock held */
static SdListenerConfig *
ensure_config (GType type)
{
  SdListenerConfig *config = g_type_get_qdata (type, config_quark ());

  if (config == NULL)
    {
      config = g_new0 (SdListenerConfig, 1);
      config->tcp_port = -1;
      /* Types are never unregistered, so neither is their configuration */
      g_type_set_qdata (type, config_quark (), config);
    }

  return config;
}

typedef enum {
  CONFIG_VARIABLE,
  CONFIG_TCP_ADDRESS,
  CONFIG_UNIX_PATH,
} ConfigField;

/* The nearest setting of @field, walking up from @type */
static const char *
lookup_config_string (GType       type,
                      ConfigField field)
{
  const char *found = NULL;

  g_mutex_lock (&config_lock);
  for (; found == NULL && g_type_is_a (type, SD_TYPE_LISTENER); type = g_type_parent (type))
    {
      SdListenerConfig *config = g_type_get_qdata (type, config_quark ());

      if (config == NULL)
        continue;

      switch (field)
        {
        case CONFIG_VARIABLE:
          found = config->variable;
          break;
        case CONFIG_TCP_ADDRESS:
          found = config->tcp_address;
          break;
        case CONFIG_UNIX_PATH:
          found = config->unix_path;
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_mutex_unlock (&config_lock);

  return found;
}

static int
lookup_config_port (GType type)
{
  int port = -1;

  g_mutex_lock (&config_lock);
  for (; port < 0 && g_type_is_a (type, SD_TYPE_LISTENER); type = g_type_parent (type))
    {
      SdListenerConfig *config = g_type_get_qdata (type, config_quark ());

      if (config != NULL)
        port = config->tcp_port;
    }
  g_mutex_unlock (&config_lock);

  return port;
}

/* "127.0.0.1:8080", "[::1]:8080", "/run/x.sock", "@name" */
static char *
describe_address (GSocketAddress *address)
{
  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);
      g_autofree char *host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
      guint port = g_inet_socket_address_get_port (inet);

      if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
        return g_strdup_printf ("[%s]:%u", host, port);

      return g_strdup_printf ("%s:%u", host, port);
    }

  if (G_IS_UNIX_SOCKET_ADDRESS (address))
    {
      GUnixSocketAddress *unix_address = G_UNIX_SOCKET_ADDRESS (address);
      const char *path = g_unix_socket_address_get_path (unix_address);
      gsize path_len = g_unix_socket_address_get_path_len (unix_address);

      switch (g_unix_socket_address_get_address_type (unix_address))
        {
        case G_UNIX_SOCKET_ADDRESS_PATH:
          return g_strndup (path, path_len);
        case G_UNIX_SOCKET_ADDRESS_ABSTRACT:
        case G_UNIX_SOCKET_ADDRESS_ABSTRACT_PADDED:
          return g_strdup_printf ("@%.*s", (int) strnlen (path, path_len), path);
        case G_UNIX_SOCKET_ADDRESS_ANONYMOUS:
        case G_UNIX_SOCKET_ADDRESS_INVALID:
        default:
          return g_strdup ("@");
        }
    }

  return g_strdup (G_OBJECT_TYPE_NAME (address));
}

/* The path of a Unix socket file, or NULL for the abstract namespace and other kinds */
static const char *
socket_file_path (GSocketAddress *address)
{
  if (G_IS_UNIX_SOCKET_ADDRESS (address) &&
      g_unix_socket_address_get_address_type (G_UNIX_SOCKET_ADDRESS (address)) ==
        G_UNIX_SOCKET_ADDRESS_PATH)
    return g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (address));

  return NULL;
}

/* An address that is busy or a call that was interrupted may succeed later; nothing else
 * will. */
static void
set_socket_error (GError     **error,
                  SdListener  *self,
                  const char  *address,
                  int          errsv)
{
  SdProviderError code = (errsv == EADDRINUSE || errsv == EINTR)
                         ? SD_PROVIDER_ERROR_RETRYABLE : SD_PROVIDER_ERROR_FATAL;

  g_set_error (error, SD_PROVIDER_ERROR, code,
               _("The listener %s cannot listen on %s: %s"),
               G_OBJECT_TYPE_NAME (self), address, g_strerror (errsv));
}

/* Called when binding @path failed with EADDRINUSE: removes the socket file if nobody
 * listens on it any longer and returns TRUE to bind again. A file that is not a socket is
 * never removed (fatal); a live socket is "in use" (retryable). Finding out costs a live
 * listener one empty connection. */
static gboolean
remove_stale_socket (SdListener       *self,
                     const char       *path,
                     const void       *native,
                     gsize             native_len,
                     const char       *description,
                     GError          **error)
{
  struct stat st;
  int probe;
  int result;
  int errsv;

  if (lstat (path, &st) < 0)
    {
      set_socket_error (error, self, description, EADDRINUSE);
      return FALSE;
    }

  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The listener %s cannot listen on %s: the file exists and is not a socket"),
                   G_OBJECT_TYPE_NAME (self), description);
      return FALSE;
    }

  probe = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (probe < 0)
    {
      set_socket_error (error, self, description, errno);
      return FALSE;
    }

  do
    result = connect (probe, native, (socklen_t) native_len);
  while (result < 0 && errno == EINTR);
  errsv = errno;
  close (probe);

  if (result == 0 || errsv != ECONNREFUSED)
    {
      /* Someone listens there (or its backlog is full) */
      set_socket_error (error, self, description, EADDRINUSE);
      return FALSE;
    }

  if (unlink (path) < 0 && errno != ENOENT)
    {
      set_socket_error (error, self, description, errno);
      return FALSE;
    }

  return TRUE;
}

/* Creates, binds and listens; called with the init lock held */
static GSocket *
bind_address (SdListener      *self,
              GSocketAddress  *address,
              GError         **error)
{
  SdListenerPrivate *priv = sd_listener_get_instance_private (self);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *description = describe_address (address);
  struct sockaddr_storage native;
  gsize native_len = g_socket_address_get_native_size (address);
  const char *path = socket_file_path (address);
  GSocketFamily family = g_socket_address_get_family (address);
  int fd;

  if (native_len > sizeof native ||
      !g_socket_address_to_native (address, &native, sizeof native, &local_error))
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The listener %s cannot listen on %s: %s"),
                   G_OBJECT_TYPE_NAME (self), description,
                   local_error ? local_error->message : g_strerror (ENAMETOOLONG));
      return NULL;
    }

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &local_error);
  if (socket == NULL)
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The listener %s cannot listen on %s: %s"),
                   G_OBJECT_TYPE_NAME (self), description, local_error->message);
      return NULL;
    }

  /* Generations on different threads wait with their own sources and accept with
   * accept(2) on the descriptor: the GSocket itself is never used concurrently. */
  g_socket_set_blocking (socket, FALSE);
  fd = g_socket_get_fd (socket);

  /* A restart of the whole program must not wait for connections in TIME_WAIT */
  if (family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, NULL);

  if (bind (fd, (struct sockaddr *) &native, (socklen_t) native_len) < 0)
    {
      int errsv = errno;

      if (errsv != EADDRINUSE || path == NULL)
        {
          set_socket_error (error, self, description, errsv);
          return NULL;
        }

      /* A socket file left behind by a process that ended */
      if (!remove_stale_socket (self, path, &native, native_len, description, error))
        return NULL;

      if (bind (fd, (struct sockaddr *) &native, (socklen_t) native_len) < 0)
        {
          set_socket_error (error, self, description, errno);
          return NULL;
        }
    }

  if (path != NULL)
    {
      struct stat st;

      if (lstat (path, &st) == 0)
        {
          priv->socket_path = g_strdup (path);
          priv->socket_dev = st.st_dev;
          priv->socket_ino = st.st_ino;
        }
    }

  if (listen (fd, priv->backlog) < 0)
    {
      int errsv = errno;

      if (priv->socket_path != NULL)
        {
          unlink (priv->socket_path);
          g_clear_pointer (&priv->socket_path, g_free);
        }
      set_socket_error (error, self, description, errsv);
      return NULL;
    }

  return g_steal_pointer (&socket);
}

/* Applies the bound environment variable, if it is set */
static gboolean
apply_env (SdListener  *self,
           GError     **error)
{
  const char *variable = lookup_config_string (G_OBJECT_TYPE (self), CONFIG_VARIABLE);
  g_autoptr(GError) local_error = NULL;
  const char *text;

  if (variable == NULL)
    return TRUE;

  text = g_getenv (variable);
  if (text == NULL || *text == '\0')
    return TRUE;

  if (!SD_LISTENER_GET_CLASS (self)->parse_address (self, text, &local_error))
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The environment variable %s of the listener %s: %s"),
                   variable, G_OBJECT_TYPE_NAME (self), local_error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
sd_listener_initable_init (GInitable     *initable,
                           GCancellable  *cancellable,
                           GError       **error)
{
  SdListener *self = SD_LISTENER (initable);
  SdListenerPrivate *priv = sd_listener_get_instance_private (self);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) local_error = NULL;
  GSocket *socket = NULL;
  gboolean bound = FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  g_mutex_lock (&priv->lock);

  if (priv->socket != NULL)
    {
      bound = TRUE;
      goto out;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error) || !apply_env (self, error))
    goto out;

  address = SD_LISTENER_GET_CLASS (self)->create_address (self, &local_error);
  if (address == NULL)
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The listener %s has no valid address: %s"),
                   G_OBJECT_TYPE_NAME (self), local_error->message);
      goto out;
    }

  socket = bind_address (self, address, error);
  if (socket != NULL)
    {
      priv->socket = socket;
      bound = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), listener_properties[LISTENER_PROP_SOCKET]);
    }

out:
  g_mutex_unlock (&priv->lock);
  g_object_thaw_notify (G_OBJECT (self));

  return bound;
}

static void
sd_listener_initable_iface_init (GInitableIface *iface)
{
  iface->init = sd_listener_initable_init;
}

static void
sd_listener_dispose (GObject *object)
{
  SdListener *self = SD_LISTENER (object);
  SdListenerPrivate *priv = sd_listener_get_instance_private (self);

  /* Remove the socket file only if it is still the one this listener made */
  if (priv->socket_path != NULL)
    {
      struct stat st;

      if (lstat (priv->socket_path, &st) == 0 && S_ISSOCK (st.st_mode) &&
          st.st_dev == priv->socket_dev && st.st_ino == priv->socket_ino)
        unlink (priv->socket_path);
      g_clear_pointer (&priv->socket_path, g_free);
    }

  g_clear_object (&priv->socket);

  G_OBJECT_CLASS (sd_listener_parent_class)->dispose (object);
}

static void
sd_listener_finalize (GObject *object)
{
  SdListener *self = SD_LISTENER (object);
  SdListenerPrivate *priv = sd_listener_get_instance_private (self);

  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (sd_listener_parent_class)->finalize (object);
}

static void
sd_listener_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SdListener *self = SD_LISTENER (object);

  switch ((SdListenerProperty) prop_id)
    {
    case LISTENER_PROP_BACKLOG:
      g_value_set_int (value, sd_listener_get_backlog (self));
      break;

    case LISTENER_PROP_SOCKET:
      g_value_set_object (value, sd_listener_get_socket (self));
      break;

    case LISTENER_N_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_listener_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SdListener *self = SD_LISTENER (object);
  SdListenerPrivate *priv = sd_listener_get_instance_private (self);

  switch ((SdListenerProperty) prop_id)
    {
    case LISTENER_PROP_BACKLOG:
      priv->backlog = g_value_get_int (value);
      break;

    case LISTENER_PROP_SOCKET:
    case LISTENER_N_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/**
 * SdListenerClass::parse_address:
 * @self: a #SdListener
 * @text: the address as text, never empty
 * @error: return location for a #GError
 *
 * Applies @text, the value of the environment variable the type is bound to, to the
 * properties of @self. Called by the initialisation, before @create_address.
 *
 * Returns: %TRUE on success; %FALSE with @error set if @text is not an address of this kind
 *
 * Since: 1.0
 */
static gboolean
sd_listener_real_parse_address (SdListener  *self,
                                const char  *text,
                                GError     **error)
{
  g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
               _("%s cannot read an address from text"), G_OBJECT_TYPE_NAME (self));
  return FALSE;
}

/**
 * SdListenerClass::create_address:
 * @self: a #SdListener
 * @error: return location for a #GError
 *
 * Builds the address to bind from the properties of @self.
 *
 * Returns: (transfer full): the address, or %NULL with @error set if the properties do not
 *   make a valid address
 *
 * Since: 1.0
 */
static GSocketAddress *
sd_listener_real_create_address (SdListener  *self,
                                 GError     **error)
{
  g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
               _("%s does not implement create_address()"), G_OBJECT_TYPE_NAME (self));
  return NULL;
}

static void
sd_listener_class_init (SdListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_listener_dispose;
  object_class->finalize = sd_listener_finalize;
  object_class->get_property = sd_listener_get_property;
  object_class->set_property = sd_listener_set_property;

  klass->parse_address = sd_listener_real_parse_address;
  klass->create_address = sd_listener_real_create_address;

  /**
   * SdListener:backlog:
   *
   * The length of the queue of connections not yet accepted, passed to `listen()`.
   *
   * Since: 1.0
   */
  listener_properties[LISTENER_PROP_BACKLOG] =
    g_param_spec_int ("backlog", NULL, NULL,
                      1, G_MAXINT, DEFAULT_BACKLOG,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                      G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SdListener:socket:
   *
   * The listening socket, once the listener is initialised. It belongs to the listener:
   * take connections with sd_listener_accept_async(), do not close it.
   *
   * Since: 1.0
   */
  listener_properties[LISTENER_PROP_SOCKET] =
    g_param_spec_object ("socket", NULL, NULL,
                         G_TYPE_SOCKET,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, LISTENER_N_PROPS, listener_properties);

  sd_provider_type_set_flags (G_TYPE_FROM_CLASS (klass), SD_PROVIDER_FLAGS_EAGER);
}

static void
sd_listener_init (SdListener *self)
{
  SdListenerPrivate *priv = sd_listener_get_instance_private (self);

  g_mutex_init (&priv->lock);
  priv->backlog = DEFAULT_BACKLOG;
}

/**
 * sd_listener_type_bind_env:
 * @listener_type: a #SdListener subtype
 * @variable: the name of an environment variable
 *
 * Binds @listener_type to the environment variable @variable: when the listener is
 * initialised and the variable is set (and not empty), its text gives the address and
 * overrides the class default and the properties. #SdTcpListener reads `PORT`,
 * `HOST:PORT`, `[IPV6]:PORT` or `HOST`; #SdUnixListener reads a path (`@NAME` for the
 * abstract namespace). Text that is not an address is a fatal initialisation error naming
 * the variable.
 *
 * Since: 1.0
 */
void
sd_listener_type_bind_env (GType       listener_type,
                           const char *variable)
{
  g_return_if_fail (g_type_is_a (listener_type, SD_TYPE_LISTENER));
  g_return_if_fail (variable != NULL && *variable != '\0');

  g_mutex_lock (&config_lock);
  ensure_config (listener_type)->variable = g_intern_string (variable);
  g_mutex_unlock (&config_lock);
}

/**
 * sd_listener_type_get_env_variable:
 * @listener_type: a #SdListener subtype
 *
 * Gets the environment variable @listener_type is bound to, by itself or through its
 * nearest ancestor that is bound to one.
 *
 * Returns: (transfer none) (nullable): the variable, or %NULL
 *
 * Since: 1.0
 */
const char *
sd_listener_type_get_env_variable (GType listener_type)
{
  g_return_val_if_fail (g_type_is_a (listener_type, SD_TYPE_LISTENER), NULL);

  return lookup_config_string (listener_type, CONFIG_VARIABLE);
}

/**
 * sd_listener_get_socket:
 * @self: a #SdListener
 *
 * Gets the listening socket. It belongs to the listener and is shared by every user; use
 * it to read options or the local address, not to accept (see sd_listener_accept_async())
 * or to close it.
 *
 * Returns: (transfer none) (nullable): the socket, or %NULL before the listener is
 *   initialised
 *
 * Since: 1.0
 */
GSocket *
sd_listener_get_socket (SdListener *self)
{
  SdListenerPrivate *priv = sd_listener_get_instance_private (self);

  g_return_val_if_fail (SD_IS_LISTENER (self), NULL);

  return priv->socket;
}

/**
 * sd_listener_get_backlog:
 * @self: a #SdListener
 *
 * Gets #SdListener:backlog.
 *
 * Returns: the length of the queue of pending connections
 *
 * Since: 1.0
 */
int
sd_listener_get_backlog (SdListener *self)
{
  SdListenerPrivate *priv = sd_listener_get_instance_private (self);

  g_return_val_if_fail (SD_IS_LISTENER (self), 0);

  return priv->backlog;
}

/**
 * sd_listener_dup_local_address:
 * @self: a #SdListener
 *
 * Gets the address the socket is bound to — with the actual port when the listener asked
 * for any free port.
 *
 * Returns: (transfer full) (nullable): the bound address, or %NULL before the listener is
 *   initialised
 *
 * Since: 1.0
 */
GSocketAddress *
sd_listener_dup_local_address (SdListener *self)
{
  SdListenerPrivate *priv = sd_listener_get_instance_private (self);

  g_return_val_if_fail (SD_IS_LISTENER (self), NULL);

  if (priv->socket == NULL)
    return NULL;

  return g_socket_get_local_address (priv->socket, NULL);
}

/**
 * sd_listener_dup_connectable:
 * @self: a #SdListener
 *
 * Gets an address a client in the same program or on the same machine can connect to, for
 * example with g_socket_client_connect_async(): the bound address, where a wildcard address
 * (`0.0.0.0`, `::`) is replaced by the loopback address of its family.
 *
 * Returns: (transfer full) (nullable): the address to connect to, or %NULL before the
 *   listener is initialised
 *
 * Since: 1.0
 */
GSocketConnectable *
sd_listener_dup_connectable (SdListener *self)
{
  g_autoptr(GSocketAddress) local = NULL;

  g_return_val_if_fail (SD_IS_LISTENER (self), NULL);

  local = sd_listener_dup_local_address (self);
  if (local == NULL)
    return NULL;

  if (G_IS_INET_SOCKET_ADDRESS (local))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (local);
      GInetAddress *host = g_inet_socket_address_get_address (inet);

      if (g_inet_address_get_is_any (host))
        {
          g_autoptr(GInetAddress) loopback =
            g_inet_address_new_loopback (g_inet_address_get_family (host));

          return G_SOCKET_CONNECTABLE (g_inet_socket_address_new (loopback,
                                                                  g_inet_socket_address_get_port (inet)));
        }
    }

  return G_SOCKET_CONNECTABLE (g_steal_pointer (&local));
}

/**
 * sd_listener_dup_address_string:
 * @self: a #SdListener
 *
 * Describes the address of the listener for people: `127.0.0.1:8080`, `[::1]:8080`, a path,
 * or `@NAME` for the abstract namespace. Once the listener is initialised this is the bound
 * address (with the actual port); before, the configured one.
 *
 * Returns: (transfer full) (nullable): the address, or %NULL if the configured address is
 *   not valid
 *
 * Since: 1.0
 */
char *
sd_listener_dup_address_string (SdListener *self)
{
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (SD_IS_LISTENER (self), NULL);

  address = sd_listener_dup_local_address (self);
  if (address == NULL)
    address = SD_LISTENER_GET_CLASS (self)->create_address (self, NULL);
  if (address == NULL)
    return NULL;

  return describe_address (address);
}

/* One accept(2). Sets @again when there is nothing to take (another generation was faster,
 * or the client gave up). */
static GSocketConnection *
accept_once (SdListener  *self,
             GSocket     *socket,
             gboolean    *again,
             GError     **error)
{
  g_autoptr(GSocket) client = NULL;
  int fd;

  *again = FALSE;

  do
    fd = accept (g_socket_get_fd (socket), NULL, NULL);
  while (fd < 0 && errno == EINTR);

  if (fd < 0)
    {
      int errsv = errno;

      if (errsv == EAGAIN || errsv == EWOULDBLOCK || errsv == ECONNABORTED)
        {
          *again = TRUE;
          return NULL;
        }

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("The listener %s cannot accept a connection: %s"),
                   G_OBJECT_TYPE_NAME (self), g_strerror (errsv));
      return NULL;
    }

  fcntl (fd, F_SETFD, FD_CLOEXEC);

  client = g_socket_new_from_fd (fd, error);
  if (client == NULL)
    {
      close (fd);
      return NULL;
    }

  return g_socket_connection_factory_create_connection (client);
}

static GSocket *
dup_socket_or_error (SdListener  *self,
                     GError     **error)
{
  SdListenerPrivate *priv = sd_listener_get_instance_private (self);

  if (priv->socket == NULL)
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_STATE,
                   _("The listener %s is not initialised"), G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  return g_object_ref (priv->socket);
}

/**
 * sd_listener_accept:
 * @self: a #SdListener
 * @cancellable: (nullable): a #GCancellable, typically the generation's #SdContext
 * @error: return location for a #GError
 *
 * Waits for a connection and accepts it, blocking the calling thread: for blocking services.
 * Any number of threads may wait at once; each connection goes to one of them.
 *
 * Returns: (transfer full): the connection, or %NULL with @error set (%G_IO_ERROR_CANCELLED
 *   when @cancellable was cancelled)
 *
 * Since: 1.0
 */
GSocketConnection *
sd_listener_accept (SdListener    *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  GPollFD fds[2];
  guint n_fds = 1;
  GSocketConnection *connection = NULL;

  g_return_val_if_fail (SD_IS_LISTENER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  socket = dup_socket_or_error (self, error);
  if (socket == NULL)
    return NULL;

  fds[0].fd = g_socket_get_fd (socket);
  fds[0].events = G_IO_IN;
  if (g_cancellable_make_pollfd (cancellable, &fds[1]))
    n_fds = 2;

  while (!g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      gboolean again;

      connection = accept_once (self, socket, &again, error);
      if (!again)
        break;

      fds[0].revents = 0;
      if (n_fds == 2)
        fds[1].revents = 0;
      g_poll (fds, n_fds, -1);
    }

  if (n_fds == 2)
    g_cancellable_release_fd (cancellable);

  return connection;
}

static gboolean
accept_ready_cb (int          fd,
                 GIOCondition condition,
                 gpointer     data)
{
  GTask *task = data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;
  gboolean again;

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  connection = accept_once (g_task_get_source_object (task), g_task_get_task_data (task),
                            &again, &error);
  if (again)
    return G_SOURCE_CONTINUE;

  if (connection != NULL)
    g_task_return_pointer (task, connection, g_object_unref);
  else
    g_task_return_error (task, g_steal_pointer (&error));

  return G_SOURCE_REMOVE;
}

/**
 * sd_listener_accept_async:
 * @self: a #SdListener
 * @cancellable: (nullable): a #GCancellable, typically the generation's #SdContext
 * @callback: (scope async): called when a connection was accepted or the wait failed
 * @user_data: data for @callback
 *
 * Waits for a connection on the thread-default #GMainContext of the caller — the lane of an
 * asynchronous service — and accepts it. Any number of waits, from any threads, may be
 * pending at once; each connection goes to one of them. Cancelling @cancellable (the
 * generation's context is cancelled when it must stop) ends the wait; the socket stays
 * open for the next generation.
 *
 * Since: 1.0
 */
void
sd_listener_accept_async (SdListener          *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSource) source = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  g_return_if_fail (SD_IS_LISTENER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_listener_accept_async);
  /* A connection that was accepted is delivered even if the wait was cancelled meanwhile:
   * dropping it would lose a client. */
  g_task_set_check_cancellable (task, FALSE);

  socket = dup_socket_or_error (self, &error);
  if (socket == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, socket, g_object_unref);

  source = g_unix_fd_source_new (g_socket_get_fd (socket), G_IO_IN);
  if (cancellable != NULL)
    {
      g_autoptr(GSource) cancel_source = g_cancellable_source_new (cancellable);

      /* The parent's callback sees the cancellation */
      g_source_set_dummy_callback (cancel_source);
      g_source_add_child_source (source, cancel_source);
    }
  g_source_set_static_name (source, "[sd] listener accept");
  g_task_attach_source (task, source, G_SOURCE_FUNC (accept_ready_cb));
}

/**
 * sd_listener_accept_finish:
 * @self: a #SdListener
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes sd_listener_accept_async().
 *
 * Returns: (transfer full): the connection, or %NULL with @error set (%G_IO_ERROR_CANCELLED
 *   when the wait was cancelled)
 *
 * Since: 1.0
 */
GSocketConnection *
sd_listener_accept_finish (SdListener    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (SD_IS_LISTENER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sd_listener_accept_async, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- TCP ---- */

typedef struct
{
  char     *address;      /* (owned) */
  guint     port;
  gboolean  address_set;  /* given to g_object_new() or set later */
  gboolean  port_set;
} SdTcpListenerPrivate;

typedef enum {
  TCP_PROP_ADDRESS = 1,
  TCP_PROP_PORT,
  TCP_PROP_BOUND_PORT,
  TCP_N_PROPS
} SdTcpListenerProperty;

static GParamSpec *tcp_properties[TCP_N_PROPS];

G_DEFINE_TYPE_WITH_PRIVATE (SdTcpListener, sd_tcp_listener, SD_TYPE_LISTENER)

static void
tcp_set_address (SdTcpListener *self,
                 const char    *address)
{
  SdTcpListenerPrivate *priv = sd_tcp_listener_get_instance_private (self);

  if (g_strcmp0 (priv->address, address) == 0)
    return;

  g_free (priv->address);
  priv->address = g_strdup (address);
  g_object_notify_by_pspec (G_OBJECT (self), tcp_properties[TCP_PROP_ADDRESS]);
}

static void
tcp_set_port (SdTcpListener *self,
              guint          port)
{
  SdTcpListenerPrivate *priv = sd_tcp_listener_get_instance_private (self);

  if (priv->port == port)
    return;

  priv->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), tcp_properties[TCP_PROP_PORT]);
}

static GInetAddress *
parse_host (const char  *host,
            GError     **error)
{
  GInetAddress *address;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not an IP address or “localhost”"), host);

  return address;
}

static gboolean
parse_port (const char  *text,
            guint       *port,
            GError     **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT16, &value, NULL))
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a port number (0 to 65535)"), text);
      return FALSE;
    }

  *port = (guint) value;
  return TRUE;
}

/* PORT, HOST:PORT, [IPV6]:PORT or HOST */
static gboolean
sd_tcp_listener_parse_address (SdListener  *listener,
                               const char  *text,
                               GError     **error)
{
  SdTcpListener *self = SD_TCP_LISTENER (listener);
  g_autoptr(GInetAddress) checked = NULL;
  g_autofree char *host = NULL;
  const char *port_text = NULL;
  guint port = 0;

  if (g_ascii_isdigit (text[0]) && strspn (text, "0123456789") == strlen (text))
    port_text = text;
  else if (text[0] == '[')
    {
      const char *end = strchr (text, ']');

      if (end == NULL || (end[1] != '\0' && end[1] != ':'))
        {
          g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a TCP address (PORT, HOST:PORT, [IPV6]:PORT or HOST)"),
                       text);
          return FALSE;
        }
      host = g_strndup (text + 1, end - text - 1);
      if (end[1] == ':')
        port_text = end + 2;
    }
  else
    {
      const char *colon = strchr (text, ':');

      if (colon != NULL && strchr (colon + 1, ':') != NULL)
        {
          /* Several colons: an IPv6 address without brackets, which has no port */
          host = g_strdup (text);
        }
      else if (colon != NULL)
        {
          host = g_strndup (text, colon - text);
          port_text = colon + 1;
        }
      else
        host = g_strdup (text);
    }

  if (host != NULL)
    {
      checked = parse_host (host, error);
      if (checked == NULL)
        return FALSE;
    }
  if (port_text != NULL && !parse_port (port_text, &port, error))
    return FALSE;

  if (host != NULL)
    tcp_set_address (self, host);
  if (port_text != NULL)
    tcp_set_port (self, port);

  return TRUE;
}

static GSocketAddress *
sd_tcp_listener_create_address (SdListener  *listener,
                                GError     **error)
{
  SdTcpListenerPrivate *priv = sd_tcp_listener_get_instance_private (SD_TCP_LISTENER (listener));
  g_autoptr(GInetAddress) host = parse_host (priv->address, error);

  if (host == NULL)
    return NULL;

  return g_inet_socket_address_new (host, (guint16) priv->port);
}

static void
sd_tcp_listener_finalize (GObject *object)
{
  SdTcpListenerPrivate *priv = sd_tcp_listener_get_instance_private (SD_TCP_LISTENER (object));

  g_clear_pointer (&priv->address, g_free);

  G_OBJECT_CLASS (sd_tcp_listener_parent_class)->finalize (object);
}

static void
sd_tcp_listener_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SdTcpListener *self = SD_TCP_LISTENER (object);

  switch ((SdTcpListenerProperty) prop_id)
    {
    case TCP_PROP_ADDRESS:
      g_value_set_string (value, sd_tcp_listener_get_address (self));
      break;

    case TCP_PROP_PORT:
      g_value_set_uint (value, sd_tcp_listener_get_port (self));
      break;

    case TCP_PROP_BOUND_PORT:
      g_value_set_uint (value, sd_tcp_listener_get_bound_port (self));
      break;

    case TCP_N_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_tcp_listener_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SdTcpListener *self = SD_TCP_LISTENER (object);
  SdTcpListenerPrivate *priv = sd_tcp_listener_get_instance_private (self);

  switch ((SdTcpListenerProperty) prop_id)
    {
    case TCP_PROP_ADDRESS:
      priv->address_set = g_value_get_string (value) != NULL;
      if (priv->address_set)
        tcp_set_address (self, g_value_get_string (value));
      break;

    case TCP_PROP_PORT:
      priv->port_set = TRUE;
      tcp_set_port (self, g_value_get_uint (value));
      break;

    case TCP_PROP_BOUND_PORT:
    case TCP_N_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Class defaults fill what g_object_new() was not given */
static void
sd_tcp_listener_constructed (GObject *object)
{
  SdTcpListener *self = SD_TCP_LISTENER (object);
  SdTcpListenerPrivate *priv = sd_tcp_listener_get_instance_private (self);

  G_OBJECT_CLASS (sd_tcp_listener_parent_class)->constructed (object);

  if (!priv->address_set)
    {
      const char *address = lookup_config_string (G_OBJECT_TYPE (self), CONFIG_TCP_ADDRESS);

      g_free (priv->address);
      priv->address = g_strdup (address ? address : DEFAULT_TCP_ADDRESS);
    }

  if (!priv->port_set)
    {
      int port = lookup_config_port (G_OBJECT_TYPE (self));

      priv->port = port >= 0 ? (guint) port : 0;
    }
}

/* The bound port changes with the socket */
static void
sd_tcp_listener_notify (GObject    *object,
                        GParamSpec *pspec)
{
  if (pspec == listener_properties[LISTENER_PROP_SOCKET])
    g_object_notify_by_pspec (object, tcp_properties[TCP_PROP_BOUND_PORT]);

  if (G_OBJECT_CLASS (sd_tcp_listener_parent_class)->notify != NULL)
    G_OBJECT_CLASS (sd_tcp_listener_parent_class)->notify (object, pspec);
}

static void
sd_tcp_listener_class_init (SdTcpListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdListenerClass *listener_class = SD_LISTENER_CLASS (klass);

  object_class->constructed = sd_tcp_listener_constructed;
  object_class->finalize = sd_tcp_listener_finalize;
  object_class->get_property = sd_tcp_listener_get_property;
  object_class->set_property = sd_tcp_listener_set_property;
  object_class->notify = sd_tcp_listener_notify;

  listener_class->parse_address = sd_tcp_listener_parse_address;
  listener_class->create_address = sd_tcp_listener_create_address;

  /**
   * SdTcpListener:address:
   *
   * The IP address to bind: an IPv4 or IPv6 literal, or `localhost`. Without a value the
   * class default (sd_tcp_listener_type_set_default()) applies, else `127.0.0.1`. Read when
   * the listener is initialised.
   *
   * Since: 1.0
   */
  tcp_properties[TCP_PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SdTcpListener:port:
   *
   * The port to bind; 0 binds any free port. Without a value the class default applies,
   * else 0. Read when the listener is initialised.
   *
   * Since: 1.0
   */
  tcp_properties[TCP_PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL,
                       0, G_MAXUINT16, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SdTcpListener:bound-port:
   *
   * The port the socket is bound to, 0 until the listener is initialised.
   *
   * Since: 1.0
   */
  tcp_properties[TCP_PROP_BOUND_PORT] =
    g_param_spec_uint ("bound-port", NULL, NULL,
                       0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, TCP_N_PROPS, tcp_properties);
}

static void
sd_tcp_listener_init (SdTcpListener *self)
{
}

/**
 * sd_tcp_listener_type_set_default:
 * @listener_type: a #SdTcpListener subtype
 * @address: (nullable): the default address, or %NULL for `127.0.0.1`
 * @port: the default port (0 to 65535; 0 binds any free port)
 *
 * Sets the default address of @listener_type, typically in its `class_init`. Subtypes
 * inherit it; #SdTcpListener:address and #SdTcpListener:port given to g_object_new() and a
 * bound environment variable override it.
 *
 * Since: 1.0
 */
void
sd_tcp_listener_type_set_default (GType       listener_type,
                                  const char *address,
                                  guint       port)
{
  SdListenerConfig *config;

  g_return_if_fail (g_type_is_a (listener_type, SD_TYPE_TCP_LISTENER));
  g_return_if_fail (port <= G_MAXUINT16);

  g_mutex_lock (&config_lock);
  config = ensure_config (listener_type);
  config->tcp_address = g_intern_string (address ? address : DEFAULT_TCP_ADDRESS);
  config->tcp_port = (int) port;
  g_mutex_unlock (&config_lock);
}

/**
 * sd_tcp_listener_get_address:
 * @self: a #SdTcpListener
 *
 * Gets #SdTcpListener:address: the configured address (from a bound environment variable
 * once the listener is initialised).
 *
 * Returns: (transfer none): the address
 *
 * Since: 1.0
 */
const char *
sd_tcp_listener_get_address (SdTcpListener *self)
{
  SdTcpListenerPrivate *priv = sd_tcp_listener_get_instance_private (self);

  g_return_val_if_fail (SD_IS_TCP_LISTENER (self), NULL);

  return priv->address;
}

/**
 * sd_tcp_listener_get_port:
 * @self: a #SdTcpListener
 *
 * Gets #SdTcpListener:port: the configured port, which is 0 for any free port. See
 * sd_tcp_listener_get_bound_port() for the port the socket got.
 *
 * Returns: the configured port
 *
 * Since: 1.0
 */
guint
sd_tcp_listener_get_port (SdTcpListener *self)
{
  SdTcpListenerPrivate *priv = sd_tcp_listener_get_instance_private (self);

  g_return_val_if_fail (SD_IS_TCP_LISTENER (self), 0);

  return priv->port;
}

/**
 * sd_tcp_listener_get_bound_port:
 * @self: a #SdTcpListener
 *
 * Gets #SdTcpListener:bound-port: the port the socket is bound to.
 *
 * Returns: the bound port, or 0 before the listener is initialised
 *
 * Since: 1.0
 */
guint
sd_tcp_listener_get_bound_port (SdTcpListener *self)
{
  g_autoptr(GSocketAddress) local = NULL;

  g_return_val_if_fail (SD_IS_TCP_LISTENER (self), 0);

  local = sd_listener_dup_local_address (SD_LISTENER (self));
  if (local == NULL || !G_IS_INET_SOCKET_ADDRESS (local))
    return 0;

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/* ---- Unix ---- */

typedef struct
{
  char     *path;      /* (owned) (nullable): absolute, or @NAME */
  gboolean  path_set;  /* given to g_object_new() or set later */
} SdUnixListenerPrivate;

typedef enum {
  UNIX_PROP_PATH = 1,
  UNIX_N_PROPS
} SdUnixListenerProperty;

static GParamSpec *unix_properties[UNIX_N_PROPS];

G_DEFINE_TYPE_WITH_PRIVATE (SdUnixListener, sd_unix_listener, SD_TYPE_LISTENER)

/* Relative paths are taken in the user's runtime directory */
static char *
resolve_unix_path (const char *path)
{
  const char *runtime_dir;

  if (path == NULL || path[0] == '/' || path[0] == '@')
    return g_strdup (path);

  runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  if (runtime_dir == NULL || !g_path_is_absolute (runtime_dir))
    runtime_dir = g_get_tmp_dir ();

  return g_build_filename (runtime_dir, path, NULL);
}

static void
unix_set_path (SdUnixListener *self,
               const char     *path)
{
  SdUnixListenerPrivate *priv = sd_unix_listener_get_instance_private (self);
  g_autofree char *resolved = resolve_unix_path (path);

  if (g_strcmp0 (priv->path, resolved) == 0)
    return;

  g_free (priv->path);
  priv->path = g_steal_pointer (&resolved);
  g_object_notify_by_pspec (G_OBJECT (self), unix_properties[UNIX_PROP_PATH]);
}

static gboolean
sd_unix_listener_parse_address (SdListener  *listener,
                                const char  *text,
                                GError     **error)
{
  unix_set_path (SD_UNIX_LISTENER (listener), text);

  return TRUE;
}

static GSocketAddress *
sd_unix_listener_create_address (SdListener  *listener,
                                 GError     **error)
{
  SdUnixListenerPrivate *priv = sd_unix_listener_get_instance_private (SD_UNIX_LISTENER (listener));
  const char *path = priv->path;
  GUnixSocketAddressType type = G_UNIX_SOCKET_ADDRESS_PATH;

  if (path == NULL || path[0] == '\0' || g_str_equal (path, "@"))
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("no path: set the path property, a class default or an environment variable"));
      return NULL;
    }

  if (path[0] == '@')
    {
      path++;
      type = G_UNIX_SOCKET_ADDRESS_ABSTRACT;
    }

  /* sun_path holds a file's path and its terminating zero, or a zero and an abstract name */
  if (strlen (path) >= sizeof (((struct sockaddr_un *) NULL)->sun_path))
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("the socket path “%s” is too long"), priv->path);
      return NULL;
    }

  return g_unix_socket_address_new_with_type (path, -1, type);
}

static void
sd_unix_listener_finalize (GObject *object)
{
  SdUnixListenerPrivate *priv = sd_unix_listener_get_instance_private (SD_UNIX_LISTENER (object));

  g_clear_pointer (&priv->path, g_free);

  G_OBJECT_CLASS (sd_unix_listener_parent_class)->finalize (object);
}

static void
sd_unix_listener_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SdUnixListener *self = SD_UNIX_LISTENER (object);

  switch ((SdUnixListenerProperty) prop_id)
    {
    case UNIX_PROP_PATH:
      g_value_set_string (value, sd_unix_listener_get_path (self));
      break;

    case UNIX_N_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_unix_listener_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SdUnixListener *self = SD_UNIX_LISTENER (object);
  SdUnixListenerPrivate *priv = sd_unix_listener_get_instance_private (self);

  switch ((SdUnixListenerProperty) prop_id)
    {
    case UNIX_PROP_PATH:
      priv->path_set = g_value_get_string (value) != NULL;
      if (priv->path_set)
        unix_set_path (self, g_value_get_string (value));
      break;

    case UNIX_N_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_unix_listener_constructed (GObject *object)
{
  SdUnixListener *self = SD_UNIX_LISTENER (object);
  SdUnixListenerPrivate *priv = sd_unix_listener_get_instance_private (self);

  G_OBJECT_CLASS (sd_unix_listener_parent_class)->constructed (object);

  if (!priv->path_set)
    {
      g_free (priv->path);
      priv->path = resolve_unix_path (lookup_config_string (G_OBJECT_TYPE (self),
                                                            CONFIG_UNIX_PATH));
    }
}

static void
sd_unix_listener_class_init (SdUnixListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdListenerClass *listener_class = SD_LISTENER_CLASS (klass);

  object_class->constructed = sd_unix_listener_constructed;
  object_class->finalize = sd_unix_listener_finalize;
  object_class->get_property = sd_unix_listener_get_property;
  object_class->set_property = sd_unix_listener_set_property;

  listener_class->parse_address = sd_unix_listener_parse_address;
  listener_class->create_address = sd_unix_listener_create_address;

  /**
   * SdUnixListener:path:
   *
   * The path of the socket: absolute, relative to the user's runtime directory, or `@NAME`
   * for the abstract namespace. Reads back as the resolved path. Without a value the class
   * default (sd_unix_listener_type_set_default_path()) applies. Read when the listener is
   * initialised.
   *
   * Since: 1.0
   */
  unix_properties[UNIX_PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, UNIX_N_PROPS, unix_properties);
}

static void
sd_unix_listener_init (SdUnixListener *self)
{
}

/**
 * sd_unix_listener_type_set_default_path:
 * @listener_type: a #SdUnixListener subtype
 * @path: the default path: absolute, relative to the user's runtime directory, or `@NAME`
 *
 * Sets the default path of @listener_type, typically in its `class_init`. Subtypes inherit
 * it; #SdUnixListener:path given to g_object_new() and a bound environment variable
 * override it. A relative path is resolved when a listener is created.
 *
 * Since: 1.0
 */
void
sd_unix_listener_type_set_default_path (GType       listener_type,
                                        const char *path)
{
  g_return_if_fail (g_type_is_a (listener_type, SD_TYPE_UNIX_LISTENER));
  g_return_if_fail (path != NULL && *path != '\0');

  g_mutex_lock (&config_lock);
  ensure_config (listener_type)->unix_path = g_intern_string (path);
  g_mutex_unlock (&config_lock);
}

/**
 * sd_unix_listener_get_path:
 * @self: a #SdUnixListener
 *
 * Gets #SdUnixListener:path: the resolved path of the socket (from a bound environment
 * variable once the listener is initialised), for example for a client to connect to with
 * g_unix_socket_address_new().
 *
 * Returns: (transfer none) (nullable): the path, `@NAME` for the abstract namespace, or
 *   %NULL if none is configured
 *
 * Since: 1.0
 */
const char *
sd_unix_listener_get_path (SdUnixListener *self)
{
  SdUnixListenerPrivate *priv = sd_unix_listener_get_instance_private (self);

  g_return_val_if_fail (SD_IS_UNIX_LISTENER (self), NULL);

  return priv->path;
}
