/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-provider.h"

#include "sd-provider-private.h"

/**
 * SdProvider:
 *
 * A per-daemon singleton that services, triggers and other providers depend on.
 *
 * A dependency is declared as a construct-only object property whose value type is a
 * provider type:
 *
 * |[<!-- language="C" -->
 * properties[PROP_STORE] =
 *   g_param_spec_object ("store", NULL, NULL, MY_TYPE_STORE,
 *                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
 * ]|
 *
 * When a daemon is built it fills every such property with the one instance of that type it
 * holds, creating it on first need (and its own dependencies before it). Each daemon has
 * its own instances; nothing is process-global. Asking for an abstract type finds its only
 * concrete subtype (two are an error: hand the daemon the one to use with
 * sd_daemon_add_provider()). A dependency cycle, a missing provider, or a provider-typed
 * property that is writable but not construct-only are build errors that name the types.
 *
 * A provider that can fail to start implements #GInitable or #GAsyncInitable and reports
 * %SD_PROVIDER_ERROR_RETRYABLE (the daemon retries with its backoff until
 * #SdRestartPolicy:provider-init-timeout-ms) or %SD_PROVIDER_ERROR_FATAL (startup fails). It is
 * initialised right before the first wave that needs it, after the providers it depends on;
 * %SD_PROVIDER_FLAGS_EAGER ones before the first wave.
 *
 * A provider type with %SD_PROVIDER_FLAGS_WATCHABLE reloads its dependents — services that
 * depend on it directly or through other providers — whenever one of its properties changes.
 *
 * Since: 1.0
 */

typedef struct
{
  int initialized;  /* (atomic) */
} SdProviderPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SdProvider, sd_provider, G_TYPE_OBJECT)

G_DEFINE_QUARK (sd-provider-error-quark, sd_provider_error)

static GQuark
flags_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-provider-flags");

  return quark;
}

static void
sd_provider_class_init (SdProviderClass *klass)
{
}

static void
sd_provider_init (SdProvider *self)
{
}

void
_sd_provider_set_initialized (SdProvider *self,
                              gboolean    initialized)
{
  SdProviderPrivate *priv = sd_provider_get_instance_private (self);

  g_atomic_int_set (&priv->initialized, !!initialized);
}

/**
 * sd_provider_type_set_flags:
 * @provider_type: a #SdProvider subtype
 * @flags: the flags
 *
 * Sets the class-level flags of @provider_type, for example in its `class_init`. Subtypes
 * that set none inherit them.
 *
 * Since: 1.0
 */
void
sd_provider_type_set_flags (GType           provider_type,
                            SdProviderFlags flags)
{
  g_return_if_fail (g_type_is_a (provider_type, SD_TYPE_PROVIDER));

  /* The value is stored plus one, so that "no flags" differs from "not set" */
  g_type_set_qdata (provider_type, flags_quark (), GUINT_TO_POINTER ((guint) flags + 1));
}

/**
 * sd_provider_type_get_flags:
 * @provider_type: a #SdProvider subtype
 *
 * Gets the class-level flags of @provider_type: the ones it set, or else those of its
 * nearest ancestor that set some.
 *
 * Returns: the flags
 *
 * Since: 1.0
 */
SdProviderFlags
sd_provider_type_get_flags (GType provider_type)
{
  g_return_val_if_fail (g_type_is_a (provider_type, SD_TYPE_PROVIDER), SD_PROVIDER_FLAGS_NONE);

  /* Flags are usually set in class_init: make sure it ran (static classes stay alive) */
  if (g_type_class_peek (provider_type) == NULL)
    g_type_class_unref (g_type_class_ref (provider_type));

  for (GType type = provider_type; type != 0; type = g_type_parent (type))
    {
      guint stored = GPOINTER_TO_UINT (g_type_get_qdata (type, flags_quark ()));

      if (stored != 0)
        return (SdProviderFlags) (stored - 1);
    }

  return SD_PROVIDER_FLAGS_NONE;
}

