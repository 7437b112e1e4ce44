/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "sd-daemon.h"
#include "sd-events-private.h"
#include "sd-lane-private.h"
#include "sd-unit-private.h"

G_BEGIN_DECLS

SdEventQueue  *_sd_daemon_get_events         (SdDaemon       *self);
GMainContext  *_sd_daemon_get_main_context   (SdDaemon       *self);
SdLaneRuntime *_sd_daemon_acquire_lane       (SdDaemon       *self,
                                              SdUnit         *unit);
gboolean       _sd_daemon_is_stopping        (SdDaemon       *self);
void           _sd_daemon_unit_state_changed (SdDaemon       *self,
                                              SdUnit         *unit,
                                              SdServiceState  old_state,
                                              SdServiceState  new_state);
void           _sd_daemon_unit_down          (SdDaemon       *self,
                                              SdUnit         *unit);

G_END_DECLS
