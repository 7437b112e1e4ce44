/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-settings-provider.h"

#include <string.h>

#include "sd-i18n-private.h"

/**
 * SdSettingsProvider:
 *
 * A provider whose properties follow keys of a [class@Gio.Settings] schema, so that a
 * change in dconf (or any other settings backend) reloads the services that depend on it.
 *
 * A subclass declares its own properties and, in its `class_init`, the schema and which key
 * feeds which property:
 *
 * |[<!-- language="C" -->
 * static void
 * my_prefs_class_init (MyPrefsClass *klass)
 * {
 *   GObjectClass *object_class = G_OBJECT_CLASS (klass);
 *   GType type = G_TYPE_FROM_CLASS (klass);
 *
 *   object_class->get_property = my_prefs_get_property;
 *   object_class->set_property = my_prefs_set_property;
 *
 *   properties[PROP_INTERVAL] =
 *     g_param_spec_uint ("interval", NULL, NULL, 1, G_MAXUINT, 60,
 *                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
 *   g_object_class_install_properties (object_class, N_PROPS, properties);
 *
 *   sd_settings_provider_type_set_schema (type, "org.example.Agent");
 *   sd_settings_provider_type_bind (type, "poll-interval", "interval");
 * }
 * ]|
 *
 * When the provider is constructed it creates a #GSettings for the schema (or uses the one
 * given as #SdSettingsProvider:settings, for example with a backend of the application's own)
 * and binds each key to its property with %G_SETTINGS_BIND_GET: the property takes the
 * current value at once, and every later change of the key sets it again. Subclasses of a
 * settings provider inherit the schema and the bindings, and may add bindings of their own.
 *
 * The default mapping of [method@Gio.Settings.bind] applies: booleans, numbers, strings,
 * string arrays, enums (from their nick) and flags. A property of type #GVariant receives
 * the value of the key as it is; its #GVariantType must contain the type of the key.
 *
 * Settings providers are %SD_PROVIDER_FLAGS_WATCHABLE: each change of a bound property
 * reloads the services that depend on the provider. A property that notifies only when its
 * value really changes (%G_PARAM_EXPLICIT_NOTIFY) spares the dependents a reload when a key
 * is written again with the value it already has. Changes are delivered in the
 * #GMainContext that was thread-default when the provider was constructed — for providers
 * the daemon creates, the one the daemon is built on — so that context must run. Services on
 * other threads read the properties while that context may set them: a property that is not
 * a single word needs a lock in the subclass' accessors.
 *
 * A schema that is not installed, a key the schema does not have or a property that cannot
 * take the key's value never aborts the process: the provider implements #GInitable, and its
 * initialisation fails with %SD_PROVIDER_ERROR_FATAL naming the schema, key or property, so
 * that the daemon fails at startup with that message.
 *
 * Since: 1.0
 */

typedef struct
{
  GSettings *settings;    /* (owned) (nullable) */
  GError    *init_error;  /* (owned) (nullable): why the provider cannot be used */
  GPtrArray *bound;       /* (owned) (element-type utf8): interned names of bound properties */
} SdSettingsProviderPrivate;

/* One key → property binding of a provider type */
typedef struct
{
  char *key;       /* (owned) */
  char *property;  /* (owned) */
} SdSettingsBinding;

/* Class-level configuration, in the qdata of each type that sets some */
typedef struct
{
  char      *schema_id;  /* (owned) (nullable) */
  char      *path;       /* (owned) (nullable) */
  GPtrArray *bindings;   /* (owned) (element-type SdSettingsBinding) */
} SdSettingsConfig;

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void sd_settings_provider_initable_iface_init (GInitableIface *iface);

/* The flags are set at registration, so that they are known before the class exists */
G_DEFINE_ABSTRACT_TYPE_WITH_CODE (SdSettingsProvider, sd_settings_provider, SD_TYPE_PROVIDER,
                                  G_ADD_PRIVATE (SdSettingsProvider)
                                  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                         sd_settings_provider_initable_iface_init)
                                  sd_provider_type_set_flags (g_define_type_id,
                                                              SD_PROVIDER_FLAGS_WATCHABLE))

