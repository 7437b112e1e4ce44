/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-value-provider.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sd-error.h"
#include "sd-i18n-private.h"
#include "sd-value-provider-private.h"

/**
 * SdValueProvider:
 *
 * A provider that holds one value — a port, a path, a limit — with a class default,
 * optionally taken from an environment variable.
 *
 * A subclass declares the default (which also fixes the #GVariantType of the value) and the
 * variable in its `class_init`:
 *
 * |[<!-- language="C" -->
 * static void
 * my_port_class_init (MyPortClass *klass)
 * {
 *   sd_value_provider_type_set_default (G_TYPE_FROM_CLASS (klass), g_variant_new_int32 (8080));
 *   sd_value_provider_type_bind_env (G_TYPE_FROM_CLASS (klass), "MY_PORT", FALSE);
 * }
 * ]|
 *
 * When the daemon creates the provider, the variable (if set) is parsed into the type of
 * the value: `8080` for integers, `true`/`false`/`yes`/`no`/`1`/`0` for booleans, the text itself
 * for strings, GVariant text format for anything else. A variable that does not parse is a
 * build error naming the variable, the text and the provider — never a silent fallback to the
 * default. A *required* variable that is unset is a build error too.
 *
 * Value providers are watchable: sd_value_provider_set_value(), from any thread, notifies
 * #SdValueProvider:value and reloads the services that depend on the provider. Readers take
 * a snapshot with sd_value_provider_dup_value() (an immutable #GVariant); a writer never
 * waits for a reader's work.
 *
 * Since: 1.0
 */

typedef struct
{
  GVariant *value;  /* (owned) (nullable) (lock value_lock) */
} SdValueProviderPrivate;

/* Class-level configuration, in the qdata of each type that sets some */
typedef struct
{
  GVariant *default_value;  /* (owned) (nullable) */
  char     *variable;       /* (owned) (nullable) */
  gboolean  required;
} SdValueConfig;

enum {
  PROP_0,
  PROP_VALUE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SdValueProvider, sd_value_provider, SD_TYPE_PROVIDER)

/* Held for a pointer swap or a reference, never while anything else runs */
static GMutex value_lock;
static GMutex config_lock;

static GQuark
config_quark (void)
{
  static GQuark quark;

  if G_UNLIKELY (quark == 0)
    quark = g_quark_from_static_string ("sd-value-provider-config");

  return quark;
}

/* The nearest configuration of each kind, walking up from @type */
static void
lookup_config (GType        type,
               GVariant   **default_value,
               const char **variable,
               gboolean    *required)
{
  *default_value = NULL;
  *variable = NULL;
  *required = FALSE;

  g_mutex_lock (&config_lock);
  for (; type != 0 && g_type_is_a (type, SD_TYPE_VALUE_PROVIDER); type = g_type_parent (type))
    {
      SdValueConfig *config = g_type_get_qdata (type, config_quark ());

      if (config == NULL)
        continue;
      if (*default_value == NULL && config->default_value != NULL)
        *default_value = config->default_value;
      if (*variable == NULL && config->variable != NULL)
        {
          *variable = config->variable;
          *required = config->required;
        }
    }
  g_mutex_unlock (&config_lock);
}

static SdValueConfig *
ensure_config (GType type)
{
  SdValueConfig *config = g_type_get_qdata (type, config_quark ());

  if (config == NULL)
    {
      config = g_new0 (SdValueConfig, 1);
      /* Types are never unregistered, so neither is their configuration */
      g_type_set_qdata (type, config_quark (), config);
    }

  return config;
}

static void
sd_value_provider_finalize (GObject *object)
{
  SdValueProvider *self = SD_VALUE_PROVIDER (object);
  SdValueProviderPrivate *priv = sd_value_provider_get_instance_private (self);

  g_clear_pointer (&priv->value, g_variant_unref);

  G_OBJECT_CLASS (sd_value_provider_parent_class)->finalize (object);
}

