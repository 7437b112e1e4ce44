/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A listener and a connector on a Unix-domain socket.
 *
 * - "EchoListener", a provider (SdUnixListener), binds the socket before the first startup
 *   wave. Its path is a class default, `sd-example-echo.sock` in $XDG_RUNTIME_DIR (or the
 *   temporary directory), unless the environment variable SD_EXAMPLE_ECHO_SOCKET names
 *   another one. A busy path is retried; a path that cannot work stops the program at once.
 * - "echo-server" (priority STORAGE, asynchronous) accepts connections on the listener —
 *   the socket belongs to the provider, so a restart of the service keeps it — and answers
 *   every line with "echo: LINE".
 * - "echo-client" (priority DEFAULT, blocking) starts in the next wave, connects to the
 *   listener's path with GSocketClient and sends a line every second.
 *
 * Both services get the same EchoListener, injected by type when the daemon is built. On
 * Ctrl-C the client stops first, then the server; the listener removes the socket file.
 *
 *   [SD_EXAMPLE_ECHO_SOCKET=PATH] sd-example-unix-domain-socket [--duration=SECONDS]
 */

#include <string.h>

#include <gio/gunixsocketaddress.h>
#include <sd.h>

/* ---- the listener: a provider type of its own ---- */

#define ECHO_TYPE_LISTENER (echo_listener_get_type ())
G_DECLARE_FINAL_TYPE (EchoListener, echo_listener, ECHO, LISTENER, SdUnixListener)

struct _EchoListener
{
  SdUnixListener parent_instance;
};

G_DEFINE_FINAL_TYPE (EchoListener, echo_listener, SD_TYPE_UNIX_LISTENER)

static void
echo_listener_class_init (EchoListenerClass *klass)
{
  /* Relative: in $XDG_RUNTIME_DIR, or the temporary directory */
  sd_unix_listener_type_set_default_path (G_TYPE_FROM_CLASS (klass), "sd-example-echo.sock");
  sd_listener_type_bind_env (G_TYPE_FROM_CLASS (klass), "SD_EXAMPLE_ECHO_SOCKET");
}

static void
echo_listener_init (EchoListener *self)
{
}

/* Both services declare the dependency the same way: a construct-only property */
static GParamSpec *
listener_param_spec (void)
{
  return g_param_spec_object ("listener", NULL, NULL, ECHO_TYPE_LISTENER,
                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                              G_PARAM_STATIC_STRINGS);
}

/* ---- echo-server: an asynchronous service that accepts connections ---- */

#define ECHO_TYPE_SERVER (echo_server_get_type ())
G_DECLARE_FINAL_TYPE (EchoServer, echo_server, ECHO, SERVER, SdService)

struct _EchoServer
{
  SdService     parent_instance;
  EchoListener *listener;  /* (owned) */
  guint         n_clients;
};

enum {
  SERVER_PROP_LISTENER = 1,
  SERVER_N_PROPS
};

G_DEFINE_FINAL_TYPE (EchoServer, echo_server, SD_TYPE_SERVICE)

/* One client connection: read a line, write it back, until the client goes away or the
 * generation stops (the cancellable is the generation's context). */
typedef struct
{
  GSocketConnection *connection;  /* (owned) */
  GDataInputStream  *input;       /* (owned) */
  GCancellable      *cancellable; /* (owned) */
  char              *reply;       /* (owned) (nullable) */
  guint              id;
} Session;

static void session_read_next (Session *session);

static void
session_free (Session *session)
{
  g_io_stream_close (G_IO_STREAM (session->connection), NULL, NULL);
  g_clear_object (&session->connection);
  g_clear_object (&session->input);
  g_clear_object (&session->cancellable);
  g_clear_pointer (&session->reply, g_free);
  g_free (session);
}

static void
session_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      data)
{
  Session *session = data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    {
      session_free (session);
      return;
    }

  session_read_next (session);
}

