/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-registry.h"

#include <string.h>

#include <gobject/gvaluecollector.h>

#include "sd-error.h"
#include "sd-i18n-private.h"
#include "sd-log-private.h"
#include "sd-registry-private.h"
#include "sd-service-private.h"

/**
 * SdRegistry:
 *
 * The set of services a daemon runs.
 *
 * A registry holds entries — service types with optional property values
 * (sd_registry_add_type()), or ready-made instances (sd_registry_add_service()) — plus the
 * *discovered* services when #SdRegistry:discover is set: every type registered with
 * sd_registry_register_type() (which the C macro SD_REGISTER_SERVICE() calls when the
 * program is loaded, and the Python override calls when a class is defined).
 *
 * Tag filters pick the services a daemon runs: with include tags, a service runs if it has
 * at least one of them; a service with any exclude tag never runs (exclude wins). A filter
 * tag that matches no service is reported with a warning, since it is most likely a typo.
 *
 * The same registry may be used by several daemons: each gets instances of its own.
 *
 * Since: 1.0
 */

typedef struct
{
  GType        type;
  guint        n_properties;
  const char **names;     /* (owned) (array length=n_properties): interned strings */
  GValue      *values;    /* (owned) (array length=n_properties) */
} SdRegistryEntry;

struct _SdRegistry
{
  GObject      parent_instance;

  GPtrArray   *entries;       /* (owned) (element-type SdRegistryEntry): types */
  GPtrArray   *instances;     /* (owned) (element-type SdService): ready-made services */
  char       **include_tags;  /* (owned) (nullable) */
  char       **exclude_tags;  /* (owned) (nullable) */
  gboolean     discover;
};

enum {
  PROP_0,
  PROP_DISCOVER,
  PROP_INCLUDE_TAGS,
  PROP_EXCLUDE_TAGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SdRegistry, sd_registry, G_TYPE_OBJECT)

static GMutex registered_lock;
static GArray *registered_types;  /* (element-type GType) (lock registered_lock) */

static void
sd_registry_entry_free (gpointer data)
{
  SdRegistryEntry *entry = data;

  for (guint i = 0; i < entry->n_properties; i++)
    g_value_unset (&entry->values[i]);
  g_free (entry->values);
  g_free (entry->names);
  g_free (entry);
}

static void
sd_registry_finalize (GObject *object)
{
  SdRegistry *self = SD_REGISTRY (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->instances, g_ptr_array_unref);
  g_clear_pointer (&self->include_tags, g_strfreev);
  g_clear_pointer (&self->exclude_tags, g_strfreev);

  G_OBJECT_CLASS (sd_registry_parent_class)->finalize (object);
}