static void
sd_value_provider_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SdValueProvider *self = SD_VALUE_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_VALUE:
      g_value_take_variant (value, sd_value_provider_dup_value (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_value_provider_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SdValueProvider *self = SD_VALUE_PROVIDER (object);
  g_autoptr(GError) error = NULL;

  switch (prop_id)
    {
    case PROP_VALUE:
      if (g_value_get_variant (value) != NULL &&
          !sd_value_provider_set_value (self, g_value_get_variant (value), &error))
        g_critical ("%s", error->message);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_value_provider_constructed (GObject *object)
{
  SdValueProvider *self = SD_VALUE_PROVIDER (object);
  SdValueProviderPrivate *priv = sd_value_provider_get_instance_private (self);
  GVariant *default_value;
  const char *variable;
  gboolean required;

  G_OBJECT_CLASS (sd_value_provider_parent_class)->constructed (object);

  lookup_config (G_OBJECT_TYPE (object), &default_value, &variable, &required);
  if (priv->value == NULL && default_value != NULL)
    priv->value = g_variant_ref (default_value);
}

static void
sd_value_provider_class_init (SdValueProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sd_value_provider_constructed;
  object_class->finalize = sd_value_provider_finalize;
  object_class->get_property = sd_value_provider_get_property;
  object_class->set_property = sd_value_provider_set_property;

  /**
   * SdValueProvider:value:
   *
   * The value. Setting it notifies, and reloads the dependents of the provider.
   *
   * Since: 1.0
   */
  properties[PROP_VALUE] =
    g_param_spec_variant ("value", NULL, NULL,
                          G_VARIANT_TYPE_ANY, NULL,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  sd_provider_type_set_flags (SD_TYPE_VALUE_PROVIDER, SD_PROVIDER_FLAGS_WATCHABLE);
}

static void
sd_value_provider_init (SdValueProvider *self)
{
}

/* Parses @text as a value of @type; integers are range-checked. */
static GVariant *
parse_text (const GVariantType  *type,
            const char          *text,
            GError             **error)
{
  const char *type_string = g_variant_type_peek_string (type);

  switch (type_string[0])
    {
    case 'b':
      if (g_ascii_strcasecmp (text, "true") == 0 || g_ascii_strcasecmp (text, "yes") == 0 ||
          g_strcmp0 (text, "1") == 0 || g_ascii_strcasecmp (text, "on") == 0)
        return g_variant_new_boolean (TRUE);
      if (g_ascii_strcasecmp (text, "false") == 0 || g_ascii_strcasecmp (text, "no") == 0 ||
          g_strcmp0 (text, "0") == 0 || g_ascii_strcasecmp (text, "off") == 0)
        return g_variant_new_boolean (FALSE);
      break;

    case 'y': case 'n': case 'q': case 'i': case 'u': case 'x': case 't':
      {
        gboolean is_signed = strchr ("nix", type_string[0]) != NULL;
        gint64 min = 0;
        guint64 max = 0;
        gint64 sval = 0;
        guint64 uval = 0;
        gboolean ok;

        switch (type_string[0])
          {
          case 'y': max = G_MAXUINT8; break;
          case 'n': min = G_MININT16; max = G_MAXINT16; break;
          case 'q': max = G_MAXUINT16; break;
          case 'i': min = G_MININT32; max = G_MAXINT32; break;
          case 'u': max = G_MAXUINT32; break;
          case 'x': min = G_MININT64; max = G_MAXINT64; break;
          case 't': max = G_MAXUINT64; break;
          default: g_assert_not_reached ();
          }

        if (is_signed)
          ok = g_ascii_string_to_signed (text, 10, min, (gint64) max, &sval, NULL);
        else
          ok = g_ascii_string_to_unsigned (text, 10, 0, max, &uval, NULL);
        if (!ok)
          break;

        switch (type_string[0])
          {
          case 'y': return g_variant_new_byte ((guint8) uval);
          case 'n': return g_variant_new_int16 ((gint16) sval);
          case 'q': return g_variant_new_uint16 ((guint16) uval);
          case 'i': return g_variant_new_int32 ((gint32) sval);
          case 'u': return g_variant_new_uint32 ((guint32) uval);
          case 'x': return g_variant_new_int64 (sval);
          case 't': return g_variant_new_uint64 (uval);
          default: g_assert_not_reached ();
          }
      }
      break;

    case 'd':
      {
        char *end = NULL;
        double value;

        errno = 0;
        value = g_ascii_strtod (text, &end);
        if (errno == 0 && end != text && *end == '\0')
          return g_variant_new_double (value);
      }
      break;

    case 's':
      return g_variant_new_string (text);

    case 'o':
      if (g_variant_is_object_path (text))
        return g_variant_new_object_path (text);
      break;

    default:
      return g_variant_parse (type, text, NULL, NULL, NULL);
    }

  g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
               _("“%s” is not a valid value of type %s"), text, type_string);
  return NULL;
}

/*
 * _sd_value_provider_load_env:
 *
 * Called by the daemon right after it created the provider: takes the value from the bound
 * environment variable, if any. Errors name the variable, the text and the provider type.
 */
gboolean
_sd_value_provider_load_env (SdValueProvider  *self,
                             GError          **error)
{
  SdValueProviderPrivate *priv = sd_value_provider_get_instance_private (self);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GVariant) parsed = NULL;
  GVariant *default_value;
  const char *variable;
  const char *text;
  gboolean required;

  lookup_config (G_OBJECT_TYPE (self), &default_value, &variable, &required);
  if (variable == NULL)
    {
      if (priv->value == NULL)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                       _("The value provider %s has neither a default value nor an environment variable"),
                       G_OBJECT_TYPE_NAME (self));
          return FALSE;
        }
      return TRUE;
    }

  text = g_getenv (variable);
  if (text == NULL)
    {
      if (required)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                       _("The environment variable %s, required by the provider %s, is not set"),
                       variable, G_OBJECT_TYPE_NAME (self));
          return FALSE;
        }
      if (priv->value == NULL)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                       _("The environment variable %s of the provider %s is not set and there is no default"),
                       variable, G_OBJECT_TYPE_NAME (self));
          return FALSE;
        }
      return TRUE;
    }

  parsed = parse_text (default_value ? g_variant_get_type (default_value) : G_VARIANT_TYPE_STRING,
                       text, &local_error);
  if (parsed == NULL)
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("The environment variable %s of the provider %s: %s"),
                   variable, G_OBJECT_TYPE_NAME (self),
                   local_error ? local_error->message : _("the text does not parse"));
      return FALSE;
    }

  g_mutex_lock (&value_lock);
  g_clear_pointer (&priv->value, g_variant_unref);
  priv->value = g_variant_ref_sink (g_steal_pointer (&parsed));
  g_mutex_unlock (&value_lock);

  return TRUE;
}

