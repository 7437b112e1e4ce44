/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-resolver-private.h"

#include "sd-error.h"
#include "sd-i18n-private.h"
#include "sd-value-provider-private.h"

/*
 * Resolution happens once, while the daemon is built, on its thread:
 *
 * - `_sd_resolver_create()` makes a service (or provider) of a type: every writable
 *   provider-typed property must be construct-only and gets the instance resolved for its
 *   value type;
 * - a requested provider type resolves to a ready-made instance of it (one), or to the type
 *   itself if it is concrete, or to its only concrete subtype if it is abstract; the instance
 *   is created on first need, its own dependencies first — so `providers` is in dependency
 *   order — and a type met again while its dependencies are being made is a cycle.
 */

struct _SdResolver
{
  GHashTable *by_type;       /* (owned) (element-type GType SdProvider): requested and concrete types */
  GPtrArray  *providers;     /* (owned) (element-type SdProvider): dependency order */
  GPtrArray  *given;         /* (owned) (element-type SdProvider): ready-made instances */
  GArray     *stack;         /* (owned) (element-type GType): types being made */
  GHashTable *dependencies;  /* (owned) (element-type SdProvider GPtrArray): of providers */
  GPtrArray  *consumers;     /* (owned) (element-type GObject) (unowned elements): the rest */
  GHashTable *pspecs;        /* (owned) (element-type GType GPtrArray): provider properties */
  GHashTable *dependents;    /* (owned) (nullable) (element-type SdProvider GPtrArray): reverse */
};

SdResolver *
_sd_resolver_new (void)
{
  SdResolver *self = g_new0 (SdResolver, 1);

  self->by_type = g_hash_table_new (NULL, NULL);
  self->providers = g_ptr_array_new_with_free_func (g_object_unref);
  self->given = g_ptr_array_new_with_free_func (g_object_unref);
  self->stack = g_array_new (FALSE, FALSE, sizeof (GType));
  self->dependencies = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->consumers = g_ptr_array_new ();
  self->pspecs = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);

  return self;
}

void
_sd_resolver_free (SdResolver *self)
{
  g_clear_pointer (&self->dependents, g_hash_table_unref);
  g_clear_pointer (&self->dependencies, g_hash_table_unref);
  g_clear_pointer (&self->consumers, g_ptr_array_unref);
  g_clear_pointer (&self->pspecs, g_hash_table_unref);
  g_clear_pointer (&self->by_type, g_hash_table_unref);
  g_clear_pointer (&self->providers, g_ptr_array_unref);
  g_clear_pointer (&self->given, g_ptr_array_unref);
  g_clear_pointer (&self->stack, g_array_unref);
  g_free (self);
}

static gboolean
is_provider_property (GParamSpec *pspec)
{
  return G_IS_PARAM_SPEC_OBJECT (pspec) &&
         g_type_is_a (pspec->value_type, SD_TYPE_PROVIDER) &&
         (pspec->flags & G_PARAM_WRITABLE) != 0;
}

/* The writable provider-typed properties of @type, computed once per type */
static GPtrArray *
provider_pspecs (SdResolver *self,
                 GType       type)
{
  GPtrArray *pspecs = g_hash_table_lookup (self->pspecs, GSIZE_TO_POINTER (type));

  if (pspecs == NULL)
    {
      g_autoptr(GTypeClass) klass = g_type_class_ref (type);
      g_autofree GParamSpec **all = NULL;
      guint n_all = 0;

      pspecs = g_ptr_array_new ();
      all = g_object_class_list_properties (G_OBJECT_CLASS (klass), &n_all);
      for (guint i = 0; i < n_all; i++)
        if (is_provider_property (all[i]))
          g_ptr_array_add (pspecs, all[i]);
      g_hash_table_insert (self->pspecs, GSIZE_TO_POINTER (type), pspecs);
    }

  return pspecs;
}

/* A service's dependencies are read back from its properties when needed, so that the
 * resolver keeps nothing per service but one pointer. */
static void
note_consumer (SdResolver *self,
               GObject    *object)
{
  if (!SD_IS_PROVIDER (object))
    {
      g_ptr_array_add (self->consumers, object);
      g_clear_pointer (&self->dependents, g_hash_table_unref);
    }
}

