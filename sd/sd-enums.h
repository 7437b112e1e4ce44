/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <glib-object.h>

#include "sd-version-macros.h"

G_BEGIN_DECLS

/**
 * SdServiceState:
 * @SD_SERVICE_STATE_INITIALIZING: first start of the service, or a start after a clean exit.
 *   A service that has not been started yet also reports this state (with generation 0).
 * @SD_SERVICE_STATE_RESTORING: restart after a reload or a dependency change; the shelf holds
 *   what the previous generation saved
 * @SD_SERVICE_STATE_RECOVERING: restart after an error; the previous error is readable from
 *   the context
 * @SD_SERVICE_STATE_HEALTHY: the generation finished its handshake and is running
 * @SD_SERVICE_STATE_NEED_RELOAD: a reload was requested; the generation should save its state
 *   and return
 * @SD_SERVICE_STATE_SHUTTING_DOWN: the service is being stopped; the generation should return
 * @SD_SERVICE_STATE_TERMINATED: the service ended and will not be restarted (daemon shutdown,
 *   fatal error, or its restart mode said so)
 * @SD_SERVICE_STATE_STOPPED: stopped by an operator; it can be started again
 * @SD_SERVICE_STATE_FAILED: the restart budget of the restart policy was exhausted
 *
 * The life-cycle states of a service. See the state chapter of the documentation for the
 * transitions.
 *
 * Since: 1.0
 */
typedef enum {
  SD_SERVICE_STATE_INITIALIZING,
  SD_SERVICE_STATE_RESTORING,
  SD_SERVICE_STATE_RECOVERING,
  SD_SERVICE_STATE_HEALTHY,
  SD_SERVICE_STATE_NEED_RELOAD,
  SD_SERVICE_STATE_SHUTTING_DOWN,
  SD_SERVICE_STATE_TERMINATED,
  SD_SERVICE_STATE_STOPPED,
  SD_SERVICE_STATE_FAILED,
} SdServiceState;

/**
 * SdLane:
 * @SD_LANE_STANDARD: the daemon's own #GMainContext, on the thread that runs the daemon
 * @SD_LANE_HIGH_PRIORITY: one thread shared by all high-priority services of a daemon, with a
 *   #GMainContext of its own and a raised OS scheduling priority where the system allows it
 * @SD_LANE_ISOLATED: a thread and #GMainContext for this service alone
 *
 * Where the asynchronous code of a service runs: its `run_async()`, its timers and the
 * callbacks it schedules on the thread-default main context.
 *
 * Since: 1.0
 */
typedef enum {
  SD_LANE_STANDARD,
  SD_LANE_HIGH_PRIORITY,
  SD_LANE_ISOLATED,
} SdLane;

/**
 * SdRestartMode:
 * @SD_RESTART_MODE_ALWAYS: restart after a clean exit and after an error
 * @SD_RESTART_MODE_ON_FAILURE: restart only after an error
 * @SD_RESTART_MODE_NEVER: never restart; the service goes to %SD_SERVICE_STATE_TERMINATED
 *
 * When a generation that returned on its own is followed by another one. A fatal error
 * (%SD_SERVICE_ERROR_FATAL) is never restarted, whatever the mode.
 *
 * Since: 1.0
 */
typedef enum {
  SD_RESTART_MODE_ALWAYS,
  SD_RESTART_MODE_ON_FAILURE,
  SD_RESTART_MODE_NEVER,
} SdRestartMode;

/**
 * SdPriority:
 * @SD_PRIORITY_EXTERNAL: services facing the outside world; started last, stopped first
 * @SD_PRIORITY_DEFAULT: the default priority
 * @SD_PRIORITY_STORAGE: storage and caches that other services use
 * @SD_PRIORITY_SYSTEM: system-level services; started first, stopped last
 *
 * Named levels for the startup priority of a service. Any value from 0 to 255 may be used;
 * higher priorities start in earlier waves and stop in later ones.
 *
 * Since: 1.0
 */
typedef enum {
  SD_PRIORITY_EXTERNAL = 0,
  SD_PRIORITY_DEFAULT  = 50,
  SD_PRIORITY_STORAGE  = 80,
  SD_PRIORITY_SYSTEM   = 100,
} SdPriority;

/**
 * SD_PRIORITY_MAX:
 *
 * The highest priority a service may have.
 *
 * Since: 1.0
 */
#define SD_PRIORITY_MAX 255

SD_AVAILABLE_IN_ALL
const char *sd_service_state_to_string (SdServiceState state);
SD_AVAILABLE_IN_ALL
gboolean    sd_service_state_is_active (SdServiceState state);
SD_AVAILABLE_IN_ALL
const char *sd_lane_to_string          (SdLane         lane);

G_END_DECLS