/* Held while the configuration of a type is read or written, never while anything else runs */
static GMutex config_lock;

static GQuark
config_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-settings-provider-config");

  return quark;
}

static void
binding_free (gpointer data)
{
  SdSettingsBinding *binding = data;

  g_free (binding->key);
  g_free (binding->property);
  g_free (binding);
}

static SdSettingsConfig *
ensure_config (GType type)
{
  SdSettingsConfig *config = g_type_get_qdata (type, config_quark ());

  g_assert (type != 0);

  if (config == NULL)
    {
      config = g_new0 (SdSettingsConfig, 1);
      config->bindings = g_ptr_array_new_with_free_func (binding_free);
      /* Types are never unregistered, so neither is their configuration */
      g_type_set_qdata (type, config_quark (), config);
    }

  return config;
}

/*
 * Collects the configuration that applies to @type: the nearest schema and path, and the
 * bindings of every settings provider type from SdSettingsProvider down to @type, ancestors
 * first (a later binding of the same property replaces an earlier one).
 */
static GPtrArray *
collect_config (GType   type,
                char  **schema_id,
                char  **path)
{
  g_autoptr(GArray) chain = g_array_new (FALSE, FALSE, sizeof (GType));
  GPtrArray *bindings = g_ptr_array_new_with_free_func (binding_free);

  *schema_id = NULL;
  *path = NULL;

  for (GType t = type; t != 0 && g_type_is_a (t, SD_TYPE_SETTINGS_PROVIDER); t = g_type_parent (t))
    g_array_prepend_val (chain, t);

  g_mutex_lock (&config_lock);
  for (guint i = chain->len; i > 0; i--)
    {
      SdSettingsConfig *config = g_type_get_qdata (g_array_index (chain, GType, i - 1),
                                                   config_quark ());

      if (config == NULL)
        continue;
      if (*schema_id == NULL && config->schema_id != NULL)
        *schema_id = g_strdup (config->schema_id);
      if (*path == NULL && config->path != NULL)
        *path = g_strdup (config->path);
    }
  for (guint i = 0; i < chain->len; i++)
    {
      SdSettingsConfig *config = g_type_get_qdata (g_array_index (chain, GType, i),
                                                   config_quark ());

      if (config == NULL)
        continue;
      for (guint j = 0; j < config->bindings->len; j++)
        {
          const SdSettingsBinding *binding = g_ptr_array_index (config->bindings, j);
          SdSettingsBinding *copy = g_new0 (SdSettingsBinding, 1);

          copy->key = g_strdup (binding->key);
          copy->property = g_strdup (binding->property);
          g_ptr_array_add (bindings, copy);
        }
    }
  g_mutex_unlock (&config_lock);

  return bindings;
}