static void
add_dependency (SdResolver *self,
                gpointer    object,
                SdProvider *provider)
{
  GPtrArray *deps;

  if (!SD_IS_PROVIDER (object))
    return;

  deps = g_hash_table_lookup (self->dependencies, object);

  if (deps == NULL)
    {
      deps = g_ptr_array_new ();
      g_hash_table_insert (self->dependencies, object, deps);
    }
  if (!g_ptr_array_find (deps, provider, NULL))
    g_ptr_array_add (deps, provider);
  g_clear_pointer (&self->dependents, g_hash_table_unref);
}

/*
 * _sd_resolver_add_instance:
 *
 * Hands the resolver a ready-made provider: every request for its type, or a supertype it
 * is the only instance of, gets it. Its own provider properties must be set already.
 */
gboolean
_sd_resolver_add_instance (SdResolver  *self,
                           SdProvider  *provider,
                           GError     **error)
{
  for (guint i = 0; i < self->given->len; i++)
    {
      SdProvider *other = g_ptr_array_index (self->given, i);

      if (G_OBJECT_TYPE (other) == G_OBJECT_TYPE (provider))
        {
          g_set_error (error, SD_ERROR, SD_ERROR_EXISTS,
                       _("A provider of type %s was already added"),
                       G_OBJECT_TYPE_NAME (provider));
          return FALSE;
        }
    }

  g_ptr_array_add (self->given, g_object_ref (provider));

  return TRUE;
}

static void
collect_concrete_subtypes (GType   type,
                           GArray *out)
{
  g_autofree GType *children = NULL;
  guint n_children = 0;

  if (!G_TYPE_IS_ABSTRACT (type))
    g_array_append_val (out, type);

  children = g_type_children (type, &n_children);
  for (guint i = 0; i < n_children; i++)
    collect_concrete_subtypes (children[i], out);
}

static char *
describe_types (const GType *types,
                guint        n_types)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n_types; i++)
    g_string_append_printf (out, "%s%s", i ? ", " : "", g_type_name (types[i]));

  return g_string_free (out, FALSE);
}

static SdProvider *resolve (SdResolver  *self,
                            GType        requested,
                            GError     **error);

/* Resolves the provider properties of @type, not named in @names, into the arrays. */
static gboolean
resolve_properties (SdResolver   *self,
                    GType         type,
                    guint         n_given,
                    const char  **given_names,
                    GPtrArray    *names,
                    GArray       *values,
                    GPtrArray    *injected,
                    GError      **error)
{
  GPtrArray *pspecs = provider_pspecs (self, type);

  for (guint i = 0; i < pspecs->len; i++)
    {
      GParamSpec *pspec = g_ptr_array_index (pspecs, i);
      GValue value = G_VALUE_INIT;
      SdProvider *provider;
      GType wanted;
      gboolean explicit = FALSE;

      for (guint j = 0; j < n_given && !explicit; j++)
        explicit = g_strcmp0 (given_names[j], pspec->name) == 0;
      if (explicit)
        continue;

      if ((pspec->flags & G_PARAM_CONSTRUCT_ONLY) == 0)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_DEPENDENCY,
                       _("The property %s:%s holds a provider (%s) but is not construct-only; "
                         "only construct-only properties are injected"),
                       g_type_name (type), pspec->name, g_type_name (pspec->value_type));
          return FALSE;
        }

      wanted = sd_type_get_dependency_type (type, pspec->name);
      if (wanted == G_TYPE_INVALID)
        wanted = pspec->value_type;
      else if (!g_type_is_a (wanted, pspec->value_type))
        {
          g_set_error (error, SD_ERROR, SD_ERROR_DEPENDENCY,
                       _("%s is not a %s and cannot be injected into %s:%s"),
                       g_type_name (wanted), g_type_name (pspec->value_type),
                       g_type_name (type), pspec->name);
          return FALSE;
        }

      provider = resolve (self, wanted, error);
      if (provider == NULL)
        {
          g_prefix_error (error, "%s:%s: ", g_type_name (type), pspec->name);
          return FALSE;
        }

      g_value_init (&value, pspec->value_type);
      g_value_set_object (&value, provider);
      g_ptr_array_add (names, (gpointer) pspec->name);
      g_array_append_val (values, value);
      g_ptr_array_add (injected, provider);
    }

  return TRUE;
}

