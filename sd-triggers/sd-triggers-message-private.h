/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "sd-message.h"

G_BEGIN_DECLS

/* What a trigger sets while it dispatches a message, so that messages created by the
 * handler name their parent, origin and source. */
typedef struct
{
  SdMessage  *message;   /* (unowned) */
  const char *source;    /* (unowned) */
  gsize      *sequence;  /* (unowned) (atomic): the source's counter */
} SdDispatchScope;

SdDispatchScope *_sd_dispatch_scope_push (SdDispatchScope *scope);
void             _sd_dispatch_scope_pop  (SdDispatchScope *previous);

G_END_DECLS

G_BEGIN_DECLS

/* g_set_object() for messages: replaces *@slot by a reference on @message */
static inline void
sd_message_set (SdMessage **slot,
                SdMessage  *message)
{
  if (*slot == message)
    return;
  if (message != NULL)
    sd_message_ref (message);
  if (*slot != NULL)
    sd_message_unref (*slot);
  *slot = message;
}

G_END_DECLS
