/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-enums.h"

/**
 * sd_service_state_to_string:
 * @state: a #SdServiceState
 *
 * Returns the stable, lowercase name of @state, as used in logs, on D-Bus and by `sdctl`
 * (for example `"healthy"` or `"need-reload"`).
 *
 * Returns: (transfer none): the name of @state
 *
 * Since: 1.0
 */
const char *
sd_service_state_to_string (SdServiceState state)
{
  switch (state)
    {
    case SD_SERVICE_STATE_INITIALIZING:  return "initializing";
    case SD_SERVICE_STATE_RESTORING:     return "restoring";
    case SD_SERVICE_STATE_RECOVERING:    return "recovering";
    case SD_SERVICE_STATE_HEALTHY:       return "healthy";
    case SD_SERVICE_STATE_NEED_RELOAD:   return "need-reload";
    case SD_SERVICE_STATE_SHUTTING_DOWN: return "shutting-down";
    case SD_SERVICE_STATE_TERMINATED:    return "terminated";
    case SD_SERVICE_STATE_STOPPED:       return "stopped";
    case SD_SERVICE_STATE_FAILED:        return "failed";
    default:                             return "unknown";
    }
}

/**
 * sd_service_state_is_active:
 * @state: a #SdServiceState
 *
 * Whether @state belongs to a service that has (or is about to have) a running generation:
 * every state but %SD_SERVICE_STATE_TERMINATED, %SD_SERVICE_STATE_STOPPED and
 * %SD_SERVICE_STATE_FAILED.
 *
 * Returns: %TRUE if @state is an active state
 *
 * Since: 1.0
 */
gboolean
sd_service_state_is_active (SdServiceState state)
{
  return state != SD_SERVICE_STATE_TERMINATED &&
         state != SD_SERVICE_STATE_STOPPED &&
         state != SD_SERVICE_STATE_FAILED;
}

/**
 * sd_lane_to_string:
 * @lane: a #SdLane
 *
 * Returns the stable name of @lane: `"standard"`, `"high-priority"` or `"isolated"`.
 *
 * Returns: (transfer none): the name of @lane
 *
 * Since: 1.0
 */
const char *
sd_lane_to_string (SdLane lane)
{
  switch (lane)
    {
    case SD_LANE_STANDARD:      return "standard";
    case SD_LANE_HIGH_PRIORITY: return "high-priority";
    case SD_LANE_ISOLATED:      return "isolated";
    default:                    return "unknown";
    }
}