/**
 * sd_value_provider_type_set_default:
 * @provider_type: a #SdValueProvider subtype
 * @default_value: the default value; a floating reference is sunk
 *
 * Sets the default value of @provider_type. Its type is the type of the value for good.
 *
 * Since: 1.0
 */
void
sd_value_provider_type_set_default (GType     provider_type,
                                    GVariant *default_value)
{
  SdValueConfig *config;

  g_return_if_fail (g_type_is_a (provider_type, SD_TYPE_VALUE_PROVIDER));
  g_return_if_fail (default_value != NULL);

  g_mutex_lock (&config_lock);
  config = ensure_config (provider_type);
  g_clear_pointer (&config->default_value, g_variant_unref);
  config->default_value = g_variant_ref_sink (default_value);
  g_mutex_unlock (&config_lock);
}

/**
 * sd_value_provider_type_bind_env:
 * @provider_type: a #SdValueProvider subtype
 * @variable: the name of an environment variable
 * @required: whether the variable must be set
 *
 * Binds @provider_type to the environment variable @variable: when the daemon creates the
 * provider and the variable is set, its text (parsed into the type of the default value, or
 * a string without a default) is the value. If @required is %TRUE an unset variable is a
 * build error; otherwise the default is used.
 *
 * Since: 1.0
 */
