/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sd-provider.h"

G_BEGIN_DECLS

#define SD_TYPE_VALUE_PROVIDER (sd_value_provider_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdValueProvider, sd_value_provider, SD, VALUE_PROVIDER, SdProvider)

/**
 * SdValueProviderClass:
 * @parent_class: the parent class
 *
 * The class of value providers.
 *
 * Since: 1.0
 */
struct _SdValueProviderClass
{
  SdProviderClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_AVAILABLE_IN_ALL
void        sd_value_provider_type_set_default (GType             provider_type,
                                                GVariant         *default_value);
SD_AVAILABLE_IN_ALL
void        sd_value_provider_type_bind_env    (GType             provider_type,
                                                const char       *variable,
                                                gboolean          required);

SD_AVAILABLE_IN_ALL
GVariant   *sd_value_provider_dup_value        (SdValueProvider  *self) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
gboolean    sd_value_provider_set_value        (SdValueProvider  *self,
                                                GVariant         *value,
                                                GError          **error);
SD_AVAILABLE_IN_ALL
const GVariantType *sd_value_provider_get_value_type (SdValueProvider *self);
SD_AVAILABLE_IN_ALL
const char *sd_value_provider_get_env_variable (SdValueProvider  *self);

SD_AVAILABLE_IN_ALL
gint64      sd_value_provider_get_int          (SdValueProvider  *self);
SD_AVAILABLE_IN_ALL
double      sd_value_provider_get_double       (SdValueProvider  *self);
SD_AVAILABLE_IN_ALL
gboolean    sd_value_provider_get_boolean      (SdValueProvider  *self);
SD_AVAILABLE_IN_ALL
char       *sd_value_provider_dup_string       (SdValueProvider  *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
