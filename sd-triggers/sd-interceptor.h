/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-message.h"
#include "sd-triggers-macros.h"

G_BEGIN_DECLS

typedef struct _SdTrigger SdTrigger;

#define SD_TYPE_INVOCATION (sd_invocation_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SdInvocation, sd_invocation, SD, INVOCATION, GObject)

#define SD_TYPE_INTERCEPTOR (sd_interceptor_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (SdInterceptor, sd_interceptor, SD, INTERCEPTOR, GObject)

/**
 * SdInterceptorInterface:
 * @g_iface: the parent interface
 * @intercept_async: wraps one dispatch: call sd_invocation_proceed_async() once to run the
 *   rest of the chain (the inner interceptors and the handler), or never to short-circuit it,
 *   doing work before and after as needed
 * @intercept_finish: completes @intercept_async
 *
 * Middleware around each handler call of a trigger, in onion order: the first interceptor
 * runs first and finishes last.
 *
 * Since: 1.0
 */
struct _SdInterceptorInterface
{
  GTypeInterface g_iface;

  void     (*intercept_async)  (SdInterceptor        *self,
                                SdInvocation         *invocation,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
  gboolean (*intercept_finish) (SdInterceptor        *self,
                                GAsyncResult         *result,
                                GError              **error);
};

SD_TRIGGERS_AVAILABLE_IN_ALL
void        sd_interceptor_intercept_async   (SdInterceptor        *self,
                                              SdInvocation         *invocation,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
SD_TRIGGERS_AVAILABLE_IN_ALL
gboolean    sd_interceptor_intercept_finish  (SdInterceptor        *self,
                                              GAsyncResult         *result,
                                              GError              **error);

SD_TRIGGERS_AVAILABLE_IN_ALL
SdTrigger  *sd_invocation_get_trigger        (SdInvocation         *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
SdMessage  *sd_invocation_get_message        (SdInvocation         *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
SdContext  *sd_invocation_get_context        (SdInvocation         *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void        sd_invocation_proceed_async      (SdInvocation         *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
SD_TRIGGERS_AVAILABLE_IN_ALL
gboolean    sd_invocation_proceed_finish     (SdInvocation         *self,
                                              GAsyncResult         *result,
                                              GError              **error);

#define SD_TYPE_INTERCEPTORS (sd_interceptors_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SdInterceptors, sd_interceptors, SD, INTERCEPTORS, SdProvider)

SD_TRIGGERS_AVAILABLE_IN_ALL
SdInterceptors *sd_interceptors_new          (void) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
void        sd_interceptors_add              (SdInterceptors       *self,
                                              SdInterceptor        *interceptor);
SD_TRIGGERS_AVAILABLE_IN_ALL
GPtrArray  *sd_interceptors_list             (SdInterceptors       *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
