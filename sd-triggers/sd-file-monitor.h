/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-trigger.h"
#include "sd-triggers-macros.h"

G_BEGIN_DECLS

#define SD_TYPE_FILE_WATCH (sd_file_watch_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdFileWatch, sd_file_watch, SD, FILE_WATCH, SdProvider)

/**
 * SdFileWatchClass:
 * @parent_class: the parent class
 *
 * The class of file watches. Subclass it to give each watched path a provider type of its
 * own (injection is by type), with its path set by sd_file_watch_type_set_default_path().
 *
 * Since: 1.0
 */
struct _SdFileWatchClass
{
  SdProviderClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
SdFileWatch       *sd_file_watch_new                  (const char            *path) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
void               sd_file_watch_type_set_default_path (GType                 file_watch_type,
                                                        const char           *path);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char        *sd_file_watch_get_path             (SdFileWatch           *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
GFileMonitorFlags  sd_file_watch_get_flags            (SdFileWatch           *self);

#define SD_TYPE_FILE_MONITOR_TRIGGER (sd_file_monitor_trigger_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdFileMonitorTrigger, sd_file_monitor_trigger, SD, FILE_MONITOR_TRIGGER, SdTrigger)

/**
 * SdFileMonitorTriggerClass:
 * @parent_class: the parent class
 *
 * The class of file monitor triggers.
 *
 * Since: 1.0
 */
struct _SdFileMonitorTriggerClass
{
  SdTriggerClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
SdFileWatch       *sd_file_monitor_trigger_get_source (SdFileMonitorTrigger  *self);

G_END_DECLS