/* The default mapping of g_settings_bind(), which reports a mismatch with a critical */
static gboolean
mapping_is_compatible (GType               value_type,
                       const GVariantType *key_type)
{
  if (value_type == G_TYPE_BOOLEAN)
    return g_variant_type_equal (key_type, G_VARIANT_TYPE_BOOLEAN);
  if (value_type == G_TYPE_CHAR || value_type == G_TYPE_UCHAR)
    return g_variant_type_equal (key_type, G_VARIANT_TYPE_BYTE);
  if (value_type == G_TYPE_INT || value_type == G_TYPE_UINT ||
      value_type == G_TYPE_INT64 || value_type == G_TYPE_UINT64 ||
      value_type == G_TYPE_DOUBLE)
    return (g_variant_type_equal (key_type, G_VARIANT_TYPE_INT16) ||
            g_variant_type_equal (key_type, G_VARIANT_TYPE_UINT16) ||
            g_variant_type_equal (key_type, G_VARIANT_TYPE_INT32) ||
            g_variant_type_equal (key_type, G_VARIANT_TYPE_UINT32) ||
            g_variant_type_equal (key_type, G_VARIANT_TYPE_INT64) ||
            g_variant_type_equal (key_type, G_VARIANT_TYPE_UINT64) ||
            g_variant_type_equal (key_type, G_VARIANT_TYPE_HANDLE) ||
            g_variant_type_equal (key_type, G_VARIANT_TYPE_DOUBLE));
  if (value_type == G_TYPE_STRING)
    return (g_variant_type_equal (key_type, G_VARIANT_TYPE_STRING) ||
            g_variant_type_equal (key_type, G_VARIANT_TYPE_BYTESTRING) ||
            g_variant_type_equal (key_type, G_VARIANT_TYPE_OBJECT_PATH) ||
            g_variant_type_equal (key_type, G_VARIANT_TYPE_SIGNATURE));
  if (value_type == G_TYPE_STRV)
    return g_variant_type_equal (key_type, G_VARIANT_TYPE_STRING_ARRAY);
  if (G_TYPE_IS_ENUM (value_type))
    return g_variant_type_equal (key_type, G_VARIANT_TYPE_STRING);
  if (G_TYPE_IS_FLAGS (value_type))
    return g_variant_type_equal (key_type, G_VARIANT_TYPE_STRING_ARRAY);

  return FALSE;
}

/* Hands the value of a key to a #GVariant property as it is */
static gboolean
variant_get_mapping (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  g_value_set_variant (value, variant);
  return TRUE;
}

static gboolean
path_is_valid (const char *path)
{
  return path[0] == '/' && g_str_has_suffix (path, "/") && strstr (path, "//") == NULL;
}

/* Creates or checks the #GSettings of @self; returns its schema */
static GSettingsSchema *
setup_settings (SdSettingsProvider  *self,
                const char          *schema_id,
                const char          *path,
                GError             **error)
{
  SdSettingsProviderPrivate *priv = sd_settings_provider_get_instance_private (self);
  GSettingsSchemaSource *source;
  g_autoptr(GSettingsSchema) schema = NULL;
  const char *schema_path;

  if (priv->settings != NULL)
    {
      g_object_get (priv->settings, "settings-schema", &schema, NULL);
      if (schema_id != NULL && g_strcmp0 (schema_id, g_settings_schema_get_id (schema)) != 0)
        {
          g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                       _("The provider %s reads the GSettings schema “%s”, but was given settings of the schema “%s”"),
                       G_OBJECT_TYPE_NAME (self), schema_id, g_settings_schema_get_id (schema));
          return NULL;
        }
      return g_steal_pointer (&schema);
    }

  if (schema_id == NULL)
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The provider %s names no GSettings schema and was given no settings"),
                   G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  /* g_settings_new() would abort the process on an unknown schema */
  source = g_settings_schema_source_get_default ();
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, schema_id, TRUE);
  if (schema == NULL)
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The GSettings schema “%s” of the provider %s is not installed"),
                   schema_id, G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  /* …and so would a missing or conflicting path */
  schema_path = g_settings_schema_get_path (schema);
  if (schema_path == NULL && path == NULL)
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The GSettings schema “%s” of the provider %s is relocatable, but the provider sets no path"),
                   schema_id, G_OBJECT_TYPE_NAME (self));
      return NULL;
    }
  if (schema_path != NULL && path != NULL && strcmp (schema_path, path) != 0)
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The GSettings schema “%s” of the provider %s has the fixed path %s, not %s"),
                   schema_id, G_OBJECT_TYPE_NAME (self), schema_path, path);
      return NULL;
    }

  priv->settings = g_settings_new_full (schema, NULL, path);

  return g_steal_pointer (&schema);
}