static void
sd_registry_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SdRegistry *self = SD_REGISTRY (object);

  switch (prop_id)
    {
    case PROP_DISCOVER:
      g_value_set_boolean (value, self->discover);
      break;

    case PROP_INCLUDE_TAGS:
      g_value_set_boxed (value, self->include_tags);
      break;

    case PROP_EXCLUDE_TAGS:
      g_value_set_boxed (value, self->exclude_tags);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_registry_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SdRegistry *self = SD_REGISTRY (object);

  switch (prop_id)
    {
    case PROP_DISCOVER:
      sd_registry_set_discover (self, g_value_get_boolean (value));
      break;

    case PROP_INCLUDE_TAGS:
      sd_registry_set_include_tags (self, g_value_get_boxed (value));
      break;

    case PROP_EXCLUDE_TAGS:
      sd_registry_set_exclude_tags (self, g_value_get_boxed (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_registry_class_init (SdRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sd_registry_finalize;
  object_class->get_property = sd_registry_get_property;
  object_class->set_property = sd_registry_set_property;

  /**
   * SdRegistry:discover:
   *
   * Whether the registry includes every type registered with sd_registry_register_type().
   *
   * Since: 1.0
   */
  properties[PROP_DISCOVER] =
    g_param_spec_boolean ("discover", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRegistry:include-tags:
   *
   * When not empty, only services with at least one of these tags run.
   *
   * Since: 1.0
   */
  properties[PROP_INCLUDE_TAGS] =
    g_param_spec_boxed ("include-tags", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRegistry:exclude-tags:
   *
   * Services with any of these tags never run, even if an include tag matches.
   *
   * Since: 1.0
   */
  properties[PROP_EXCLUDE_TAGS] =
    g_param_spec_boxed ("exclude-tags", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sd_registry_init (SdRegistry *self)
{
  self->entries = g_ptr_array_new_with_free_func (sd_registry_entry_free);
  self->instances = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * sd_registry_register_type:
 * @service_type: a #SdService subtype
 *
 * Adds @service_type to the process-wide list of discovered services, which every registry
 * with #SdRegistry:discover set (such as the one of sd_daemon_new()) includes. Registering a
 * type twice has no further effect. Safe to call from any thread, and before `main()`.
 *
 * Since: 1.0
 */
void
sd_registry_register_type (GType service_type)
{
  g_return_if_fail (g_type_is_a (service_type, SD_TYPE_SERVICE));

  g_mutex_lock (&registered_lock);
  if (registered_types == NULL)
    registered_types = g_array_new (FALSE, FALSE, sizeof (GType));
  for (guint i = 0; i < registered_types->len; i++)
    {
      if (g_array_index (registered_types, GType, i) == service_type)
        {
          g_mutex_unlock (&registered_lock);
          return;
        }
    }
  g_array_append_val (registered_types, service_type);
  g_mutex_unlock (&registered_lock);
}

/**
 * sd_registry_list_registered_types:
 * @n_types: (out): the number of types
 *
 * Lists the types registered with sd_registry_register_type(), in registration order.
 *
 * Returns: (transfer full) (array length=n_types): the types
 *
 * Since: 1.0
 */
GType *
sd_registry_list_registered_types (guint *n_types)
{
  GType *ret;

  g_return_val_if_fail (n_types != NULL, NULL);

  g_mutex_lock (&registered_lock);
  *n_types = registered_types ? registered_types->len : 0;
  ret = g_new0 (GType, *n_types + 1);
  if (*n_types > 0)
    memcpy (ret, registered_types->data, sizeof (GType) * *n_types);
  g_mutex_unlock (&registered_lock);

  return ret;
}

/**
 * sd_registry_new:
 *
 * Creates an empty registry that does not include discovered services.
 *
 * Returns: (transfer full): a new #SdRegistry
 *
 * Since: 1.0
 */
SdRegistry *
sd_registry_new (void)
{
  return g_object_new (SD_TYPE_REGISTRY, NULL);
}

/**
 * sd_registry_new_discovered:
 *
 * Creates a registry that includes every discovered service (see
 * sd_registry_register_type()).
 *
 * Returns: (transfer full): a new #SdRegistry
 *
 * Since: 1.0
 */
SdRegistry *
sd_registry_new_discovered (void)
{
  return g_object_new (SD_TYPE_REGISTRY, "discover", TRUE, NULL);
}

/**
 * sd_registry_get_discover:
 * @self: a #SdRegistry
 *
 * Gets #SdRegistry:discover.
 *
 * Returns: whether discovered services are included
 *
 * Since: 1.0
 */
gboolean
sd_registry_get_discover (SdRegistry *self)
{
  g_return_val_if_fail (SD_IS_REGISTRY (self), FALSE);

  return self->discover;
}

/**
 * sd_registry_set_discover:
 * @self: a #SdRegistry
 * @discover: whether to include discovered services
 *
 * Sets #SdRegistry:discover.
 *
 * Since: 1.0
 */
void
sd_registry_set_discover (SdRegistry *self,
                          gboolean    discover)
{
  g_return_if_fail (SD_IS_REGISTRY (self));

  discover = !!discover;
  if (self->discover == discover)
    return;

  self->discover = discover;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISCOVER]);
}

static gboolean
check_service_type (GType    service_type,
                    GError **error)
{
  if (!g_type_is_a (service_type, SD_TYPE_SERVICE))
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("%s is not a service type (a subclass of SdService)"),
                   service_type ? g_type_name (service_type) : "(invalid type)");
      return FALSE;
    }

  if (G_TYPE_IS_ABSTRACT (service_type))
    {
      g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                   _("The service type %s is abstract and cannot be instantiated"),
                   g_type_name (service_type));
      return FALSE;
    }

  return TRUE;
}

/**
 * sd_registry_add_type_with_properties: (rename-to sd_registry_add_type)
 * @self: a #SdRegistry
 * @service_type: a #SdService subtype
 * @n_properties: the number of properties
 * @names: (array length=n_properties): the names of the properties to set
 * @values: (array length=n_properties): the values of the properties
 * @error: return location for a #GError
 *
 * Adds an entry for @service_type. Each daemon built from the registry instantiates it with
 * the given property values, which override the class defaults. Only the defining
 * properties of a service may be set: `name`, `priority`, `lane`, `tags`, `restart-mode`
 * and `reloadable`.
 *
 * The same type may be added several times (under different names) to run several
 * instances of it.
 *
 * Returns: %TRUE on success; %FALSE with @error set, and nothing added, if the type is not a
 *   concrete service type or a property or value is invalid
 *
 * Since: 1.0
 */
gboolean
sd_registry_add_type_with_properties (SdRegistry    *self,
                                      GType          service_type,
                                      guint          n_properties,
                                      const char   **names,
                                      const GValue  *values,
                                      GError       **error)
{
  SdRegistryEntry *entry;

  g_return_val_if_fail (SD_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (n_properties == 0 || (names != NULL && values != NULL), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_service_type (service_type, error))
    return FALSE;

  entry = g_new0 (SdRegistryEntry, 1);
  entry->type = service_type;
  entry->n_properties = n_properties;
  entry->names = g_new0 (const char *, n_properties + 1);
  entry->values = g_new0 (GValue, n_properties + 1);

  for (guint i = 0; i < n_properties; i++)
    {
      if (!_sd_service_validate_property (names[i], &values[i], &entry->values[i], error))
        {
          g_prefix_error (error, "%s: ", g_type_name (service_type));
          entry->n_properties = i;
          sd_registry_entry_free (entry);
          return FALSE;
        }
      entry->names[i] = g_intern_string (names[i]);
    }

  g_ptr_array_add (self->entries, entry);

  return TRUE;
}

/**
 * sd_registry_add_type: (skip)
 * @self: a #SdRegistry
 * @service_type: a #SdService subtype
 * @error: return location for a #GError
 * @first_property_name: (nullable): the name of the first property to set, or %NULL
 * @...: the value of the first property, then more name/value pairs, ending with %NULL
 *
 * Adds an entry for @service_type with property values collected like the arguments of
 * g_object_new(). See sd_registry_add_type_with_properties().
 *
 * |[<!-- language="C" -->
 * sd_registry_add_type (registry, MY_TYPE_WORKER, &error,
 *                       "name", "worker-2", "priority", 80u, NULL);
 * ]|
 *
 * Returns: %TRUE on success; %FALSE with @error set, and nothing added, on invalid input
 *
 * Since: 1.0
 */
gboolean
sd_registry_add_type (SdRegistry  *self,
                      GType        service_type,
                      GError     **error,
                      const char  *first_property_name,
                      ...)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GArray) values = g_array_new (FALSE, TRUE, sizeof (GValue));
  GObjectClass *service_class;
  const char *name;
  gboolean ret;
  va_list args;

  g_return_val_if_fail (SD_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_service_type (service_type, error))
    return FALSE;

  g_array_set_clear_func (values, (GDestroyNotify) g_value_unset);
  service_class = g_type_class_ref (service_type);

  va_start (args, first_property_name);
  for (name = first_property_name; name != NULL; name = va_arg (args, const char *))
    {
      GValue value = G_VALUE_INIT;
      g_autofree char *collect_error = NULL;
      GParamSpec *pspec = g_object_class_find_property (service_class, name);

      if (pspec == NULL)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                       _("%s has no property “%s”"), g_type_name (service_type), name);
          va_end (args);
          g_type_class_unref (service_class);
          return FALSE;
        }

      G_VALUE_COLLECT_INIT (&value, pspec->value_type, args, 0, &collect_error);
      if (collect_error != NULL)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT,
                       "%s: %s", g_type_name (service_type), collect_error);
          va_end (args);
          g_type_class_unref (service_class);
          return FALSE;
        }

      g_ptr_array_add (names, (gpointer) name);
      g_array_append_val (values, value);
    }
  va_end (args);
  g_type_class_unref (service_class);

  ret = sd_registry_add_type_with_properties (self, service_type, names->len,
                                              (const char **) names->pdata,
                                              (const GValue *) (gpointer) values->data,
                                              error);

  return ret;
}

