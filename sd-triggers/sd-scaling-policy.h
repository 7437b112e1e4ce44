/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-triggers-macros.h"

G_BEGIN_DECLS

#define SD_TYPE_SCALING_POLICY (sd_scaling_policy_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SdScalingPolicy, sd_scaling_policy, SD, SCALING_POLICY, GObject)

SD_TRIGGERS_AVAILABLE_IN_ALL
SdScalingPolicy *sd_scaling_policy_new              (void) G_GNUC_WARN_UNUSED_RESULT;

SD_TRIGGERS_AVAILABLE_IN_ALL
guint            sd_scaling_policy_get_initial      (SdScalingPolicy *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_scaling_policy_set_initial      (SdScalingPolicy *self,
                                                     guint            initial);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint            sd_scaling_policy_get_max          (SdScalingPolicy *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_scaling_policy_set_max          (SdScalingPolicy *self,
                                                     guint            max);
SD_TRIGGERS_AVAILABLE_IN_ALL
double           sd_scaling_policy_get_factor       (SdScalingPolicy *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_scaling_policy_set_factor       (SdScalingPolicy *self,
                                                     double           factor);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint            sd_scaling_policy_get_threshold    (SdScalingPolicy *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_scaling_policy_set_threshold    (SdScalingPolicy *self,
                                                     guint            threshold);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint64          sd_scaling_policy_get_cool_down_ms (SdScalingPolicy *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_scaling_policy_set_cool_down_ms (SdScalingPolicy *self,
                                                     guint64          cool_down_ms);

SD_TRIGGERS_AVAILABLE_IN_ALL
guint            sd_scaling_policy_compute_grow     (SdScalingPolicy *self,
                                                     guint            concurrency);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint            sd_scaling_policy_compute_shrink   (SdScalingPolicy *self,
                                                     guint            concurrency);

G_END_DECLS