static gboolean
bind_key (SdSettingsProvider  *self,
          GSettingsSchema     *schema,
          const char          *key,
          const char          *property,
          GError             **error)
{
  SdSettingsProviderPrivate *priv = sd_settings_provider_get_instance_private (self);
  g_autoptr(GSettingsSchemaKey) schema_key = NULL;
  const GVariantType *key_type;
  GParamSpec *pspec;

  /* g_settings_bind() would abort the process on an unknown key */
  if (!g_settings_schema_has_key (schema, key))
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The GSettings schema “%s” has no key “%s” (bound by the provider %s)"),
                   g_settings_schema_get_id (schema), key, G_OBJECT_TYPE_NAME (self));
      return FALSE;
    }

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), property);
  if (pspec == NULL || (pspec->flags & G_PARAM_WRITABLE) == 0 ||
      (pspec->flags & G_PARAM_CONSTRUCT_ONLY) != 0)
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The provider %s has no writable property “%s” for the GSettings key “%s”"),
                   G_OBJECT_TYPE_NAME (self), property, key);
      return FALSE;
    }

  schema_key = g_settings_schema_get_key (schema, key);
  key_type = g_settings_schema_key_get_value_type (schema_key);

  if (G_IS_PARAM_SPEC_VARIANT (pspec) &&
      g_variant_type_is_subtype_of (key_type, G_PARAM_SPEC_VARIANT (pspec)->type))
    {
      g_settings_bind_with_mapping (priv->settings, key, self, pspec->name, G_SETTINGS_BIND_GET,
                                    variant_get_mapping, NULL, NULL, NULL);
    }
  else if (mapping_is_compatible (pspec->value_type, key_type))
    {
      g_settings_bind (priv->settings, key, self, pspec->name, G_SETTINGS_BIND_GET);
    }
  else
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   _("The property “%s” (%s) of the provider %s cannot hold the GSettings key “%s” of type %s"),
                   pspec->name, g_type_name (pspec->value_type), G_OBJECT_TYPE_NAME (self), key,
                   g_variant_type_peek_string (key_type));
      return FALSE;
    }

  g_ptr_array_add (priv->bound, (gpointer) g_intern_string (pspec->name));

  return TRUE;
}

static gboolean
setup (SdSettingsProvider  *self,
       GError             **error)
{
  g_autoptr(GPtrArray) bindings = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autofree char *schema_id = NULL;
  g_autofree char *path = NULL;

  bindings = collect_config (G_OBJECT_TYPE (self), &schema_id, &path);

  schema = setup_settings (self, schema_id, path, error);
  if (schema == NULL)
    return FALSE;

  for (guint i = 0; i < bindings->len; i++)
    {
      const SdSettingsBinding *binding = g_ptr_array_index (bindings, i);

      if (!bind_key (self, schema, binding->key, binding->property, error))
        return FALSE;
    }

  return TRUE;
}

static void
unbind_all (SdSettingsProvider *self)
{
  SdSettingsProviderPrivate *priv = sd_settings_provider_get_instance_private (self);

  for (guint i = 0; i < priv->bound->len; i++)
    g_settings_unbind (self, g_ptr_array_index (priv->bound, i));
  g_ptr_array_set_size (priv->bound, 0);
}

static void
sd_settings_provider_dispose (GObject *object)
{
  SdSettingsProvider *self = SD_SETTINGS_PROVIDER (object);
  SdSettingsProviderPrivate *priv = sd_settings_provider_get_instance_private (self);

  unbind_all (self);
  g_clear_object (&priv->settings);

  G_OBJECT_CLASS (sd_settings_provider_parent_class)->dispose (object);
}

static void
sd_settings_provider_finalize (GObject *object)
{
  SdSettingsProvider *self = SD_SETTINGS_PROVIDER (object);
  SdSettingsProviderPrivate *priv = sd_settings_provider_get_instance_private (self);

  g_clear_error (&priv->init_error);
  g_clear_pointer (&priv->bound, g_ptr_array_unref);

  G_OBJECT_CLASS (sd_settings_provider_parent_class)->finalize (object);
}