static void
session_line_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  Session *session = data;
  g_autofree char *line = NULL;
  GOutputStream *output;

  line = g_data_input_stream_read_line_finish_utf8 (session->input, result, NULL, NULL);
  if (line == NULL)
    {
      /* End of stream, an error or a stop */
      g_print ("echo-server: client %u left\n", session->id);
      session_free (session);
      return;
    }

  g_print ("echo-server: client %u says \"%s\"\n", session->id, line);

  g_free (session->reply);
  session->reply = g_strdup_printf ("echo: %s\n", line);
  output = g_io_stream_get_output_stream (G_IO_STREAM (session->connection));
  g_output_stream_write_all_async (output, session->reply, strlen (session->reply),
                                   G_PRIORITY_DEFAULT, session->cancellable,
                                   session_written_cb, session);
}

static void
session_read_next (Session *session)
{
  g_data_input_stream_read_line_async (session->input, G_PRIORITY_DEFAULT,
                                       session->cancellable, session_line_cb, session);
}

static void accept_next (GTask *task);

static void
accepted_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  EchoServer *self = g_task_get_source_object (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  Session *session;

  connection = sd_listener_accept_finish (SD_LISTENER (object), result, &error);
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* The generation must stop; the socket stays open with the listener */
          g_print ("echo-server: stopping after %u clients\n", self->n_clients);
          g_task_return_boolean (task, TRUE);
        }
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  session = g_new0 (Session, 1);
  session->id = ++self->n_clients;
  session->connection = g_steal_pointer (&connection);
  session->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (session->connection)));
  session->cancellable = g_object_ref (g_task_get_cancellable (task));
  g_print ("echo-server: client %u connected\n", session->id);
  session_read_next (session);

  accept_next (g_steal_pointer (&task));
}

static void
accept_next (GTask *task)
{
  EchoServer *self = g_task_get_source_object (task);

  sd_listener_accept_async (SD_LISTENER (self->listener), g_task_get_cancellable (task),
                            accepted_cb, task);
}

static void
echo_server_run_async (SdService           *service,
                       SdContext           *context,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  EchoServer *self = ECHO_SERVER (service);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, echo_server_run_async);
  g_print ("echo-server: listening on %s (generation %u)\n",
           sd_unix_listener_get_path (SD_UNIX_LISTENER (self->listener)),
           sd_context_get_generation (context));

  /* The socket is bound and listening already: the service is up */
  sd_context_done (context);
  accept_next (task);
}

static void
echo_server_finalize (GObject *object)
{
  EchoServer *self = ECHO_SERVER (object);

  g_clear_object (&self->listener);

  G_OBJECT_CLASS (echo_server_parent_class)->finalize (object);
}

static void
echo_server_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  EchoServer *self = ECHO_SERVER (object);

  switch (prop_id)
    {
    case SERVER_PROP_LISTENER:
      g_value_set_object (value, self->listener);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
echo_server_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  EchoServer *self = ECHO_SERVER (object);

  switch (prop_id)
    {
    case SERVER_PROP_LISTENER:
      self->listener = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
echo_server_class_init (EchoServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdServiceClass *service_class = SD_SERVICE_CLASS (klass);

  object_class->finalize = echo_server_finalize;
  object_class->get_property = echo_server_get_property;
  object_class->set_property = echo_server_set_property;
  service_class->run_async = echo_server_run_async;

  g_object_class_install_property (object_class, SERVER_PROP_LISTENER, listener_param_spec ());

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "name", "echo-server",
                                "priority", SD_PRIORITY_STORAGE,
                                NULL);
}

static void
echo_server_init (EchoServer *self)
{
}

/* ---- echo-client: a blocking service that connects to the listener's path ---- */

#define ECHO_TYPE_CLIENT (echo_client_get_type ())
G_DECLARE_FINAL_TYPE (EchoClient, echo_client, ECHO, CLIENT, SdService)

struct _EchoClient
{
  SdService     parent_instance;
  EchoListener *listener;  /* (owned) */
};

enum {
  CLIENT_PROP_LISTENER = 1,
  CLIENT_N_PROPS
};

G_DEFINE_FINAL_TYPE (EchoClient, echo_client, SD_TYPE_SERVICE)

static gboolean
echo_client_run (SdService  *service,
                 SdContext  *context,
                 GError    **error)
{
  EchoClient *self = ECHO_CLIENT (service);
  GCancellable *cancellable = G_CANCELLABLE (context);
  const char *path = sd_unix_listener_get_path (SD_UNIX_LISTENER (self->listener));
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  GOutputStream *output;
  guint n = 0;

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), cancellable,
                                        error);
  if (connection == NULL)
    return FALSE;  /* an ordinary failure: restarted after a backoff */

  g_print ("echo-client: connected to %s\n", path);
  input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  /* The first sd_context_is_shutdown() is also the handshake */
  while (!sd_context_is_shutdown (context))
    {
      g_autofree char *message = g_strdup_printf ("ping %u\n", ++n);
      g_autofree char *reply = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!g_output_stream_write_all (output, message, strlen (message), NULL, cancellable,
                                      &local_error) ||
          (reply = g_data_input_stream_read_line_utf8 (input, NULL, cancellable,
                                                       &local_error)) == NULL)
        {
          if (sd_context_is_shutdown (context))
            break;
          if (local_error == NULL)
            g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                         "the server closed the connection");
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      message[strlen (message) - 1] = '\0';
      g_print ("echo-client: sent \"%s\", received \"%s\"\n", message, reply);

      if (!sd_context_sleep (context, 1000))
        break;
    }

  g_print ("echo-client: stopping after %u exchanges\n", n);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  return TRUE;
}

