/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sd-enums.h"
#include "sd-types.h"

G_BEGIN_DECLS

#define SD_TYPE_CONTEXT (sd_context_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SdContext, sd_context, SD, CONTEXT, GCancellable)

SD_AVAILABLE_IN_ALL
SdContext      *sd_context_get_current          (void);
SD_AVAILABLE_IN_ALL
SdService      *sd_context_get_service          (SdContext            *self);
SD_AVAILABLE_IN_ALL
const char     *sd_context_get_name             (SdContext            *self);
SD_AVAILABLE_IN_ALL
guint           sd_context_get_generation       (SdContext            *self);
SD_AVAILABLE_IN_ALL
SdClock        *sd_context_get_clock            (SdContext            *self);
SD_AVAILABLE_IN_ALL
SdRestartPolicy *sd_context_get_restart_policy  (SdContext            *self);
SD_AVAILABLE_IN_ALL
GCancellable   *sd_context_get_cancellable      (SdContext            *self);
SD_AVAILABLE_IN_ALL
SdServiceState  sd_context_get_state            (SdContext            *self);
SD_AVAILABLE_IN_ALL
const GError   *sd_context_get_previous_error   (SdContext            *self);

SD_AVAILABLE_IN_ALL
void            sd_context_done                 (SdContext            *self);
SD_AVAILABLE_IN_ALL
gboolean        sd_context_is_shutdown          (SdContext            *self);
SD_AVAILABLE_IN_ALL
gboolean        sd_context_sleep                (SdContext            *self,
                                                 guint64               duration_ms);
SD_AVAILABLE_IN_ALL
void            sd_context_wait_shutdown        (SdContext            *self);
SD_AVAILABLE_IN_ALL
void            sd_context_wait_shutdown_async  (SdContext            *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
SD_AVAILABLE_IN_ALL
gboolean        sd_context_wait_shutdown_finish (SdContext            *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

SD_AVAILABLE_IN_ALL
void            sd_context_shelve               (SdContext            *self,
                                                 const char           *key,
                                                 GVariant             *value);
SD_AVAILABLE_IN_ALL
GVariant       *sd_context_unshelve             (SdContext            *self,
                                                 const char           *key) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
GVariant       *sd_context_peek_shelf           (SdContext            *self,
                                                 const char           *key) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
