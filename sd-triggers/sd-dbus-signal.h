/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-trigger.h"
#include "sd-triggers-macros.h"

G_BEGIN_DECLS

#define SD_TYPE_DBUS_SIGNAL_SOURCE (sd_dbus_signal_source_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdDBusSignalSource, sd_dbus_signal_source, SD, DBUS_SIGNAL_SOURCE, SdProvider)

/**
 * SdDBusSignalSourceClass:
 * @parent_class: the parent class
 *
 * The class of D-Bus signal sources. Subclass it to give each match a provider type of its
 * own (injection is by type), with its match set by
 * sd_dbus_signal_source_type_set_defaults().
 *
 * Since: 1.0
 */
struct _SdDBusSignalSourceClass
{
  SdProviderClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
SdDBusSignalSource *sd_dbus_signal_source_new                (GDBusConnection     *connection,
                                                              const char          *sender,
                                                              const char          *interface_name,
                                                              const char          *member,
                                                              const char          *object_path) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
SdDBusSignalSource *sd_dbus_signal_source_new_for_bus        (GBusType             bus_type,
                                                              const char          *sender,
                                                              const char          *interface_name,
                                                              const char          *member,
                                                              const char          *object_path) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
void                sd_dbus_signal_source_type_set_defaults  (GType                source_type,
                                                              GBusType             bus_type,
                                                              const char          *sender,
                                                              const char          *interface_name,
                                                              const char          *member,
                                                              const char          *object_path);
SD_TRIGGERS_AVAILABLE_IN_ALL
GBusType            sd_dbus_signal_source_get_bus_type       (SdDBusSignalSource  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
GDBusConnection    *sd_dbus_signal_source_get_connection     (SdDBusSignalSource  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char         *sd_dbus_signal_source_get_sender         (SdDBusSignalSource  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char         *sd_dbus_signal_source_get_interface_name (SdDBusSignalSource  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char         *sd_dbus_signal_source_get_member         (SdDBusSignalSource  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
const char         *sd_dbus_signal_source_get_object_path    (SdDBusSignalSource  *self);

#define SD_TYPE_DBUS_SIGNAL_TRIGGER (sd_dbus_signal_trigger_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdDBusSignalTrigger, sd_dbus_signal_trigger, SD, DBUS_SIGNAL_TRIGGER, SdTrigger)

/**
 * SdDBusSignalTriggerClass:
 * @parent_class: the parent class
 *
 * The class of D-Bus signal triggers.
 *
 * Since: 1.0
 */
struct _SdDBusSignalTriggerClass
{
  SdTriggerClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
SdDBusSignalSource *sd_dbus_signal_trigger_get_source        (SdDBusSignalTrigger *self);

G_END_DECLS
