/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "sd-enums.h"

G_BEGIN_DECLS

/*
 * SdLaneRuntime:
 *
 * The running form of a #SdLane: a GMainContext and, except for the standard lane (which is
 * the daemon's own context), the thread that iterates it.
 */
typedef struct _SdLaneRuntime SdLaneRuntime;

SdLaneRuntime *_sd_lane_runtime_new_standard (GMainContext   *daemon_context);
SdLaneRuntime *_sd_lane_runtime_new_thread   (SdLane          kind,
                                              const char     *name);
SdLaneRuntime *_sd_lane_runtime_ref          (SdLaneRuntime  *self);
void           _sd_lane_runtime_unref        (SdLaneRuntime  *self);
SdLane         _sd_lane_runtime_get_kind     (SdLaneRuntime  *self);
const char    *_sd_lane_runtime_get_name     (SdLaneRuntime  *self);
GMainContext  *_sd_lane_runtime_get_context  (SdLaneRuntime  *self);
void           _sd_lane_runtime_invoke       (SdLaneRuntime  *self,
                                              GSourceFunc     func,
                                              gpointer        data,
                                              GDestroyNotify  destroy);
void           _sd_lane_runtime_mark_stuck   (SdLaneRuntime  *self);
void           _sd_lane_runtime_stop         (SdLaneRuntime  *self);

char          *_sd_thread_name_for           (const char     *prefix,
                                              const char     *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdLaneRuntime, _sd_lane_runtime_unref)

G_END_DECLS
