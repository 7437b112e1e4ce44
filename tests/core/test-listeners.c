/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd-test-support.h"

/* ---- listener types: injection is by type, so each listener is a type of its own ---- */

#define TEST_TYPE_TCP_LISTENER (test_tcp_listener_get_type ())
G_DECLARE_FINAL_TYPE (TestTcpListener, test_tcp_listener, TEST, TCP_LISTENER, SdTcpListener)

struct _TestTcpListener
{
  SdTcpListener parent_instance;
};

G_DEFINE_FINAL_TYPE (TestTcpListener, test_tcp_listener, SD_TYPE_TCP_LISTENER)

static void
test_tcp_listener_class_init (TestTcpListenerClass *klass)
{
  sd_listener_type_bind_env (G_TYPE_FROM_CLASS (klass), "SD_TEST_TCP_LISTEN");
}

static void
test_tcp_listener_init (TestTcpListener *self)
{
}

/* A class default that a test overrides with a property */
#define TEST_TYPE_DEFAULT_LISTENER (test_default_listener_get_type ())
G_DECLARE_FINAL_TYPE (TestDefaultListener, test_default_listener, TEST, DEFAULT_LISTENER, SdTcpListener)

struct _TestDefaultListener
{
  SdTcpListener parent_instance;
};

G_DEFINE_FINAL_TYPE (TestDefaultListener, test_default_listener, SD_TYPE_TCP_LISTENER)

static void
test_default_listener_class_init (TestDefaultListenerClass *klass)
{
  sd_tcp_listener_type_set_default (G_TYPE_FROM_CLASS (klass), "::1", 4242);
}

static void
test_default_listener_init (TestDefaultListener *self)
{
}

#define TEST_TYPE_UNIX_LISTENER (test_unix_listener_get_type ())
G_DECLARE_FINAL_TYPE (TestUnixListener, test_unix_listener, TEST, UNIX_LISTENER, SdUnixListener)

struct _TestUnixListener
{
  SdUnixListener parent_instance;
};

G_DEFINE_FINAL_TYPE (TestUnixListener, test_unix_listener, SD_TYPE_UNIX_LISTENER)

static void
test_unix_listener_class_init (TestUnixListenerClass *klass)
{
  sd_unix_listener_type_set_default_path (G_TYPE_FROM_CLASS (klass), "sd-test-listeners.sock");
  sd_listener_type_bind_env (G_TYPE_FROM_CLASS (klass), "SD_TEST_UNIX_LISTEN");
}

static void
test_unix_listener_init (TestUnixListener *self)
{
}

/* The listener of the greeter service, for the tests through a daemon */
#define TEST_TYPE_GREETER_LISTENER (test_greeter_listener_get_type ())
G_DECLARE_FINAL_TYPE (TestGreeterListener, test_greeter_listener, TEST, GREETER_LISTENER, SdTcpListener)

struct _TestGreeterListener
{
  SdTcpListener parent_instance;
};

G_DEFINE_FINAL_TYPE (TestGreeterListener, test_greeter_listener, SD_TYPE_TCP_LISTENER)

static void
test_greeter_listener_class_init (TestGreeterListenerClass *klass)
{
  sd_listener_type_bind_env (G_TYPE_FROM_CLASS (klass), "SD_TEST_GREETER_LISTEN");
}

static void
test_greeter_listener_init (TestGreeterListener *self)
{
}

/* ---- a blocking service that greets each client with its generation number ---- */

#define TEST_TYPE_GREETER (test_greeter_get_type ())
G_DECLARE_FINAL_TYPE (TestGreeter, test_greeter, TEST, GREETER, SdService)

struct _TestGreeter
{
  SdService   parent_instance;
  SdListener *listener;  /* (owned) */
};

enum {
  GREETER_PROP_LISTENER = 1,
  GREETER_N_PROPS
};

G_DEFINE_FINAL_TYPE (TestGreeter, test_greeter, SD_TYPE_SERVICE)