static void
echo_client_finalize (GObject *object)
{
  EchoClient *self = ECHO_CLIENT (object);

  g_clear_object (&self->listener);

  G_OBJECT_CLASS (echo_client_parent_class)->finalize (object);
}

static void
echo_client_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  EchoClient *self = ECHO_CLIENT (object);

  switch (prop_id)
    {
    case CLIENT_PROP_LISTENER:
      g_value_set_object (value, self->listener);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
echo_client_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  EchoClient *self = ECHO_CLIENT (object);

  switch (prop_id)
    {
    case CLIENT_PROP_LISTENER:
      self->listener = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
echo_client_class_init (EchoClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdServiceClass *service_class = SD_SERVICE_CLASS (klass);

  object_class->finalize = echo_client_finalize;
  object_class->get_property = echo_client_get_property;
  object_class->set_property = echo_client_set_property;
  service_class->run = echo_client_run;

  g_object_class_install_property (object_class, CLIENT_PROP_LISTENER, listener_param_spec ());

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "name", "echo-client",
                                "priority", SD_PRIORITY_DEFAULT,
                                NULL);
}

static void
echo_client_init (EchoClient *self)
{
}

/* ---- the program ---- */

static void
on_ready (SdDaemon *daemon,
          gpointer  user_data)
{
  g_print ("== all services started (press Ctrl-C to stop) ==\n");
}

static gboolean
on_duration_elapsed (gpointer user_data)
{
  SdDaemon *daemon = user_data;

  g_print ("== duration elapsed: shutting down ==\n");
  sd_daemon_shutdown (daemon);

  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(SdDaemon) daemon = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSource) duration_source = NULL;
  int duration = 0;
  const GOptionEntry entries[] = {
    { "duration", 'd', 0, G_OPTION_ARG_INT, &duration,
      "Shut down by itself after SECONDS", "SECONDS" },
    { NULL }
  };

  option_context = g_option_context_new ("- an echo server and its client on a Unix-domain socket");
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  daemon = sd_daemon_new ();
  g_signal_connect (daemon, "ready", G_CALLBACK (on_ready), NULL);

  /* The listener is not added: the daemon creates it because both services need it */
  if (!sd_daemon_add_service_type (daemon, ECHO_TYPE_SERVER, &error) ||
      !sd_daemon_add_service_type (daemon, ECHO_TYPE_CLIENT, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  if (duration > 0)
    {
      duration_source = g_timeout_source_new_seconds (duration);
      g_source_set_callback (duration_source, on_duration_elapsed, daemon, NULL);
      g_source_attach (duration_source, NULL);
    }

  /* Fails before any service starts if the socket cannot be bound */
  if (!sd_daemon_run (daemon, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_print ("== all services stopped ==\n");

  return sd_daemon_get_exit_status (daemon);
}
