/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-triggers-macros.h"

G_BEGIN_DECLS

typedef struct _SdMessage SdMessage;

#define SD_TYPE_MESSAGE (sd_message_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
GType       sd_message_get_type        (void) G_GNUC_CONST;
SD_TRIGGERS_AVAILABLE_IN_ALL
SdMessage  *sd_message_ref             (SdMessage  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void        sd_message_unref           (SdMessage  *self);

SD_TRIGGERS_AVAILABLE_IN_ALL
SdMessage  *sd_message_new             (GVariant   *payload) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
SdMessage  *sd_message_new_for_object  (GObject    *object) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
SdMessage  *sd_message_new_child       (SdMessage  *parent,
                                        GVariant   *payload) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
SdMessage  *sd_message_get_current     (void);

SD_TRIGGERS_AVAILABLE_IN_ALL
const char *sd_message_get_id          (SdMessage  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char *sd_message_get_parent_id   (SdMessage  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char *sd_message_get_origin_id   (SdMessage  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char *sd_message_get_source      (SdMessage  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint64     sd_message_get_sequence    (SdMessage  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
gint64      sd_message_get_created     (SdMessage  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
GVariant   *sd_message_get_payload     (SdMessage  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
GObject    *sd_message_get_object      (SdMessage  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdMessage, sd_message_unref)

G_END_DECLS