/*
 * _sd_resolver_create:
 *
 * Creates an object of @type with the given properties plus every provider it needs.
 */
GObject *
_sd_resolver_create (SdResolver    *self,
                     GType          type,
                     guint          n_properties,
                     const char   **names,
                     const GValue  *values,
                     GError       **error)
{
  g_autoptr(GPtrArray) all_names = g_ptr_array_new ();
  g_autoptr(GArray) all_values = g_array_new (FALSE, TRUE, sizeof (GValue));
  g_autoptr(GPtrArray) injected = g_ptr_array_new ();
  GObject *object;

  g_array_set_clear_func (all_values, (GDestroyNotify) g_value_unset);

  for (guint i = 0; i < n_properties; i++)
    {
      GValue copy = G_VALUE_INIT;

      g_value_init (&copy, G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &copy);
      g_ptr_array_add (all_names, (gpointer) names[i]);
      g_array_append_val (all_values, copy);
    }

  if (!resolve_properties (self, type, n_properties, names, all_names, all_values, injected, error))
    return NULL;

  object = g_object_new_with_properties (type, all_names->len, (const char **) all_names->pdata,
                                         (const GValue *) (gpointer) all_values->data);

  note_consumer (self, object);
  for (guint i = 0; i < injected->len; i++)
    add_dependency (self, object, g_ptr_array_index (injected, i));

  return object;
}

static gboolean adopt_given (SdResolver  *self,
                             SdProvider  *provider,
                             GError     **error);

/*
 * _sd_resolver_adopt:
 *
 * Records the dependencies of a ready-made object (a service or provider the application
 * created itself). Its provider properties must have been set at construction.
 */
gboolean
_sd_resolver_adopt (SdResolver  *self,
                    GObject     *object,
                    GError     **error)
{
  GPtrArray *pspecs = provider_pspecs (self, G_OBJECT_TYPE (object));

  for (guint i = 0; i < pspecs->len; i++)
    {
      GParamSpec *pspec = g_ptr_array_index (pspecs, i);
      g_autoptr(GObject) provider = NULL;

      if ((pspec->flags & G_PARAM_READABLE) == 0)
        continue;

      g_object_get (object, pspec->name, &provider, NULL);
      if (provider == NULL && sd_type_get_dependency_optional (G_OBJECT_TYPE (object), pspec->name))
        continue;
      if (provider == NULL)
        {
          g_set_error (error, SD_ERROR, SD_ERROR_DEPENDENCY,
                       _("%s was created without its provider %s (property “%s”); add its type "
                         "to the daemon instead of an instance, or pass the provider when creating it"),
                       G_OBJECT_TYPE_NAME (object), g_type_name (pspec->value_type), pspec->name);
          return FALSE;
        }

      /* A provider the application created itself counts as handed over: it is listed,
       * initialised and watched like the others */
      if (!g_ptr_array_find (self->providers, provider, NULL) &&
          !adopt_given (self, SD_PROVIDER (provider), error))
        return FALSE;

      add_dependency (self, object, SD_PROVIDER (provider));
    }

  note_consumer (self, object);

  return TRUE;
}

static void
remember (SdResolver *self,
          GType       type,
          SdProvider *provider)
{
  g_hash_table_insert (self->by_type, GSIZE_TO_POINTER (type), provider);
}

static gboolean
adopt_given (SdResolver  *self,
             SdProvider  *provider,
             GError     **error)
{
  if (g_ptr_array_find (self->providers, provider, NULL))
    return TRUE;

  if (!_sd_resolver_adopt (self, G_OBJECT (provider), error))
    return FALSE;

  /* Its dependencies may be given too: they come first */
  {
    GPtrArray *deps = g_hash_table_lookup (self->dependencies, provider);

    for (guint i = 0; deps && i < deps->len; i++)
      if (!adopt_given (self, g_ptr_array_index (deps, i), error))
        return FALSE;
  }

  g_ptr_array_add (self->providers, g_object_ref (provider));
  remember (self, G_OBJECT_TYPE (provider), provider);

  return TRUE;
}

