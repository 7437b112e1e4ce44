/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sd-provider.h"

G_BEGIN_DECLS

#define SD_TYPE_LISTENER (sd_listener_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdListener, sd_listener, SD, LISTENER, SdProvider)

/**
 * SdListenerClass:
 * @parent_class: the parent class
 * @parse_address: applies an address given as text (the value of the environment
 *   variable bound with sd_listener_type_bind_env()) to the properties of the listener.
 *   Returns %FALSE with @error set if the text is not an address of this kind.
 * @create_address: builds the address to bind from the properties of the listener.
 *
 * The class of listeners. The two kinds that come with Sd, #SdTcpListener and
 * #SdUnixListener, implement both virtual functions; a new kind of stream socket needs
 * nothing else.
 *
 * Since: 1.0
 */
struct _SdListenerClass
{
  SdProviderClass parent_class;

  gboolean         (*parse_address)  (SdListener  *self,
                                      const char  *text,
                                      GError     **error);
  GSocketAddress  *(*create_address) (SdListener  *self,
                                      GError     **error);

  /*< private >*/
  gpointer _reserved[8];
};

#define SD_TYPE_TCP_LISTENER (sd_tcp_listener_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdTcpListener, sd_tcp_listener, SD, TCP_LISTENER, SdListener)

/**
 * SdTcpListenerClass:
 * @parent_class: the parent class
 *
 * The class of TCP listeners.
 *
 * Since: 1.0
 */
struct _SdTcpListenerClass
{
  SdListenerClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

#define SD_TYPE_UNIX_LISTENER (sd_unix_listener_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdUnixListener, sd_unix_listener, SD, UNIX_LISTENER, SdListener)

/**
 * SdUnixListenerClass:
 * @parent_class: the parent class
 *
 * The class of Unix-domain socket listeners.
 *
 * Since: 1.0
 */
struct _SdUnixListenerClass
{
  SdListenerClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_AVAILABLE_IN_ALL
void                sd_listener_type_bind_env        (GType                 listener_type,
                                                      const char           *variable);
SD_AVAILABLE_IN_ALL
const char         *sd_listener_type_get_env_variable (GType                listener_type);

SD_AVAILABLE_IN_ALL
GSocket            *sd_listener_get_socket           (SdListener           *self);
SD_AVAILABLE_IN_ALL
int                 sd_listener_get_backlog          (SdListener           *self);
SD_AVAILABLE_IN_ALL
GSocketAddress     *sd_listener_dup_local_address    (SdListener           *self) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
GSocketConnectable *sd_listener_dup_connectable      (SdListener           *self) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
char               *sd_listener_dup_address_string   (SdListener           *self) G_GNUC_WARN_UNUSED_RESULT;

SD_AVAILABLE_IN_ALL
GSocketConnection  *sd_listener_accept               (SdListener           *self,
                                                      GCancellable         *cancellable,
                                                      GError              **error) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
void                sd_listener_accept_async         (SdListener           *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
SD_AVAILABLE_IN_ALL
GSocketConnection  *sd_listener_accept_finish        (SdListener           *self,
                                                      GAsyncResult         *result,
                                                      GError              **error) G_GNUC_WARN_UNUSED_RESULT;

SD_AVAILABLE_IN_ALL
void                sd_tcp_listener_type_set_default (GType                 listener_type,
                                                      const char           *address,
                                                      guint                 port);
SD_AVAILABLE_IN_ALL
const char         *sd_tcp_listener_get_address      (SdTcpListener        *self);
SD_AVAILABLE_IN_ALL
guint               sd_tcp_listener_get_port         (SdTcpListener        *self);
SD_AVAILABLE_IN_ALL
guint               sd_tcp_listener_get_bound_port   (SdTcpListener        *self);

SD_AVAILABLE_IN_ALL
void                sd_unix_listener_type_set_default_path (GType           listener_type,
                                                      const char           *path);
SD_AVAILABLE_IN_ALL
const char         *sd_unix_listener_get_path        (SdUnixListener       *self);

G_END_DECLS
