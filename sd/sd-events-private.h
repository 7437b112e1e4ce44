/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * SdEventQueue:
 *
 * A thread-safe queue of closures that run on one GMainContext: the daemon's. Generations
 * (on their own threads or lanes) and API calls made from other threads push work here;
 * one GSource drains it, so a burst of N events costs one wake-up and no allocation per
 * event beyond the event itself. Once closed, pushes are dropped (their destroy notify runs
 * at once), so an abandoned generation that finishes late never touches a finished daemon.
 */
typedef struct _SdEventQueue SdEventQueue;

SdEventQueue *_sd_event_queue_new   (GMainContext   *context);
SdEventQueue *_sd_event_queue_ref   (SdEventQueue   *self);
void          _sd_event_queue_unref (SdEventQueue   *self);
gboolean      _sd_event_queue_push  (SdEventQueue   *self,
                                     GFunc           func,
                                     gpointer        data,
                                     GDestroyNotify  destroy);
void          _sd_event_queue_close (SdEventQueue   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdEventQueue, _sd_event_queue_unref)

G_END_DECLS
