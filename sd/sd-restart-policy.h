/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <glib-object.h>

#include "sd-types.h"

G_BEGIN_DECLS

#define SD_TYPE_RESTART_POLICY (sd_restart_policy_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SdRestartPolicy, sd_restart_policy, SD, RESTART_POLICY, GObject)

SD_AVAILABLE_IN_ALL
SdRestartPolicy *sd_restart_policy_new                        (void) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
SdRestartPolicy *sd_restart_policy_new_for_testing            (void) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
SdRestartPolicy *sd_restart_policy_copy                       (SdRestartPolicy *self) G_GNUC_WARN_UNUSED_RESULT;

SD_AVAILABLE_IN_ALL
guint64          sd_restart_policy_get_initial_delay_ms       (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_initial_delay_ms       (SdRestartPolicy *self,
                                                               guint64          initial_delay_ms);
SD_AVAILABLE_IN_ALL
guint64          sd_restart_policy_get_max_delay_ms           (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_max_delay_ms           (SdRestartPolicy *self,
                                                               guint64          max_delay_ms);
SD_AVAILABLE_IN_ALL
double           sd_restart_policy_get_multiplier             (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_multiplier             (SdRestartPolicy *self,
                                                               double           multiplier);
SD_AVAILABLE_IN_ALL
double           sd_restart_policy_get_jitter                 (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_jitter                 (SdRestartPolicy *self,
                                                               double           jitter);
SD_AVAILABLE_IN_ALL
guint64          sd_restart_policy_get_reset_after_ms         (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_reset_after_ms         (SdRestartPolicy *self,
                                                               guint64          reset_after_ms);
SD_AVAILABLE_IN_ALL
guint64          sd_restart_policy_get_wave_spawn_timeout_ms  (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_wave_spawn_timeout_ms  (SdRestartPolicy *self,
                                                               guint64          timeout_ms);
SD_AVAILABLE_IN_ALL
guint64          sd_restart_policy_get_wave_stop_timeout_ms   (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_wave_stop_timeout_ms   (SdRestartPolicy *self,
                                                               guint64          timeout_ms);
SD_AVAILABLE_IN_ALL
guint64          sd_restart_policy_get_provider_init_timeout_ms (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_provider_init_timeout_ms (SdRestartPolicy *self,
                                                                 guint64          timeout_ms);
SD_AVAILABLE_IN_ALL
int              sd_restart_policy_get_trigger_max_retries    (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_trigger_max_retries    (SdRestartPolicy *self,
                                                               int              max_retries);
SD_AVAILABLE_IN_ALL
guint            sd_restart_policy_get_start_limit_burst      (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_start_limit_burst      (SdRestartPolicy *self,
                                                               guint            burst);
SD_AVAILABLE_IN_ALL
guint64          sd_restart_policy_get_start_limit_interval_ms (SdRestartPolicy *self);
SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_start_limit_interval_ms (SdRestartPolicy *self,
                                                                guint64          interval_ms);

SD_AVAILABLE_IN_ALL
void             sd_restart_policy_set_random_seed            (SdRestartPolicy *self,
                                                               guint32          seed);
SD_AVAILABLE_IN_ALL
guint64          sd_restart_policy_get_base_delay_ms          (SdRestartPolicy *self,
                                                               guint            attempt);
SD_AVAILABLE_IN_ALL
guint64          sd_restart_policy_compute_delay_ms           (SdRestartPolicy *self,
                                                               guint            attempt);

G_END_DECLS
