/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sd-types.h"

G_BEGIN_DECLS

/**
 * SD_PROVIDER_ERROR:
 *
 * Error domain a provider uses when its initialisation (#GInitable or #GAsyncInitable)
 * fails, to tell the daemon whether to try again.
 *
 * Since: 1.0
 */
#define SD_PROVIDER_ERROR (sd_provider_error_quark ())

/**
 * SdProviderError:
 * @SD_PROVIDER_ERROR_RETRYABLE: a passing failure (a busy address, an interrupted call): the
 *   daemon retries with the backoff of its #SdRestartPolicy until
 *   #SdRestartPolicy:provider-init-timeout-ms has passed
 * @SD_PROVIDER_ERROR_FATAL: a failure that retrying cannot mend: startup fails with this
 *   error. Errors of other domains are treated the same way.
 *
 * Error codes in the %SD_PROVIDER_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum {
  SD_PROVIDER_ERROR_RETRYABLE,
  SD_PROVIDER_ERROR_FATAL,
} SdProviderError;

/**
 * SdProviderFlags:
 * @SD_PROVIDER_FLAGS_NONE: no flags
 * @SD_PROVIDER_FLAGS_EAGER: initialise the provider before the first startup wave (if a
 *   selected service needs it), rather than right before the wave of its first dependent
 * @SD_PROVIDER_FLAGS_WATCHABLE: a change of any property of the provider (a `notify`
 *   signal, from any thread) reloads every service that depends on it, directly or
 *   through other providers
 *
 * Class-level flags of a provider type, set with sd_provider_type_set_flags().
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/ {
  SD_PROVIDER_FLAGS_NONE      = 0,
  SD_PROVIDER_FLAGS_EAGER     = 1 << 0,
  SD_PROVIDER_FLAGS_WATCHABLE = 1 << 1,
} SdProviderFlags;

#define SD_TYPE_PROVIDER (sd_provider_get_type ())

/**
 * SD_REGISTER_PROVIDER:
 * @type_name: the lowercase prefix of the provider type, as given to `G_DEFINE_TYPE`
 *
 * Registers a provider type with the type system when the program or module is loaded,
 * before `main()` runs. A C type is otherwise registered only when first used, and an
 * abstract dependency can only be resolved to a concrete subtype that is registered. Place
 * it after the `G_DEFINE_TYPE` line of the concrete type.
 *
 * Since: 1.0
 */
#define SD_REGISTER_PROVIDER(type_name) \
  static void _sd_register_##type_name (void) __attribute__((constructor)); \
  static void _sd_register_##type_name (void) { g_type_ensure (type_name##_get_type ()); }

SD_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdProvider, sd_provider, SD, PROVIDER, GObject)

/**
 * SdProviderClass:
 * @parent_class: the parent class
 *
 * The class of providers. A provider that can fail to start implements #GInitable or
 * #GAsyncInitable; its `init` may be called again after an %SD_PROVIDER_ERROR_RETRYABLE
 * failure.
 *
 * Since: 1.0
 */
struct _SdProviderClass
{
  GObjectClass parent_class;

  /*< private >*/
  gpointer _reserved[12];
};

SD_AVAILABLE_IN_ALL
GQuark          sd_provider_error_quark      (void);

SD_AVAILABLE_IN_ALL
void            sd_provider_type_set_flags   (GType            provider_type,
                                              SdProviderFlags  flags);
SD_AVAILABLE_IN_ALL
SdProviderFlags sd_provider_type_get_flags   (GType            provider_type);
SD_AVAILABLE_IN_ALL
SdProviderFlags sd_provider_get_flags        (SdProvider      *self);
SD_AVAILABLE_IN_ALL
void            sd_type_set_dependency_type  (GType            type,
                                              const char      *property_name,
                                              GType            provider_type);
SD_AVAILABLE_IN_ALL
GType           sd_type_get_dependency_type  (GType            type,
                                              const char      *property_name);
SD_AVAILABLE_IN_ALL
void            sd_type_set_dependency_optional (GType         type,
                                              const char      *property_name,
                                              gboolean         optional);
SD_AVAILABLE_IN_ALL
gboolean        sd_type_get_dependency_optional (GType         type,
                                              const char      *property_name);
SD_AVAILABLE_IN_ALL
void            sd_type_set_dependency_reloads (GType          type,
                                              const char      *property_name,
                                              gboolean         reloads);
SD_AVAILABLE_IN_ALL
gboolean        sd_type_get_dependency_reloads (GType          type,
                                              const char      *property_name);
SD_AVAILABLE_IN_ALL
gboolean        sd_provider_get_initialized  (SdProvider      *self);

G_END_DECLS