static gboolean
test_greeter_run (SdService  *service,
                  SdContext  *context,
                  GError    **error)
{
  TestGreeter *self = TEST_GREETER (service);

  sd_context_done (context);

  for (;;)
    {
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *greeting = NULL;
      GOutputStream *output;

      connection = sd_listener_accept (self->listener, G_CANCELLABLE (context), &local_error);
      if (connection == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return TRUE;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      greeting = g_strdup_printf ("generation %u\n", sd_context_get_generation (context));
      output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
      g_output_stream_write_all (output, greeting, strlen (greeting), NULL, NULL, NULL);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
}

static void
test_greeter_finalize (GObject *object)
{
  TestGreeter *self = TEST_GREETER (object);

  g_clear_object (&self->listener);

  G_OBJECT_CLASS (test_greeter_parent_class)->finalize (object);
}

static void
test_greeter_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TestGreeter *self = TEST_GREETER (object);

  switch (prop_id)
    {
    case GREETER_PROP_LISTENER:
      g_value_set_object (value, self->listener);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_greeter_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TestGreeter *self = TEST_GREETER (object);

  switch (prop_id)
    {
    case GREETER_PROP_LISTENER:
      self->listener = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_greeter_class_init (TestGreeterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = test_greeter_finalize;
  object_class->get_property = test_greeter_get_property;
  object_class->set_property = test_greeter_set_property;
  SD_SERVICE_CLASS (klass)->run = test_greeter_run;

  g_object_class_install_property (object_class, GREETER_PROP_LISTENER,
    g_param_spec_object ("listener", NULL, NULL, TEST_TYPE_GREETER_LISTENER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass), "name", "greeter", NULL);
}

static void
test_greeter_init (TestGreeter *self)
{
}

/* ---- helpers ---- */

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
client_thread (GTask        *task,
               gpointer      source_object,
               gpointer      data,
               GCancellable *cancellable)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  GError *error = NULL;
  GInputStream *input;
  char buffer[256];
  gssize n;

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (data), NULL, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  while ((n = g_input_stream_read (input, buffer, sizeof buffer, NULL, &error)) > 0)
    g_string_append_len (reply, buffer, n);
  if (n < 0)
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, g_string_free (g_steal_pointer (&reply), FALSE), g_free);
}

static void
client_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  GAsyncResult **out = data;

  *out = g_object_ref (result);
}

static gboolean
result_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* Starts a client on a thread: it connects to @connectable and reads until the server
 * closes the connection. */
static GTask *
client_start (GSocketConnectable *connectable,
              GAsyncResult      **result)
{
  GTask *task = g_task_new (NULL, NULL, client_done_cb, result);

  *result = NULL;
  g_task_set_task_data (task, g_object_ref (connectable), g_object_unref);
  g_task_run_in_thread (task, client_thread);

  return task;
}

/* Waits for the client (iterating the main context) and returns what it read */
static char *
client_finish (GTask         *task,
               GAsyncResult **result)
{
  g_autoptr(GError) error = NULL;
  char *reply;

  sd_test_wait (result_set, result);
  reply = g_task_propagate_pointer (G_TASK (*result), &error);
  g_assert_no_error (error);
  g_clear_object (result);
  g_object_unref (task);

  return reply;
}

typedef struct
{
  GSocketConnection *connection;  /* (owned) (nullable) */
  GError            *error;       /* (owned) (nullable) */
  gboolean           done;
} Accepted;

static void
accepted_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      data)
{
  Accepted *accepted = data;

  accepted->connection = sd_listener_accept_finish (SD_LISTENER (object), result,
                                                    &accepted->error);
  accepted->done = TRUE;
}

/* Accepts one connection asynchronously, writes @greeting and closes it, while a client
 * thread connects and reads it back. */
static void
assert_greets (SdListener *listener,
               const char *greeting)
{
  g_autoptr(GSocketConnectable) connectable = sd_listener_dup_connectable (listener);
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *reply = NULL;
  Accepted accepted = { NULL, NULL, FALSE };
  GTask *client;

  g_assert_nonnull (connectable);
  sd_listener_accept_async (listener, NULL, accepted_cb, &accepted);
  client = client_start (connectable, &result);

  sd_test_wait (flag_set, &accepted.done);
  g_assert_no_error (accepted.error);
  g_assert_true (G_IS_SOCKET_CONNECTION (accepted.connection));
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (accepted.connection)),
                             greeting, strlen (greeting), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (accepted.connection), NULL, NULL);
  g_clear_object (&accepted.connection);

  reply = client_finish (client, &result);
  g_assert_cmpstr (reply, ==, greeting);
}

/* A listening socket on a free loopback port, to make that port busy */
static GSocket *
occupy_port (guint *port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any_port, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);

  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  return socket;
}

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sd-test-listeners-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* ---- TCP ---- */