static void
sd_settings_provider_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  SdSettingsProvider *self = SD_SETTINGS_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, sd_settings_provider_get_settings (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_settings_provider_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  SdSettingsProvider *self = SD_SETTINGS_PROVIDER (object);
  SdSettingsProviderPrivate *priv = sd_settings_provider_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_assert (priv->settings == NULL);
      priv->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_settings_provider_constructed (GObject *object)
{
  SdSettingsProvider *self = SD_SETTINGS_PROVIDER (object);
  SdSettingsProviderPrivate *priv = sd_settings_provider_get_instance_private (self);

  G_OBJECT_CLASS (sd_settings_provider_parent_class)->constructed (object);

  /* A failure is kept for GInitable, so that the daemon reports it */
  if (!setup (self, &priv->init_error))
    unbind_all (self);
}

static void
sd_settings_provider_class_init (SdSettingsProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sd_settings_provider_constructed;
  object_class->dispose = sd_settings_provider_dispose;
  object_class->finalize = sd_settings_provider_finalize;
  object_class->get_property = sd_settings_provider_get_property;
  object_class->set_property = sd_settings_provider_set_property;

  /**
   * SdSettingsProvider:settings:
   *
   * The settings the bound keys are read from. Given at construction, they replace the
   * #GSettings the provider would create for its schema (an application with a settings
   * backend of its own, or a test with a memory backend, passes them). Otherwise, they are
   * the settings the provider created, or %NULL when it could not (its initialisation then
   * fails).
   *
   * Since: 1.0
   */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sd_settings_provider_init (SdSettingsProvider *self)
{
  SdSettingsProviderPrivate *priv = sd_settings_provider_get_instance_private (self);

  priv->bound = g_ptr_array_new ();
}

static gboolean
sd_settings_provider_initable_init (GInitable     *initable,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  SdSettingsProvider *self = SD_SETTINGS_PROVIDER (initable);
  SdSettingsProviderPrivate *priv = sd_settings_provider_get_instance_private (self);

  if (priv->init_error != NULL)
    {
      g_propagate_error (error, g_error_copy (priv->init_error));
      return FALSE;
    }

  return TRUE;
}

static void
sd_settings_provider_initable_iface_init (GInitableIface *iface)
{
  iface->init = sd_settings_provider_initable_init;
}

/**
 * sd_settings_provider_type_set_schema:
 * @provider_type: a #SdSettingsProvider subtype
 * @schema_id: the id of a #GSettings schema, such as `org.example.Agent`
 *
 * Sets the schema the providers of @provider_type read, for example in its `class_init`.
 * Subtypes that set none inherit it. The schema is looked up when a provider is
 * constructed; a schema that is not installed fails the provider's initialisation.
 *
 * Since: 1.0
 */
void
sd_settings_provider_type_set_schema (GType       provider_type,
                                      const char *schema_id)
{
  SdSettingsConfig *config;

  g_return_if_fail (g_type_is_a (provider_type, SD_TYPE_SETTINGS_PROVIDER));
  g_return_if_fail (schema_id != NULL && *schema_id != '\0');

  g_mutex_lock (&config_lock);
  config = ensure_config (provider_type);
  g_free (config->schema_id);
  config->schema_id = g_strdup (schema_id);
  g_mutex_unlock (&config_lock);
}

/**
 * sd_settings_provider_type_set_path:
 * @provider_type: a #SdSettingsProvider subtype
 * @path: a settings path, starting and ending with `/`, such as `/org/example/agent/`
 *
 * Sets the path of a relocatable schema (one without a path of its own) for the providers
 * of @provider_type. Subtypes that set none inherit it.
 *
 * Since: 1.0
 */
void
sd_settings_provider_type_set_path (GType       provider_type,
                                    const char *path)
{
  SdSettingsConfig *config;

  g_return_if_fail (g_type_is_a (provider_type, SD_TYPE_SETTINGS_PROVIDER));
  g_return_if_fail (path != NULL && path_is_valid (path));

  g_mutex_lock (&config_lock);
  config = ensure_config (provider_type);
  g_free (config->path);
  config->path = g_strdup (path);
  g_mutex_unlock (&config_lock);
}

/**
 * sd_settings_provider_type_bind:
 * @provider_type: a #SdSettingsProvider subtype
 * @key: a key of the schema
 * @property_name: the name of a writable, not construct-only property of @provider_type
 *
 * Binds @key to the property @property_name of the providers of @provider_type: the
 * property takes the value of the key when a provider is constructed and every time the key
 * changes. Subtypes inherit the binding; binding the same property again (here or in a
 * subtype) replaces it. An unknown key or property, or a property that cannot hold the
 * key's value, fails the provider's initialisation.
 *
 * Since: 1.0
 */
void
sd_settings_provider_type_bind (GType       provider_type,
                                const char *key,
                                const char *property_name)
{
  SdSettingsConfig *config;
  SdSettingsBinding *binding = NULL;

  g_return_if_fail (g_type_is_a (provider_type, SD_TYPE_SETTINGS_PROVIDER));
  g_return_if_fail (key != NULL && *key != '\0');
  g_return_if_fail (property_name != NULL && *property_name != '\0');

  g_mutex_lock (&config_lock);
  config = ensure_config (provider_type);
  for (guint i = 0; i < config->bindings->len && binding == NULL; i++)
    {
      SdSettingsBinding *existing = g_ptr_array_index (config->bindings, i);

      if (strcmp (existing->property, property_name) == 0)
        binding = existing;
    }
  if (binding == NULL)
    {
      binding = g_new0 (SdSettingsBinding, 1);
      binding->property = g_strdup (property_name);
      g_ptr_array_add (config->bindings, binding);
    }
  g_free (binding->key);
  binding->key = g_strdup (key);
  g_mutex_unlock (&config_lock);
}

/**
 * sd_settings_provider_type_dup_schema:
 * @provider_type: a #SdSettingsProvider subtype
 *
 * Gets the schema id the providers of @provider_type read: the one it set, or else the one
 * of its nearest ancestor that set one. The class of @provider_type is initialised first,
 * since that is where the schema is usually set.
 *
 * Returns: (transfer full) (nullable): the schema id, or %NULL if none was set
 *
 * Since: 1.0
 */
char *
sd_settings_provider_type_dup_schema (GType provider_type)
{
  char *schema_id = NULL;

  g_return_val_if_fail (g_type_is_a (provider_type, SD_TYPE_SETTINGS_PROVIDER), NULL);

  /* The configuration is set by class_init */
  if (g_type_class_peek (provider_type) == NULL)
    g_type_class_unref (g_type_class_ref (provider_type));

  g_mutex_lock (&config_lock);
  for (GType type = provider_type;
       schema_id == NULL && type != 0 && g_type_is_a (type, SD_TYPE_SETTINGS_PROVIDER);
       type = g_type_parent (type))
    {
      SdSettingsConfig *config = g_type_get_qdata (type, config_quark ());

      if (config != NULL && config->schema_id != NULL)
        schema_id = g_strdup (config->schema_id);
    }
  g_mutex_unlock (&config_lock);

  return schema_id;
}

/**
 * sd_settings_provider_get_settings:
 * @self: a #SdSettingsProvider
 *
 * Gets the settings the provider reads, to read keys that are not bound to a property or to
 * write keys.
 *
 * Returns: (transfer none) (nullable): the settings, or %NULL if the schema is not
 *   installed
 *
 * Since: 1.0
 */
GSettings *
sd_settings_provider_get_settings (SdSettingsProvider *self)
{
  SdSettingsProviderPrivate *priv = sd_settings_provider_get_instance_private (self);

  g_return_val_if_fail (SD_IS_SETTINGS_PROVIDER (self), NULL);

  return priv->settings;
}