/**
 * sd_registry_add_service:
 * @self: a #SdRegistry
 * @service: a service instance
 * @error: return location for a #GError
 *
 * Adds a ready-made service instance. An instance runs in one daemon only, so it can be
 * added to one registry only, and a registry with instances should be used by one daemon.
 *
 * Returns: %TRUE on success; %FALSE with @error set if @service was already added to a
 *   registry
 *
 * Since: 1.0
 */
gboolean
sd_registry_add_service (SdRegistry  *self,
                         SdService   *service,
                         GError     **error)
{
  g_return_val_if_fail (SD_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (SD_IS_SERVICE (service), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_sd_service_mark_registered (service))
    {
      g_set_error (error, SD_ERROR, SD_ERROR_EXISTS,
                   _("The service “%s” was already added to a registry"),
                   sd_service_get_name (service));
      return FALSE;
    }

  g_ptr_array_add (self->instances, g_object_ref (service));

  return TRUE;
}

/**
 * sd_registry_get_include_tags:
 * @self: a #SdRegistry
 *
 * Gets #SdRegistry:include-tags.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the include tags
 *
 * Since: 1.0
 */
const char * const *
sd_registry_get_include_tags (SdRegistry *self)
{
  g_return_val_if_fail (SD_IS_REGISTRY (self), NULL);

  return (const char * const *) self->include_tags;
}

/**
 * sd_registry_set_include_tags:
 * @self: a #SdRegistry
 * @tags: (nullable) (array zero-terminated=1): the include tags, or %NULL
 *
 * Sets #SdRegistry:include-tags.
 *
 * Since: 1.0
 */
void
sd_registry_set_include_tags (SdRegistry         *self,
                              const char * const *tags)
{
  g_return_if_fail (SD_IS_REGISTRY (self));

  g_strfreev (self->include_tags);
  self->include_tags = (tags && tags[0]) ? g_strdupv ((char **) tags) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCLUDE_TAGS]);
}