/**
 * sd_provider_get_flags:
 * @self: a #SdProvider
 *
 * Gets the class-level flags of the type of @self.
 *
 * Returns: the flags
 *
 * Since: 1.0
 */
SdProviderFlags
sd_provider_get_flags (SdProvider *self)
{
  g_return_val_if_fail (SD_IS_PROVIDER (self), SD_PROVIDER_FLAGS_NONE);

  return sd_provider_type_get_flags (G_OBJECT_TYPE (self));
}

static GMutex dependency_types_lock;

static GQuark
dependency_types_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-dependency-types");

  return quark;
}

/**
 * sd_type_set_dependency_type:
 * @type: a service, trigger or provider type
 * @property_name: the name of a construct-only property of a provider type
 * @provider_type: the provider type to inject there, a subtype of the property's type
 *
 * Narrows what the daemon injects into @property_name of instances of @type and its
 * subtypes: an instance of @provider_type rather than of the property's declared type. This
 * is how a subclass says which provider a generic property takes — a notify trigger type
 * names its notifier type, a cron trigger type its schedule type — without declaring a
 * property of its own. A @provider_type that is not a subtype of the property's type is a
 * build error.
 *
 * Since: 1.0
 */
void
sd_type_set_dependency_type (GType       type,
                             const char *property_name,
                             GType       provider_type)
{
  GHashTable *types;

  g_return_if_fail (g_type_is_a (type, G_TYPE_OBJECT));
  g_return_if_fail (property_name != NULL);
  g_return_if_fail (g_type_is_a (provider_type, SD_TYPE_PROVIDER));

  g_mutex_lock (&dependency_types_lock);
  types = g_type_get_qdata (type, dependency_types_quark ());
  if (types == NULL)
    {
      /* Types are never unregistered, so neither is this table */
      types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_type_set_qdata (type, dependency_types_quark (), types);
    }
  g_hash_table_insert (types, g_strdup (property_name), GSIZE_TO_POINTER (provider_type));
  g_mutex_unlock (&dependency_types_lock);
}

/**
 * sd_type_get_dependency_type:
 * @type: a service, trigger or provider type
 * @property_name: the name of a property
 *
 * Gets the provider type set with sd_type_set_dependency_type() for @property_name of
 * @type or its nearest ancestor that set one.
 *
 * Returns: the provider type, or %G_TYPE_INVALID if none was set
 *
 * Since: 1.0
 */
GType
sd_type_get_dependency_type (GType       type,
                             const char *property_name)
{
  GType ret = G_TYPE_INVALID;

  g_return_val_if_fail (property_name != NULL, G_TYPE_INVALID);

  g_mutex_lock (&dependency_types_lock);
  for (; type != 0 && ret == G_TYPE_INVALID; type = g_type_parent (type))
    {
      GHashTable *types = g_type_get_qdata (type, dependency_types_quark ());

      if (types != NULL)
        ret = GPOINTER_TO_SIZE (g_hash_table_lookup (types, property_name));
    }
  g_mutex_unlock (&dependency_types_lock);

  return ret;
}

/* Per-type, per-property tri-state attributes of dependencies (0: not said, 1: yes, 2: no),
 * inherited from the nearest ancestor that said something */
static void
set_property_attribute (GType       type,
                        GQuark      quark,
                        const char *property_name,
                        gboolean    value)
{
  GHashTable *names;

  g_mutex_lock (&dependency_types_lock);
  names = g_type_get_qdata (type, quark);
  if (names == NULL)
    {
      /* Types are never unregistered, so neither is this table */
      names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_type_set_qdata (type, quark, names);
    }
  g_hash_table_insert (names, g_strdup (property_name), GINT_TO_POINTER (value ? 1 : 2));
  g_mutex_unlock (&dependency_types_lock);
}