static SdProvider *
resolve (SdResolver  *self,
         GType        requested,
         GError     **error)
{
  g_autoptr(GArray) candidates = NULL;
  SdProvider *provider;
  SdProvider *match = NULL;
  GType concrete;
  guint n_matches = 0;

  provider = g_hash_table_lookup (self->by_type, GSIZE_TO_POINTER (requested));
  if (provider != NULL)
    return provider;

  /* A ready-made instance of the type (or of a subtype) wins */
  for (guint i = 0; i < self->given->len; i++)
    {
      SdProvider *given = g_ptr_array_index (self->given, i);

      if (g_type_is_a (G_OBJECT_TYPE (given), requested))
        {
          match = given;
          n_matches++;
        }
    }

  if (n_matches > 1)
    {
      g_set_error (error, SD_ERROR, SD_ERROR_DEPENDENCY,
                   _("%u provider instances were added for %s; there must be one"),
                   n_matches, g_type_name (requested));
      return NULL;
    }

  if (match != NULL)
    {
      if (!adopt_given (self, match, error))
        return NULL;
      remember (self, requested, match);
      return match;
    }

  /* Otherwise the type itself, or its only concrete subtype */
  candidates = g_array_new (FALSE, FALSE, sizeof (GType));
  if (G_TYPE_IS_ABSTRACT (requested))
    collect_concrete_subtypes (requested, candidates);
  else
    g_array_append_val (candidates, requested);

  if (candidates->len == 0)
    {
      g_set_error (error, SD_ERROR, SD_ERROR_DEPENDENCY,
                   _("No provider implements %s: it is abstract and has no concrete subtype"),
                   g_type_name (requested));
      return NULL;
    }

  if (candidates->len > 1)
    {
      g_autofree char *names = describe_types ((GType *) (gpointer) candidates->data, candidates->len);

      g_set_error (error, SD_ERROR, SD_ERROR_DEPENDENCY,
                   _("%s is ambiguous: %s all implement it; add an instance of the one to use "
                     "with sd_daemon_add_provider()"),
                   g_type_name (requested), names);
      return NULL;
    }

  concrete = g_array_index (candidates, GType, 0);
  provider = g_hash_table_lookup (self->by_type, GSIZE_TO_POINTER (concrete));
  if (provider != NULL)
    {
      remember (self, requested, provider);
      return provider;
    }

  for (guint i = 0; i < self->stack->len; i++)
    {
      if (g_array_index (self->stack, GType, i) == concrete)
        {
          GString *cycle = g_string_new (NULL);

          for (guint j = i; j < self->stack->len; j++)
            g_string_append_printf (cycle, "%s → ", g_type_name (g_array_index (self->stack, GType, j)));
          g_string_append (cycle, g_type_name (concrete));
          g_set_error (error, SD_ERROR, SD_ERROR_CYCLE,
                       _("Dependency cycle: %s"), cycle->str);
          g_string_free (cycle, TRUE);
          return NULL;
        }
    }

  g_array_append_val (self->stack, concrete);
  provider = (SdProvider *) _sd_resolver_create (self, concrete, 0, NULL, NULL, error);
  g_array_set_size (self->stack, self->stack->len - 1);

  if (provider == NULL)
    return NULL;

  if (SD_IS_VALUE_PROVIDER (provider) &&
      !_sd_value_provider_load_env (SD_VALUE_PROVIDER (provider), error))
    {
      g_object_unref (provider);
      return NULL;
    }

  g_ptr_array_add (self->providers, provider);
  remember (self, concrete, provider);
  remember (self, requested, provider);

  return provider;
}

/* Every provider of the build, each after the providers it depends on. */
GPtrArray *
_sd_resolver_get_providers (SdResolver *self)
{
  return self->providers;
}