/**
 * sd_registry_get_exclude_tags:
 * @self: a #SdRegistry
 *
 * Gets #SdRegistry:exclude-tags.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the exclude tags
 *
 * Since: 1.0
 */
const char * const *
sd_registry_get_exclude_tags (SdRegistry *self)
{
  g_return_val_if_fail (SD_IS_REGISTRY (self), NULL);

  return (const char * const *) self->exclude_tags;
}

/**
 * sd_registry_set_exclude_tags:
 * @self: a #SdRegistry
 * @tags: (nullable) (array zero-terminated=1): the exclude tags, or %NULL
 *
 * Sets #SdRegistry:exclude-tags.
 *
 * Since: 1.0
 */
void
sd_registry_set_exclude_tags (SdRegistry         *self,
                              const char * const *tags)
{
  g_return_if_fail (SD_IS_REGISTRY (self));

  g_strfreev (self->exclude_tags);
  self->exclude_tags = (tags && tags[0]) ? g_strdupv ((char **) tags) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXCLUDE_TAGS]);
}

/* A service to be: a type entry, a ready-made instance, or a discovered type */
typedef struct
{
  GType            type;
  SdRegistryEntry *entry;     /* (unowned) (nullable) */
  SdService       *instance;  /* (unowned) (nullable) */
} Candidate;

/* The tags the candidate has, or will have once created */
static const char * const *
candidate_tags (Candidate *candidate)
{
  if (candidate->instance != NULL)
    return sd_service_get_tags (candidate->instance);

  for (guint i = 0; candidate->entry && i < candidate->entry->n_properties; i++)
    {
      if (g_str_equal (candidate->entry->names[i], "tags"))
        return g_value_get_boxed (&candidate->entry->values[i]);
    }

  return _sd_service_type_peek_default_tags (candidate->type);
}

static gboolean
tags_intersect (const char * const *tags,
                char              **filter)
{
  for (guint i = 0; tags && filter && filter[i]; i++)
    {
      if (g_strv_contains (tags, filter[i]))
        return TRUE;
    }

  return FALSE;
}

