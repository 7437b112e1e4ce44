/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sd-provider.h"

G_BEGIN_DECLS

#define SD_TYPE_SETTINGS_PROVIDER (sd_settings_provider_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdSettingsProvider, sd_settings_provider, SD, SETTINGS_PROVIDER, SdProvider)

/**
 * SdSettingsProviderClass:
 * @parent_class: the parent class
 *
 * The class of GSettings-backed providers.
 *
 * Since: 1.0
 */
struct _SdSettingsProviderClass
{
  SdProviderClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_AVAILABLE_IN_ALL
void        sd_settings_provider_type_set_schema (GType               provider_type,
                                                  const char         *schema_id);
SD_AVAILABLE_IN_ALL
void        sd_settings_provider_type_set_path   (GType               provider_type,
                                                  const char         *path);
SD_AVAILABLE_IN_ALL
void        sd_settings_provider_type_bind       (GType               provider_type,
                                                  const char         *key,
                                                  const char         *property_name);
SD_AVAILABLE_IN_ALL
char       *sd_settings_provider_type_dup_schema (GType               provider_type) G_GNUC_WARN_UNUSED_RESULT;

SD_AVAILABLE_IN_ALL
GSettings  *sd_settings_provider_get_settings    (SdSettingsProvider *self);

G_END_DECLS