static void
test_tcp_any_port (void)
{
  g_autoptr(SdListener) listener = g_object_new (TEST_TYPE_TCP_LISTENER, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *expected = NULL;
  guint port;

  g_assert_true (sd_provider_get_flags (SD_PROVIDER (listener)) & SD_PROVIDER_FLAGS_EAGER);
  g_assert_true (G_IS_INITABLE (listener));
  g_assert_cmpstr (sd_tcp_listener_get_address (SD_TCP_LISTENER (listener)), ==, "127.0.0.1");
  g_assert_cmpuint (sd_tcp_listener_get_port (SD_TCP_LISTENER (listener)), ==, 0);
  g_assert_null (sd_listener_get_socket (listener));
  g_assert_cmpuint (sd_tcp_listener_get_bound_port (SD_TCP_LISTENER (listener)), ==, 0);

  g_assert_true (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_no_error (error);

  port = sd_tcp_listener_get_bound_port (SD_TCP_LISTENER (listener));
  g_assert_cmpuint (port, >, 0);
  g_assert_true (G_IS_SOCKET (sd_listener_get_socket (listener)));
  address = sd_listener_dup_address_string (listener);
  expected = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_cmpstr (address, ==, expected);

  /* Initialising again is harmless and keeps the socket */
  g_assert_true (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_cmpuint (sd_tcp_listener_get_bound_port (SD_TCP_LISTENER (listener)), ==, port);

  assert_greets (listener, "hello\n");
  assert_greets (listener, "again\n");
}

/* "Address in use" is retryable; once the port is free, init succeeds on the same object */
static void
test_tcp_in_use_retryable (void)
{
  g_autoptr(GSocket) occupier = NULL;
  g_autoptr(SdListener) listener = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  guint port;

  occupier = occupy_port (&port);
  listener = g_object_new (TEST_TYPE_TCP_LISTENER, "port", port, NULL);

  g_assert_false (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_RETRYABLE);
  address = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_nonnull (strstr (error->message, address));
  g_assert_nonnull (strstr (error->message, "TestTcpListener"));
  g_assert_null (sd_listener_get_socket (listener));
  g_clear_error (&error);

  /* Still busy: still retryable */
  g_assert_false (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_RETRYABLE);
  g_clear_error (&error);

  g_socket_close (occupier, NULL);
  g_assert_true (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sd_tcp_listener_get_bound_port (SD_TCP_LISTENER (listener)), ==, port);

  assert_greets (listener, "the port is mine now\n");
}

/* 192.0.2.1 (TEST-NET-1) is no address of this machine: EADDRNOTAVAIL is fatal */
static void
test_tcp_not_available_fatal (void)
{
  g_autoptr(SdListener) listener = g_object_new (TEST_TYPE_TCP_LISTENER,
                                                 "address", "192.0.2.1",
                                                 "port", 0,
                                                 NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
  g_assert_nonnull (strstr (error->message, "192.0.2.1:0"));
  g_assert_nonnull (strstr (error->message, "TestTcpListener"));
}

static void
test_tcp_bad_address_fatal (void)
{
  g_autoptr(SdListener) listener = g_object_new (TEST_TYPE_TCP_LISTENER,
                                                 "address", "not-an-address",
                                                 NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
  g_assert_nonnull (strstr (error->message, "not-an-address"));
}

static void
test_tcp_class_default (void)
{
  g_autoptr(SdListener) defaults = g_object_new (TEST_TYPE_DEFAULT_LISTENER, NULL);
  g_autoptr(SdListener) port_only = g_object_new (TEST_TYPE_DEFAULT_LISTENER, "port", 0, NULL);
  g_autoptr(SdListener) plain = g_object_new (SD_TYPE_TCP_LISTENER, NULL);
  g_autofree char *description = NULL;
  guint port = 0;

  g_assert_cmpstr (sd_tcp_listener_get_address (SD_TCP_LISTENER (defaults)), ==, "::1");
  g_assert_cmpuint (sd_tcp_listener_get_port (SD_TCP_LISTENER (defaults)), ==, 4242);
  description = sd_listener_dup_address_string (defaults);
  g_assert_cmpstr (description, ==, "[::1]:4242");

  /* A property overrides its own part of the default only */
  g_assert_cmpstr (sd_tcp_listener_get_address (SD_TCP_LISTENER (port_only)), ==, "::1");
  g_assert_cmpuint (sd_tcp_listener_get_port (SD_TCP_LISTENER (port_only)), ==, 0);

  g_object_get (plain, "port", &port, NULL);
  g_assert_cmpuint (port, ==, 0);
  g_assert_cmpstr (sd_tcp_listener_get_address (SD_TCP_LISTENER (plain)), ==, "127.0.0.1");
  g_assert_null (sd_listener_type_get_env_variable (SD_TYPE_TCP_LISTENER));
  g_assert_cmpstr (sd_listener_type_get_env_variable (TEST_TYPE_TCP_LISTENER), ==,
                   "SD_TEST_TCP_LISTEN");
}

/* The variable overrides the properties; bad text is fatal and names the variable */
static void
test_tcp_env (void)
{
  const struct {
    const char *text;
    const char *address;
    guint       port;
  } good[] = {
    { "0", "192.0.2.7", 0 },                    /* a port alone keeps the address */
    { "127.0.0.1:0", "127.0.0.1", 0 },
    { "localhost:0", "localhost", 0 },
  };
  const char *bad[] = { "example.org:80", "127.0.0.1:99999", "[::1", "127.0.0.1:http" };
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(SdListener) listener = g_object_new (TEST_TYPE_TCP_LISTENER,
                                                     "address", "192.0.2.7",
                                                     "port", 1,
                                                     NULL);

      g_test_message ("SD_TEST_TCP_LISTEN=%s", good[i].text);
      g_setenv ("SD_TEST_TCP_LISTEN", good[i].text, TRUE);
      if (g_str_equal (good[i].text, "0"))
        {
          /* The address stays the unavailable 192.0.2.7: the port was still applied */
          g_assert_false (g_initable_init (G_INITABLE (listener), NULL, &error));
          g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
          g_assert_nonnull (strstr (error->message, "192.0.2.7:0"));
          g_clear_error (&error);
        }
      else
        {
          g_assert_true (g_initable_init (G_INITABLE (listener), NULL, &error));
          g_assert_no_error (error);
          g_assert_cmpuint (sd_tcp_listener_get_bound_port (SD_TCP_LISTENER (listener)), >, 0);
        }
      g_assert_cmpstr (sd_tcp_listener_get_address (SD_TCP_LISTENER (listener)), ==,
                       good[i].address);
      g_assert_cmpuint (sd_tcp_listener_get_port (SD_TCP_LISTENER (listener)), ==, good[i].port);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(SdListener) listener = g_object_new (TEST_TYPE_TCP_LISTENER, NULL);

      g_test_message ("SD_TEST_TCP_LISTEN=%s", bad[i]);
      g_setenv ("SD_TEST_TCP_LISTEN", bad[i], TRUE);
      g_assert_false (g_initable_init (G_INITABLE (listener), NULL, &error));
      g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
      g_assert_nonnull (strstr (error->message, "SD_TEST_TCP_LISTEN"));
      g_assert_nonnull (strstr (error->message, "TestTcpListener"));
      g_clear_error (&error);
    }

  g_unsetenv ("SD_TEST_TCP_LISTEN");
}

/* ---- accepting ---- */

static void
test_accept_cancel (void)
{
  g_autoptr(SdListener) listener = g_object_new (TEST_TYPE_TCP_LISTENER, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Accepted accepted = { NULL, NULL, FALSE };
  GSocket *socket;

  /* Before initialisation there is nothing to accept on */
  sd_listener_accept_async (listener, NULL, accepted_cb, &accepted);
  sd_test_wait (flag_set, &accepted.done);
  g_assert_error (accepted.error, SD_ERROR, SD_ERROR_INVALID_STATE);
  g_clear_error (&accepted.error);

  g_assert_true (g_initable_init (G_INITABLE (listener), NULL, &error));
  socket = sd_listener_get_socket (listener);

  accepted.done = FALSE;
  sd_listener_accept_async (listener, cancellable, accepted_cb, &accepted);
  g_cancellable_cancel (cancellable);
  sd_test_wait (flag_set, &accepted.done);
  g_assert_error (accepted.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (accepted.connection);
  g_clear_error (&accepted.error);

  /* The socket outlives the cancelled wait */
  g_assert_true (sd_listener_get_socket (listener) == socket);
  assert_greets (listener, "still here\n");

  /* The blocking variant honours a cancellable too */
  g_assert_null (sd_listener_accept (listener, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

typedef struct
{
  SdListener   *listener;
  GCancellable *cancellable;
} BlockingAccept;

static gpointer
blocking_accept_thread (gpointer data)
{
  BlockingAccept *blocking = data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  const char *greeting = "from a thread\n";

  connection = sd_listener_accept (blocking->listener, blocking->cancellable, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             greeting, strlen (greeting), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  return NULL;
}

static void
test_accept_blocking (void)
{
  g_autoptr(SdListener) listener = g_object_new (TEST_TYPE_TCP_LISTENER, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  BlockingAccept blocking;
  GThread *thread;
  GTask *client;

  g_assert_true (g_initable_init (G_INITABLE (listener), NULL, &error));
  blocking.listener = listener;
  blocking.cancellable = cancellable;
  thread = g_thread_new ("accept", blocking_accept_thread, &blocking);

  connectable = sd_listener_dup_connectable (listener);
  client = client_start (connectable, &result);
  reply = client_finish (client, &result);
  g_assert_cmpstr (reply, ==, "from a thread\n");

  g_thread_join (thread);
}

/* ---- Unix ---- */

static void
test_unix_env_path (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "env.sock", NULL);
  g_autoptr(SdListener) listener = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  struct stat st;

  g_setenv ("SD_TEST_UNIX_LISTEN", path, TRUE);
  listener = g_object_new (TEST_TYPE_UNIX_LISTENER, "path", "/nonexistent/ignored.sock", NULL);
  g_assert_true (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_no_error (error);
  g_unsetenv ("SD_TEST_UNIX_LISTEN");

  g_assert_cmpstr (sd_unix_listener_get_path (SD_UNIX_LISTENER (listener)), ==, path);
  description = sd_listener_dup_address_string (listener);
  g_assert_cmpstr (description, ==, path);
  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));

  /* A client needs nothing but the path */
  address = g_unix_socket_address_new (sd_unix_listener_get_path (SD_UNIX_LISTENER (listener)));
  g_assert_true (G_IS_SOCKET_CONNECTABLE (address));
  assert_greets (listener, "over a unix socket\n");

  /* The listener removes its socket file */
  g_clear_object (&listener);
  g_assert_cmpint (lstat (path, &st), <, 0);
  g_assert_cmpint (errno, ==, ENOENT);

  g_rmdir (dir);
}

/* A relative path is taken in $XDG_RUNTIME_DIR */
static void
test_unix_relative_default (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *expected = g_build_filename (dir, "sd-test-listeners.sock", NULL);
  g_autofree char *saved = g_strdup (g_getenv ("XDG_RUNTIME_DIR"));
  g_autoptr(SdListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  g_setenv ("XDG_RUNTIME_DIR", dir, TRUE);
  listener = g_object_new (TEST_TYPE_UNIX_LISTENER, NULL);
  if (saved != NULL)
    g_setenv ("XDG_RUNTIME_DIR", saved, TRUE);
  else
    g_unsetenv ("XDG_RUNTIME_DIR");

  g_assert_cmpstr (sd_unix_listener_get_path (SD_UNIX_LISTENER (listener)), ==, expected);
  g_assert_true (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (expected, G_FILE_TEST_EXISTS));

  g_clear_object (&listener);
  g_assert_false (g_file_test (expected, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

/* A socket file nobody listens on is replaced; a live one is "in use" */
static void
test_unix_stale_and_live (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "stale.sock", NULL);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(SdListener) listener = NULL;
  g_autoptr(SdListener) second = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *stale;

  /* A socket file left behind: bound, then closed without removing the file */
  stale = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                        G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (stale, address, FALSE, &error);
  g_assert_no_error (error);
  g_object_unref (stale);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  listener = g_object_new (TEST_TYPE_UNIX_LISTENER, "path", path, NULL);
  g_assert_true (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_no_error (error);

  /* A second listener on the live socket must not steal it */
  second = g_object_new (TEST_TYPE_UNIX_LISTENER, "path", path, NULL);
  g_assert_false (g_initable_init (G_INITABLE (second), NULL, &error));
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_RETRYABLE);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* Finding out that the socket is live cost the first listener an empty connection */
  {
    Accepted accepted = { NULL, NULL, FALSE };
    char byte;

    sd_listener_accept_async (listener, NULL, accepted_cb, &accepted);
    sd_test_wait (flag_set, &accepted.done);
    g_assert_no_error (accepted.error);
    g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (accepted.connection)),
                                          &byte, 1, NULL, NULL), ==, 0);
    g_clear_object (&accepted.connection);
  }
  assert_greets (listener, "first come\n");

  /* When the first goes away the second gets the path */
  g_clear_object (&listener);
  g_assert_true (g_initable_init (G_INITABLE (second), NULL, &error));
  g_assert_no_error (error);
  assert_greets (second, "second served\n");

  g_clear_object (&second);
  g_rmdir (dir);
}

static void
test_unix_not_a_socket_fatal (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "precious.txt", NULL);
  g_autoptr(SdListener) listener = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_file_set_contents (path, "keep me", -1, &error);
  g_assert_no_error (error);

  listener = g_object_new (TEST_TYPE_UNIX_LISTENER, "path", path, NULL);
  g_assert_false (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_clear_object (&listener);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "keep me");

  g_unlink (path);
  g_rmdir (dir);
}

/* Permission checks do not apply to root, so this one needs an ordinary user */
static void
test_unix_permission_denied_fatal (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *locked = NULL;
  g_autofree char *path = NULL;
  g_autoptr(SdListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  if (geteuid () == 0)
    {
      g_test_skip ("root bypasses the permission checks");
      return;
    }

  dir = make_tmp_dir ();
  locked = g_build_filename (dir, "locked", NULL);
  path = g_build_filename (locked, "denied.sock", NULL);
  g_assert_cmpint (g_mkdir (locked, 0500), ==, 0);

  listener = g_object_new (TEST_TYPE_UNIX_LISTENER, "path", path, NULL);
  g_assert_false (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
  g_assert_nonnull (strstr (error->message, path));

  g_rmdir (locked);
  g_rmdir (dir);
}

static void
test_unix_abstract (void)
{
  g_autofree char *name = g_strdup_printf ("@sd-test-listeners-%d", (int) getpid ());
  g_autoptr(SdListener) listener = g_object_new (TEST_TYPE_UNIX_LISTENER, "path", name, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  g_assert_cmpstr (sd_unix_listener_get_path (SD_UNIX_LISTENER (listener)), ==, name);
  g_assert_true (g_initable_init (G_INITABLE (listener), NULL, &error));
  g_assert_no_error (error);
  description = sd_listener_dup_address_string (listener);
  g_assert_cmpstr (description, ==, name);
  assert_greets (listener, "no file needed\n");
}

/* ---- through a daemon ---- */

/* A busy port is retried until provider-init-timeout-ms, then startup fails naming it */
static void
test_daemon_port_in_use (void)
{
  g_autoptr(GSocket) occupier = NULL;
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *address = NULL;
  gint64 start;
  guint port;

  occupier = occupy_port (&port);
  text = g_strdup_printf ("127.0.0.1:%u", port);
  g_setenv ("SD_TEST_GREETER_LISTEN", text, TRUE);

  g_assert_true (sd_daemon_add_service_type (daemon, TEST_TYPE_GREETER, &error));
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  g_assert_false (sd_daemon_run (daemon, NULL, &error));
  g_unsetenv ("SD_TEST_GREETER_LISTEN");

  g_assert_nonnull (error);
  g_test_message ("startup failed: %s", error->message);
  address = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_nonnull (strstr (error->message, address));
  g_assert_nonnull (strstr (error->message, "TestGreeterListener"));
  g_assert_cmpint (sd_daemon_get_exit_status (daemon), !=, 0);

  /* It was retried, not given up at once: the testing policy waits 500 ms */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 400 * G_TIME_SPAN_MILLISECOND);
}

/* An address that is not available fails startup without retries */
static void
test_daemon_not_available_fatal (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;

  g_setenv ("SD_TEST_GREETER_LISTEN", "192.0.2.1:0", TRUE);
  g_assert_true (sd_daemon_add_service_type (daemon, TEST_TYPE_GREETER, &error));
  g_assert_no_error (error);

  g_assert_false (sd_daemon_run (daemon, NULL, &error));
  g_unsetenv ("SD_TEST_GREETER_LISTEN");

  g_assert_nonnull (error);
  g_test_message ("startup failed: %s", error->message);
  g_assert_nonnull (strstr (error->message, "192.0.2.1:0"));
  g_assert_cmpint (sd_daemon_get_exit_status (daemon), !=, 0);
  g_assert_cmpint (sd_service_get_generation (sd_daemon_lookup_service (daemon, "greeter")), ==, 0);
}

/* A restart of the service accepts on the same socket: the port is never lost */
static void
test_daemon_restart_keeps_socket (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  SdProvider *provider;
  SdService *greeter;
  GSocket *socket;
  gboolean finished;
  guint port;

  g_setenv ("SD_TEST_GREETER_LISTEN", "127.0.0.1:0", TRUE);
  g_assert_true (sd_daemon_add_service_type (daemon, TEST_TYPE_GREETER, &error));
  g_assert_no_error (error);
  g_assert_true (sd_daemon_build (daemon, &error));
  g_assert_no_error (error);

  sd_test_run_async (daemon, &finished);
  greeter = sd_daemon_lookup_service (daemon, "greeter");
  g_assert_nonnull (greeter);
  sd_test_wait_state (greeter, SD_SERVICE_STATE_HEALTHY);
  g_unsetenv ("SD_TEST_GREETER_LISTEN");

  provider = sd_daemon_lookup_provider (daemon, TEST_TYPE_GREETER_LISTENER);
  g_assert_true (TEST_IS_GREETER_LISTENER (provider));
  g_assert_true (TEST_GREETER (greeter)->listener == SD_LISTENER (provider));
  socket = sd_listener_get_socket (SD_LISTENER (provider));
  g_assert_nonnull (socket);
  port = sd_tcp_listener_get_bound_port (SD_TCP_LISTENER (provider));
  g_assert_cmpuint (port, >, 0);

  connectable = sd_listener_dup_connectable (SD_LISTENER (provider));
  first = client_finish (client_start (connectable, &result), &result);
  g_assert_cmpstr (first, ==, "generation 1\n");

  g_assert_true (sd_test_op (daemon, "restart", "greeter", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sd_service_get_generation (greeter), ==, 2);

  g_assert_true (sd_listener_get_socket (SD_LISTENER (provider)) == socket);
  g_assert_cmpuint (sd_tcp_listener_get_bound_port (SD_TCP_LISTENER (provider)), ==, port);
  second = client_finish (client_start (connectable, &result), &result);
  g_assert_cmpstr (second, ==, "generation 2\n");

  sd_test_shutdown_and_wait (daemon, &finished);
}

int
main (int   argc,
      char *argv[])
{
  sd_test_init (&argc, &argv);

  g_test_add_func ("/sd/listeners/tcp/any-port", test_tcp_any_port);
  g_test_add_func ("/sd/listeners/tcp/in-use-retryable", test_tcp_in_use_retryable);
  g_test_add_func ("/sd/listeners/tcp/not-available-fatal", test_tcp_not_available_fatal);
  g_test_add_func ("/sd/listeners/tcp/bad-address-fatal", test_tcp_bad_address_fatal);
  g_test_add_func ("/sd/listeners/tcp/class-default", test_tcp_class_default);
  g_test_add_func ("/sd/listeners/tcp/env", test_tcp_env);
  g_test_add_func ("/sd/listeners/accept/cancel", test_accept_cancel);
  g_test_add_func ("/sd/listeners/accept/blocking", test_accept_blocking);
  g_test_add_func ("/sd/listeners/unix/env-path", test_unix_env_path);
  g_test_add_func ("/sd/listeners/unix/relative-default", test_unix_relative_default);
  g_test_add_func ("/sd/listeners/unix/stale-and-live", test_unix_stale_and_live);
  g_test_add_func ("/sd/listeners/unix/not-a-socket-fatal", test_unix_not_a_socket_fatal);
  g_test_add_func ("/sd/listeners/unix/permission-denied-fatal", test_unix_permission_denied_fatal);
  g_test_add_func ("/sd/listeners/unix/abstract", test_unix_abstract);
  g_test_add_func ("/sd/listeners/daemon/port-in-use", test_daemon_port_in_use);
  g_test_add_func ("/sd/listeners/daemon/not-available-fatal", test_daemon_not_available_fatal);
  g_test_add_func ("/sd/listeners/daemon/restart-keeps-socket", test_daemon_restart_keeps_socket);

  return g_test_run ();
}