static void
warn_unmatched_tags (char      **tags,
                     GPtrArray  *all_tags,
                     gboolean    include)
{
  for (guint i = 0; tags && tags[i]; i++)
    {
      gboolean matched = FALSE;

      for (guint j = 0; j < all_tags->len && !matched; j++)
        {
          const char * const *service_tags = g_ptr_array_index (all_tags, j);

          matched = service_tags != NULL && g_strv_contains (service_tags, tags[i]);
        }

      if (!matched && include)
        _sd_log (G_LOG_LEVEL_WARNING, NULL,
                 _("The include tag “%s” matches no service"), tags[i]);
      else if (!matched)
        _sd_log (G_LOG_LEVEL_WARNING, NULL,
                 _("The exclude tag “%s” matches no service"), tags[i]);
    }
}

/*
 * _sd_registry_instantiate:
 * @resolver: creates the services with the providers they need
 *
 * Creates the services of the registry, as a daemon does when it is built: instances of
 * every entry (and of every discovered type not added explicitly, with #SdRegistry:discover),
 * checked and filtered by the tags. Returns %NULL with @error set if a service is invalid
 * (no body, a bad class default, a bad name) or its dependencies cannot be resolved.
 */
GPtrArray *
_sd_registry_instantiate (SdRegistry  *self,
                          SdResolver  *resolver,
                          GError     **error)
{
  g_autoptr(GPtrArray) selected = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) candidates = g_array_new (FALSE, TRUE, sizeof (Candidate));
  g_autoptr(GHashTable) explicit_types = NULL;
  g_autoptr(GPtrArray) all_tags = g_ptr_array_new ();
  g_autofree GType *discovered = NULL;
  guint n_discovered = 0;

  g_return_val_if_fail (SD_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Select first, from the tags each service will have, so that services filtered out
   * are never created — nor the providers only they would need. */
  explicit_types = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < self->entries->len; i++)
    {
      SdRegistryEntry *entry = g_ptr_array_index (self->entries, i);
      Candidate candidate = { entry->type, entry, NULL };

      g_array_append_val (candidates, candidate);
      g_hash_table_add (explicit_types, GSIZE_TO_POINTER (entry->type));
    }

  for (guint i = 0; i < self->instances->len; i++)
    {
      SdService *service = g_ptr_array_index (self->instances, i);
      Candidate candidate = { G_OBJECT_TYPE (service), NULL, service };

      g_array_append_val (candidates, candidate);
      g_hash_table_add (explicit_types, GSIZE_TO_POINTER (G_OBJECT_TYPE (service)));
    }

  if (self->discover)
    discovered = sd_registry_list_registered_types (&n_discovered);

  for (guint i = 0; i < n_discovered; i++)
    {
      Candidate candidate = { discovered[i], NULL, NULL };

      if (g_hash_table_contains (explicit_types, GSIZE_TO_POINTER (discovered[i])))
        continue;

      if (!check_service_type (discovered[i], error))
        return NULL;

      g_array_append_val (candidates, candidate);
    }

  for (guint i = 0; i < candidates->len; i++)
    {
      Candidate *candidate = &g_array_index (candidates, Candidate, i);
      const char * const *tags = candidate_tags (candidate);
      GObject *service;

      g_ptr_array_add (all_tags, (gpointer) tags);

      if (self->include_tags != NULL && !tags_intersect (tags, self->include_tags))
        continue;
      if (tags_intersect (tags, self->exclude_tags))
        continue;

      if (candidate->instance != NULL)
        {
          if (!_sd_resolver_adopt (resolver, G_OBJECT (candidate->instance), error))
            return NULL;
          service = g_object_ref (G_OBJECT (candidate->instance));
        }
      else if (candidate->entry != NULL)
        {
          service = _sd_resolver_create (resolver, candidate->type, candidate->entry->n_properties,
                                         candidate->entry->names, candidate->entry->values, error);
        }
      else
        {
          service = _sd_resolver_create (resolver, candidate->type, 0, NULL, NULL, error);
        }

      if (service == NULL)
        return NULL;
      g_ptr_array_add (selected, service);

      if (!_sd_service_check (SD_SERVICE (service), error))
        return NULL;
    }

  warn_unmatched_tags (self->include_tags, all_tags, TRUE);
  warn_unmatched_tags (self->exclude_tags, all_tags, FALSE);

  return g_steal_pointer (&selected);
}