void
sd_value_provider_type_bind_env (GType       provider_type,
                                 const char *variable,
                                 gboolean    required)
{
  SdValueConfig *config;

  g_return_if_fail (g_type_is_a (provider_type, SD_TYPE_VALUE_PROVIDER));
  g_return_if_fail (variable != NULL && *variable != '\0');

  g_mutex_lock (&config_lock);
  config = ensure_config (provider_type);
  g_free (config->variable);
  config->variable = g_strdup (variable);
  config->required = !!required;
  g_mutex_unlock (&config_lock);
}

/**
 * sd_value_provider_dup_value:
 * @self: a #SdValueProvider
 *
 * Takes a snapshot of the value. Safe to call from any thread.
 *
 * Returns: (transfer full) (nullable): the value
 *
 * Since: 1.0
 */
GVariant *
sd_value_provider_dup_value (SdValueProvider *self)
{
  SdValueProviderPrivate *priv = sd_value_provider_get_instance_private (self);
  GVariant *value;

  g_return_val_if_fail (SD_IS_VALUE_PROVIDER (self), NULL);

  g_mutex_lock (&value_lock);
  value = priv->value ? g_variant_ref (priv->value) : NULL;
  g_mutex_unlock (&value_lock);

  return value;
}

/**
 * sd_value_provider_get_value_type:
 * @self: a #SdValueProvider
 *
 * Gets the type of the value: the type of the class default, or a string.
 *
 * Returns: (transfer none): the type of the value
 *
 * Since: 1.0
 */
const GVariantType *
sd_value_provider_get_value_type (SdValueProvider *self)
{
  GVariant *default_value;
  const char *variable;
  gboolean required;

  g_return_val_if_fail (SD_IS_VALUE_PROVIDER (self), NULL);

  lookup_config (G_OBJECT_TYPE (self), &default_value, &variable, &required);

  return default_value ? g_variant_get_type (default_value) : G_VARIANT_TYPE_STRING;
}

/**
 * sd_value_provider_set_value:
 * @self: a #SdValueProvider
 * @value: the new value, of the provider's value type; a floating reference is sunk
 * @error: return location for a #GError
 *
 * Replaces the value, from any thread. If it changed, #SdValueProvider:value is notified (on
 * the calling thread) and the daemon reloads the provider's dependents.
 *
 * Returns: %TRUE on success; %FALSE with @error set, and nothing changed, if @value has
 *   another type than the provider's
 *
 * Since: 1.0
 */
