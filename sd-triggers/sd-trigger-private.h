/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "sd-trigger.h"

G_BEGIN_DECLS

/* The innermost layer of a dispatch: the handler, with the retries of the restart policy */
void     _sd_trigger_call_handler_async  (SdTrigger           *self,
                                          SdContext           *context,
                                          SdMessage           *message,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean _sd_trigger_call_handler_finish (SdTrigger           *self,
                                          GAsyncResult        *result,
                                          GError             **error);

gboolean _sd_interceptors_is_empty (SdInterceptors *self);

SdInvocation *_sd_invocation_new (SdTrigger  *trigger,
                                  SdContext  *context,
                                  SdMessage  *message,
                                  GPtrArray  *interceptors,
                                  guint       index);
void     _sd_invocation_run_level (SdTrigger           *trigger,
                                   SdContext           *context,
                                   SdMessage           *message,
                                   GPtrArray           *interceptors,
                                   guint                index,
                                   GCancellable        *cancellable,
                                   GTask               *task);

G_END_DECLS
