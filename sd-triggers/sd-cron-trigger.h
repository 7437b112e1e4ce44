/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-cron.h"
#include "sd-trigger.h"
#include "sd-triggers-macros.h"

G_BEGIN_DECLS

#define SD_TYPE_CRON_SCHEDULE (sd_cron_schedule_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdCronSchedule, sd_cron_schedule, SD, CRON_SCHEDULE, SdProvider)

/**
 * SdCronScheduleClass:
 * @parent_class: the parent class
 *
 * The class of cron schedules. Subclass it to give each schedule a type of its own
 * (injection is by type) and set its expression with sd_cron_schedule_type_set() in
 * `class_init`.
 *
 * Since: 1.0
 */
struct _SdCronScheduleClass
{
  SdProviderClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
SdCronSchedule *sd_cron_schedule_new             (const char      *expression,
                                                  const char      *time_zone) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
void            sd_cron_schedule_type_set        (GType            schedule_type,
                                                  const char      *expression,
                                                  const char      *time_zone);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char     *sd_cron_schedule_get_expression  (SdCronSchedule  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char     *sd_cron_schedule_get_time_zone   (SdCronSchedule  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
GDateTime      *sd_cron_schedule_next            (SdCronSchedule  *self,
                                                  GDateTime       *after) G_GNUC_WARN_UNUSED_RESULT;

#define SD_TYPE_CRON_TRIGGER (sd_cron_trigger_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdCronTrigger, sd_cron_trigger, SD, CRON_TRIGGER, SdTrigger)

/**
 * SdCronTriggerClass:
 * @parent_class: the parent class
 *
 * The class of cron triggers.
 *
 * Since: 1.0
 */
struct _SdCronTriggerClass
{
  SdTriggerClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
SdCronSchedule *sd_cron_trigger_get_source         (SdCronTrigger  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
gint64          sd_cron_trigger_get_next_fire_time (SdCronTrigger  *self);

G_END_DECLS
