/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <glib-object.h>

#include "sd-types.h"

G_BEGIN_DECLS

#define SD_TYPE_REGISTRY (sd_registry_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SdRegistry, sd_registry, SD, REGISTRY, GObject)

/**
 * SD_REGISTER_SERVICE:
 * @type_name: the lowercase prefix of the service type, as given to `G_DEFINE_TYPE`
 *   (for `MyHeartbeat` defined with `my_heartbeat`, pass `my_heartbeat`)
 *
 * Registers a service type with the process-wide list of discovered services when the
 * program or module is loaded, before `main()` runs. A daemon made by sd_daemon_new()
 * runs every discovered service. Place it after the `G_DEFINE_TYPE` line.
 *
 * Since: 1.0
 */
#define SD_REGISTER_SERVICE(type_name) \
  static void _sd_register_##type_name (void) __attribute__((constructor)); \
  static void _sd_register_##type_name (void) { sd_registry_register_type (type_name##_get_type ()); }

SD_AVAILABLE_IN_ALL
void                 sd_registry_register_type       (GType               service_type);
SD_AVAILABLE_IN_ALL
GType               *sd_registry_list_registered_types (guint             *n_types) G_GNUC_WARN_UNUSED_RESULT;

SD_AVAILABLE_IN_ALL
SdRegistry          *sd_registry_new                 (void) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
SdRegistry          *sd_registry_new_discovered      (void) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
gboolean             sd_registry_get_discover        (SdRegistry         *self);
SD_AVAILABLE_IN_ALL
void                 sd_registry_set_discover        (SdRegistry         *self,
                                                      gboolean            discover);
SD_AVAILABLE_IN_ALL
gboolean             sd_registry_add_type            (SdRegistry         *self,
                                                      GType               service_type,
                                                      GError            **error,
                                                      const char         *first_property_name,
                                                      ...);
SD_AVAILABLE_IN_ALL
gboolean             sd_registry_add_type_with_properties (SdRegistry    *self,
                                                      GType               service_type,
                                                      guint               n_properties,
                                                      const char        **names,
                                                      const GValue       *values,
                                                      GError            **error);
SD_AVAILABLE_IN_ALL
gboolean             sd_registry_add_service         (SdRegistry         *self,
                                                      SdService          *service,
                                                      GError            **error);
SD_AVAILABLE_IN_ALL
const char * const  *sd_registry_get_include_tags    (SdRegistry         *self);
SD_AVAILABLE_IN_ALL
void                 sd_registry_set_include_tags    (SdRegistry         *self,
                                                      const char * const *tags);
SD_AVAILABLE_IN_ALL
const char * const  *sd_registry_get_exclude_tags    (SdRegistry         *self);
SD_AVAILABLE_IN_ALL
void                 sd_registry_set_exclude_tags    (SdRegistry         *self,
                                                      const char * const *tags);

G_END_DECLS
