/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "sd-context.h"
#include "sd-events-private.h"

G_BEGIN_DECLS

/*
 * SdShelf:
 *
 * The GVariant values a service set aside with sd_context_shelve(). It belongs to the
 * service's supervisor record and outlives generations; each context holds a reference so
 * that even an abandoned generation can still write to it safely. It is made by the first
 * sd_context_shelve() of a service and adopted by the unit when that generation ends.
 */
typedef struct _SdShelf SdShelf;

SdShelf   *_sd_shelf_new     (void);
SdShelf   *_sd_shelf_ref     (SdShelf  *self);
void       _sd_shelf_unref   (SdShelf  *self);
void       _sd_shelf_insert  (SdShelf  *self,
                              const char *key,
                              GVariant *value);
GVariant  *_sd_shelf_lookup  (SdShelf  *self,
                              const char *key);
GVariant  *_sd_shelf_steal   (SdShelf  *self,
                              const char *key);
guint      _sd_shelf_size    (SdShelf  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdShelf, _sd_shelf_unref)

SdContext *_sd_context_new          (SdService      *service,
                                     gpointer        unit,
                                     guint           generation,
                                     SdServiceState  initial_state,
                                     SdClock        *clock,
                                     SdRestartPolicy *policy,
                                     SdShelf        *shelf,
                                     const GError   *previous_error,
                                     SdEventQueue   *events,
                                     GFunc           handshake_func);
gpointer   _sd_context_get_unit     (SdContext      *self);
SdShelf   *_sd_context_get_shelf    (SdContext      *self);
gboolean   _sd_context_post         (SdContext      *self,
                                     GFunc           func,
                                     gpointer        data,
                                     GDestroyNotify  destroy);
void       _sd_context_request_stop (SdContext      *self,
                                     SdServiceState  state);
gboolean   _sd_context_finish_wait  (GAsyncResult   *result,
                                     gboolean       *handled,
                                     GError        **error);
SdContext *_sd_context_push_current (SdContext      *self);
void       _sd_context_pop_current  (SdContext      *previous);

G_END_DECLS
