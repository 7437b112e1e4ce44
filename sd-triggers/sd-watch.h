/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-trigger.h"
#include "sd-triggers-macros.h"

G_BEGIN_DECLS

#define SD_TYPE_WATCH_TRIGGER (sd_watch_trigger_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdWatchTrigger, sd_watch_trigger, SD, WATCH_TRIGGER, SdTrigger)

/**
 * SdWatchTriggerClass:
 * @parent_class: the parent class
 *
 * The class of watch triggers. A subclass narrows the provider it watches with
 * sd_trigger_type_set_source() and may choose the property with
 * sd_watch_trigger_type_set_property_name().
 *
 * Since: 1.0
 */
struct _SdWatchTriggerClass
{
  SdTriggerClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
void        sd_watch_trigger_type_set_property_name (GType            trigger_type,
                                                     const char      *property_name);

SD_TRIGGERS_AVAILABLE_IN_ALL
SdProvider *sd_watch_trigger_get_source             (SdWatchTrigger  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char *sd_watch_trigger_get_property_name      (SdWatchTrigger  *self);

G_END_DECLS