SdProvider *
_sd_resolver_lookup (SdResolver *self,
                     GType       type)
{
  SdProvider *provider = g_hash_table_lookup (self->by_type, GSIZE_TO_POINTER (type));

  if (provider != NULL)
    return provider;

  for (guint i = 0; i < self->providers->len; i++)
    {
      provider = g_ptr_array_index (self->providers, i);
      if (g_type_is_a (G_OBJECT_TYPE (provider), type))
        return provider;
    }

  return NULL;
}

/* Appends the providers injected into @object (a provider or a consumer) to @out; with
 * @for_reload, only those whose change reloads it. */
static void
append_dependencies (SdResolver *self,
                     GObject    *object,
                     gboolean    for_reload,
                     GPtrArray  *out)
{
  GPtrArray *pspecs;

  if (SD_IS_PROVIDER (object))
    {
      GPtrArray *deps = g_hash_table_lookup (self->dependencies, object);

      for (guint i = 0; deps && i < deps->len; i++)
        g_ptr_array_add (out, g_ptr_array_index (deps, i));
      return;
    }

  pspecs = provider_pspecs (self, G_OBJECT_TYPE (object));
  for (guint i = 0; i < pspecs->len; i++)
    {
      GParamSpec *pspec = g_ptr_array_index (pspecs, i);
      g_autoptr(GObject) provider = NULL;

      if ((pspec->flags & G_PARAM_READABLE) == 0)
        continue;
      if (for_reload && !sd_type_get_dependency_reloads (G_OBJECT_TYPE (object), pspec->name))
        continue;
      g_object_get (object, pspec->name, &provider, NULL);
      if (provider != NULL && !g_ptr_array_find (out, provider, NULL))
        g_ptr_array_add (out, provider);
    }
}

/* The providers injected into @object. */
GPtrArray *
_sd_resolver_get_dependencies (SdResolver *self,
                               gpointer    object)
{
  GPtrArray *deps = g_ptr_array_new ();

  append_dependencies (self, object, FALSE, deps);

  return deps;
}

/* The objects (services and providers) into which @provider was injected directly, and
 * which a change of it reloads. */
GPtrArray *
_sd_resolver_get_dependents (SdResolver *self,
                             SdProvider *provider)
{
  if (self->dependents == NULL)
    {
      g_autoptr(GPtrArray) objects = g_ptr_array_new ();
      GHashTableIter iter;
      gpointer object;

      /* Built on first use (a watchable provider changed), then kept */
      self->dependents = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
      g_hash_table_iter_init (&iter, self->dependencies);
      while (g_hash_table_iter_next (&iter, &object, NULL))
        g_ptr_array_add (objects, object);
      g_ptr_array_extend (objects, self->consumers, NULL, NULL);

      for (guint i = 0; i < objects->len; i++)
        {
          g_autoptr(GPtrArray) deps = g_ptr_array_new ();

          object = g_ptr_array_index (objects, i);
          append_dependencies (self, object, TRUE, deps);
          for (guint j = 0; j < deps->len; j++)
            {
              gpointer dependency = g_ptr_array_index (deps, j);
              GPtrArray *list = g_hash_table_lookup (self->dependents, dependency);

              if (list == NULL)
                {
                  list = g_ptr_array_new ();
                  g_hash_table_insert (self->dependents, dependency, list);
                }
              g_ptr_array_add (list, object);
            }
        }
    }

  return g_hash_table_lookup (self->dependents, provider);
}

/* Appends the providers @object needs, directly or not, each after its own dependencies. */
void
_sd_resolver_collect_closure (SdResolver *self,
                              gpointer    object,
                              GPtrArray  *out)
{
  g_autoptr(GPtrArray) deps = g_ptr_array_new ();

  append_dependencies (self, object, FALSE, deps);
  for (guint i = 0; i < deps->len; i++)
    {
      SdProvider *provider = g_ptr_array_index (deps, i);

      if (g_ptr_array_find (out, provider, NULL))
        continue;
      _sd_resolver_collect_closure (self, provider, out);
      if (!g_ptr_array_find (out, provider, NULL))
        g_ptr_array_add (out, provider);
    }
}