static int
lookup_property_attribute (GType       type,
                           GQuark      quark,
                           const char *property_name)
{
  int found = 0;

  g_mutex_lock (&dependency_types_lock);
  for (; type != 0 && found == 0; type = g_type_parent (type))
    {
      GHashTable *names = g_type_get_qdata (type, quark);

      if (names != NULL)
        found = GPOINTER_TO_INT (g_hash_table_lookup (names, property_name));
    }
  g_mutex_unlock (&dependency_types_lock);

  return found;
}

static GQuark
optional_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-optional-dependencies");

  return quark;
}

/**
 * sd_type_set_dependency_optional:
 * @type: a service, trigger or provider type
 * @property_name: the name of a construct-only property of a provider type
 * @optional: whether the dependency is optional
 *
 * Marks a dependency of @type (and its subtypes) as optional: an instance the application
 * created itself may leave it unset (%NULL) instead of being refused by the daemon. Types the
 * daemon creates still get it injected.
 *
 * Since: 1.0
 */
void
sd_type_set_dependency_optional (GType       type,
                                 const char *property_name,
                                 gboolean    optional)
{
  g_return_if_fail (g_type_is_a (type, G_TYPE_OBJECT));
  g_return_if_fail (property_name != NULL);

  set_property_attribute (type, optional_quark (), property_name, optional);
}

/**
 * sd_type_get_dependency_optional:
 * @type: a service, trigger or provider type
 * @property_name: the name of a property
 *
 * Whether sd_type_set_dependency_optional() marked @property_name of @type or its nearest
 * ancestor that said so as optional.
 *
 * Returns: %TRUE for an optional dependency
 *
 * Since: 1.0
 */
gboolean
sd_type_get_dependency_optional (GType       type,
                                 const char *property_name)
{
  g_return_val_if_fail (property_name != NULL, FALSE);

  return lookup_property_attribute (type, optional_quark (), property_name) == 1;
}

static GQuark
reloads_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-dependency-reloads");

  return quark;
}

/**
 * sd_type_set_dependency_reloads:
 * @type: a service, trigger or provider type
 * @property_name: the name of a construct-only property of a provider type
 * @reloads: whether a change of that provider reloads instances of @type
 *
 * By default a change of a watchable provider reloads everything that depends on it. A type
 * that observes the provider itself — a watch trigger fires on each change — turns that off
 * for the property through which it depends on it.
 *
 * Since: 1.0
 */
void
sd_type_set_dependency_reloads (GType       type,
                                const char *property_name,
                                gboolean    reloads)
{
  g_return_if_fail (g_type_is_a (type, G_TYPE_OBJECT));
  g_return_if_fail (property_name != NULL);

  set_property_attribute (type, reloads_quark (), property_name, reloads);
}

/**
 * sd_type_get_dependency_reloads:
 * @type: a service, trigger or provider type
 * @property_name: the name of a property
 *
 * Whether a change of the provider behind @property_name reloads instances of @type (see
 * sd_type_set_dependency_reloads()).
 *
 * Returns: %TRUE unless it was turned off for @type or an ancestor
 *
 * Since: 1.0
 */
gboolean
sd_type_get_dependency_reloads (GType       type,
                                const char *property_name)
{
  g_return_val_if_fail (property_name != NULL, TRUE);

  return lookup_property_attribute (type, reloads_quark (), property_name) != 2;
}

/**
 * sd_provider_get_initialized:
 * @self: a #SdProvider
 *
 * Whether the daemon has initialised @self: its #GInitable or #GAsyncInitable
 * initialisation (if any) succeeded.
 *
 * Returns: %TRUE once the provider is initialised
 *
 * Since: 1.0
 */
gboolean
sd_provider_get_initialized (SdProvider *self)
{
  SdProviderPrivate *priv = sd_provider_get_instance_private (self);

  g_return_val_if_fail (SD_IS_PROVIDER (self), FALSE);

  return g_atomic_int_get (&priv->initialized);
}