gboolean
sd_value_provider_set_value (SdValueProvider  *self,
                             GVariant         *value,
                             GError          **error)
{
  SdValueProviderPrivate *priv = sd_value_provider_get_instance_private (self);
  const GVariantType *type;
  g_autoptr(GVariant) old = NULL;
  gboolean changed;

  g_return_val_if_fail (SD_IS_VALUE_PROVIDER (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_variant_ref_sink (value);
  type = sd_value_provider_get_value_type (self);
  if (!g_variant_is_of_type (value, type))
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("The provider %s holds values of type %s, not %s"),
                   G_OBJECT_TYPE_NAME (self), g_variant_type_peek_string (type),
                   g_variant_get_type_string (value));
      g_variant_unref (value);
      return FALSE;
    }

  g_mutex_lock (&value_lock);
  changed = priv->value == NULL || !g_variant_equal (priv->value, value);
  if (changed)
    {
      old = g_steal_pointer (&priv->value);
      priv->value = value;
    }
  g_mutex_unlock (&value_lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
  else
    g_variant_unref (value);

  return TRUE;
}

/**
 * sd_value_provider_get_env_variable:
 * @self: a #SdValueProvider
 *
 * Gets the environment variable the provider's type is bound to.
 *
 * Returns: (transfer none) (nullable): the variable, or %NULL
 *
 * Since: 1.0
 */
const char *
sd_value_provider_get_env_variable (SdValueProvider *self)
{
  GVariant *default_value;
  const char *variable;
  gboolean required;

  g_return_val_if_fail (SD_IS_VALUE_PROVIDER (self), NULL);

  lookup_config (G_OBJECT_TYPE (self), &default_value, &variable, &required);

  return variable;
}

static GVariant *
value_of_class (SdValueProvider    *self,
                const char         *expected)
{
  GVariant *value = sd_value_provider_dup_value (self);

  if (value != NULL && !g_variant_is_of_type (value, G_VARIANT_TYPE (expected)))
    g_clear_pointer (&value, g_variant_unref);

  return value;
}

/**
 * sd_value_provider_get_int:
 * @self: a #SdValueProvider
 *
 * Gets an integer value of any width (signed or not, 8 to 64 bits) as a #gint64.
 *
 * Returns: the value, or 0 if it is not an integer
 *
 * Since: 1.0
 */
gint64
sd_value_provider_get_int (SdValueProvider *self)
{
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (SD_IS_VALUE_PROVIDER (self), 0);

  value = sd_value_provider_dup_value (self);
  if (value == NULL)
    return 0;

  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BYTE:   return g_variant_get_byte (value);
    case G_VARIANT_CLASS_INT16:  return g_variant_get_int16 (value);
    case G_VARIANT_CLASS_UINT16: return g_variant_get_uint16 (value);
    case G_VARIANT_CLASS_INT32:  return g_variant_get_int32 (value);
    case G_VARIANT_CLASS_UINT32: return g_variant_get_uint32 (value);
    case G_VARIANT_CLASS_INT64:  return g_variant_get_int64 (value);
    case G_VARIANT_CLASS_UINT64: return (gint64) g_variant_get_uint64 (value);
    case G_VARIANT_CLASS_BOOLEAN:
    case G_VARIANT_CLASS_HANDLE:
    case G_VARIANT_CLASS_DOUBLE:
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
    case G_VARIANT_CLASS_VARIANT:
    case G_VARIANT_CLASS_MAYBE:
    case G_VARIANT_CLASS_ARRAY:
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
    default:
      return 0;
    }
}

/**
 * sd_value_provider_get_double:
 * @self: a #SdValueProvider
 *
 * Gets a double value.
 *
 * Returns: the value, or 0.0 if it is not a double
 *
 * Since: 1.0
 */
double
sd_value_provider_get_double (SdValueProvider *self)
{
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (SD_IS_VALUE_PROVIDER (self), 0.0);

  value = value_of_class (self, "d");

  return value ? g_variant_get_double (value) : 0.0;
}

/**
 * sd_value_provider_get_boolean:
 * @self: a #SdValueProvider
 *
 * Gets a boolean value.
 *
 * Returns: the value, or %FALSE if it is not a boolean
 *
 * Since: 1.0
 */
gboolean
sd_value_provider_get_boolean (SdValueProvider *self)
{
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (SD_IS_VALUE_PROVIDER (self), FALSE);

  value = value_of_class (self, "b");

  return value ? g_variant_get_boolean (value) : FALSE;
}

/**
 * sd_value_provider_dup_string:
 * @self: a #SdValueProvider
 *
 * Gets a string value (also an object path or a signature).
 *
 * Returns: (transfer full) (nullable): the value, or %NULL if it is not a string
 *
 * Since: 1.0
 */
char *
sd_value_provider_dup_string (SdValueProvider *self)
{
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (SD_IS_VALUE_PROVIDER (self), NULL);

  value = sd_value_provider_dup_value (self);
  if (value == NULL || !(g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ||
                         g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH) ||
                         g_variant_is_of_type (value, G_VARIANT_TYPE_SIGNATURE)))
    return NULL;

  return g_variant_dup_string (value, NULL);
}
