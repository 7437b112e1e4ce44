/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-trigger.h"
#include "sd-triggers-macros.h"

G_BEGIN_DECLS

/**
 * SD_INTERVAL_DEFAULT_PERIOD_MS:
 *
 * The period of an #SdInterval whose type sets no default: one second.
 *
 * Since: 1.0
 */
#define SD_INTERVAL_DEFAULT_PERIOD_MS 1000

#define SD_TYPE_INTERVAL (sd_interval_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdInterval, sd_interval, SD, INTERVAL, SdProvider)

/**
 * SdIntervalClass:
 * @parent_class: the parent class
 *
 * The class of intervals. Subclass it to give each period a provider type of its own
 * (injection is by type), with its default set by sd_interval_type_set_default_period_ms().
 *
 * Since: 1.0
 */
struct _SdIntervalClass
{
  SdProviderClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
SdInterval *sd_interval_new                        (guint64             period_ms) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
void        sd_interval_type_set_default_period_ms (GType               interval_type,
                                                    guint64             period_ms);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint64     sd_interval_get_period_ms              (SdInterval         *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void        sd_interval_set_period_ms              (SdInterval         *self,
                                                    guint64             period_ms);

#define SD_TYPE_INTERVAL_TRIGGER (sd_interval_trigger_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdIntervalTrigger, sd_interval_trigger, SD, INTERVAL_TRIGGER, SdTrigger)

/**
 * SdIntervalTriggerClass:
 * @parent_class: the parent class
 *
 * The class of interval triggers.
 *
 * Since: 1.0
 */
struct _SdIntervalTriggerClass
{
  SdTriggerClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
SdInterval *sd_interval_trigger_get_source         (SdIntervalTrigger  *self);

G_END_DECLS
