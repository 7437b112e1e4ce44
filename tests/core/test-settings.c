/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "sd-test-support.h"

/*
 * GSettings-backed providers, with the schemas of
 * tests/core/org.servicedaemon.Sd1.Test.gschema.xml (compiled into the build directory,
 * GSETTINGS_SCHEMA_DIR) and the memory settings backend (GSETTINGS_BACKEND=memory).
 */

#define TEST_SCHEMA             "org.servicedaemon.Sd1.Test"
#define TEST_RELOCATABLE_SCHEMA "org.servicedaemon.Sd1.Test.Relocatable"
#define TEST_MISSING_SCHEMA     "org.servicedaemon.Sd1.Test.NotInstalled"

/* ---- an enum for the "level" key ---- */

typedef enum {
  TEST_LEVEL_LOW,
  TEST_LEVEL_MEDIUM,
  TEST_LEVEL_HIGH,
} TestLevel;

#define TEST_TYPE_LEVEL (test_level_get_type ())
GType test_level_get_type (void);

G_DEFINE_ENUM_TYPE (TestLevel, test_level,
  G_DEFINE_ENUM_VALUE (TEST_LEVEL_LOW, "low"),
  G_DEFINE_ENUM_VALUE (TEST_LEVEL_MEDIUM, "medium"),
  G_DEFINE_ENUM_VALUE (TEST_LEVEL_HIGH, "high"))

/* ---- TestPrefs: a settings provider with a property per kind of key ---- */

#define TEST_TYPE_PREFS (test_prefs_get_type ())
G_DECLARE_DERIVABLE_TYPE (TestPrefs, test_prefs, TEST, PREFS, SdSettingsProvider)

struct _TestPrefsClass
{
  SdSettingsProviderClass parent_class;
};

typedef struct
{
  guint      interval;
  char      *greeting;  /* (owned) */
  char     **names;     /* (owned) */
  GVariant  *options;   /* (owned) (nullable) */
  TestLevel  level;
  guint      n_sets;    /* calls of set_property, changed or not */
} TestPrefsPrivate;

enum {
  PREFS_PROP_0,
  PREFS_PROP_INTERVAL,
  PREFS_PROP_GREETING,
  PREFS_PROP_NAMES,
  PREFS_PROP_OPTIONS,
  PREFS_PROP_LEVEL,
  PREFS_PROP_READ_ONLY,
  PREFS_N_PROPS
};

static GParamSpec *prefs_properties[PREFS_N_PROPS];

G_DEFINE_TYPE_WITH_PRIVATE (TestPrefs, test_prefs, SD_TYPE_SETTINGS_PROVIDER)

static void
test_prefs_finalize (GObject *object)
{
  TestPrefsPrivate *priv = test_prefs_get_instance_private (TEST_PREFS (object));

  g_free (priv->greeting);
  g_strfreev (priv->names);
  g_clear_pointer (&priv->options, g_variant_unref);

  G_OBJECT_CLASS (test_prefs_parent_class)->finalize (object);
}

static void
test_prefs_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TestPrefsPrivate *priv = test_prefs_get_instance_private (TEST_PREFS (object));

  switch (prop_id)
    {
    case PREFS_PROP_INTERVAL:
      g_value_set_uint (value, priv->interval);
      break;
    case PREFS_PROP_GREETING:
      g_value_set_string (value, priv->greeting);
      break;
    case PREFS_PROP_NAMES:
      g_value_set_boxed (value, priv->names);
      break;
    case PREFS_PROP_OPTIONS:
      g_value_set_variant (value, priv->options);
      break;
    case PREFS_PROP_LEVEL:
      g_value_set_enum (value, priv->level);
      break;
    case PREFS_PROP_READ_ONLY:
      g_value_set_int (value, 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Notifies only on change, as a provider should */
static void
test_prefs_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TestPrefsPrivate *priv = test_prefs_get_instance_private (TEST_PREFS (object));
  gboolean changed = FALSE;

  priv->n_sets++;

  switch (prop_id)
    {
    case PREFS_PROP_INTERVAL:
      changed = priv->interval != g_value_get_uint (value);
      priv->interval = g_value_get_uint (value);
      break;
    case PREFS_PROP_GREETING:
      changed = g_strcmp0 (priv->greeting, g_value_get_string (value)) != 0;
      g_free (priv->greeting);
      priv->greeting = g_value_dup_string (value);
      break;
    case PREFS_PROP_NAMES:
      {
        const char * const *names = g_value_get_boxed (value);

        changed = !(priv->names && names && g_strv_equal ((const char * const *) priv->names, names));
        g_strfreev (priv->names);
        priv->names = g_strdupv ((char **) names);
      }
      break;
    case PREFS_PROP_OPTIONS:
      {
        GVariant *options = g_value_get_variant (value);

        changed = !(priv->options && options && g_variant_equal (priv->options, options));
        g_clear_pointer (&priv->options, g_variant_unref);
        priv->options = options ? g_variant_ref (options) : NULL;
      }
      break;
    case PREFS_PROP_LEVEL:
      changed = priv->level != (TestLevel) g_value_get_enum (value);
      priv->level = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }

  if (changed)
    g_object_notify_by_pspec (object, pspec);
}

static void
test_prefs_class_init (TestPrefsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = test_prefs_finalize;
  object_class->get_property = test_prefs_get_property;
  object_class->set_property = test_prefs_set_property;

  prefs_properties[PREFS_PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 0, G_MAXUINT, 0, flags);
  prefs_properties[PREFS_PROP_GREETING] =
    g_param_spec_string ("greeting", NULL, NULL, NULL, flags);
  prefs_properties[PREFS_PROP_NAMES] =
    g_param_spec_boxed ("names", NULL, NULL, G_TYPE_STRV, flags);
  prefs_properties[PREFS_PROP_OPTIONS] =
    g_param_spec_variant ("options", NULL, NULL, G_VARIANT_TYPE_VARDICT, NULL, flags);
  prefs_properties[PREFS_PROP_LEVEL] =
    g_param_spec_enum ("level", NULL, NULL, TEST_TYPE_LEVEL, TEST_LEVEL_LOW, flags);
  prefs_properties[PREFS_PROP_READ_ONLY] =
    g_param_spec_int ("read-only", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, PREFS_N_PROPS, prefs_properties);

  sd_settings_provider_type_set_schema (type, TEST_SCHEMA);
  sd_settings_provider_type_bind (type, "interval", "interval");
  sd_settings_provider_type_bind (type, "greeting", "greeting");
  sd_settings_provider_type_bind (type, "names", "names");
  sd_settings_provider_type_bind (type, "options", "options");
  sd_settings_provider_type_bind (type, "level", "level");
}

static void
test_prefs_init (TestPrefs *self)
{
}

static guint
prefs_interval (gpointer prefs)
{
  return ((TestPrefsPrivate *) test_prefs_get_instance_private (prefs))->interval;
}

static const char *
prefs_greeting (gpointer prefs)
{
  return ((TestPrefsPrivate *) test_prefs_get_instance_private (prefs))->greeting;
}

/* ---- provider types that cannot work: each fails its initialisation ---- */

#define DEFINE_PREFS_SUBTYPE(TypeName, type_name, CLASS_INIT_BODY) \
  typedef TestPrefs TypeName; \
  typedef TestPrefsClass TypeName##Class; \
  static GType type_name##_get_type (void); \
  G_DEFINE_FINAL_TYPE (TypeName, type_name, TEST_TYPE_PREFS) \
  static void type_name##_class_init (TypeName##Class *klass) \
  { \
    GType type = G_TYPE_FROM_CLASS (klass); \
    CLASS_INIT_BODY \
  } \
  static void type_name##_init (TypeName *self) { }

/* A schema that is not installed */
DEFINE_PREFS_SUBTYPE (TestMissingPrefs, test_missing_prefs,
                      sd_settings_provider_type_set_schema (type, TEST_MISSING_SCHEMA);)
/* A key the schema does not have */
DEFINE_PREFS_SUBTYPE (TestBadKeyPrefs, test_bad_key_prefs,
                      sd_settings_provider_type_bind (type, "no-such-key", "interval");)
/* A property that does not exist, one that is read-only, and a type that does not fit */
DEFINE_PREFS_SUBTYPE (TestBadPropertyPrefs, test_bad_property_prefs,
                      sd_settings_provider_type_bind (type, "unbound", "no-such-property");)
DEFINE_PREFS_SUBTYPE (TestReadOnlyPrefs, test_read_only_prefs,
                      sd_settings_provider_type_bind (type, "unbound", "read-only");)
DEFINE_PREFS_SUBTYPE (TestBadTypePrefs, test_bad_type_prefs,
                      sd_settings_provider_type_bind (type, "names", "greeting");)
/* A relocatable schema without a path, and with one */
DEFINE_PREFS_SUBTYPE (TestNoPathPrefs, test_no_path_prefs,
                      sd_settings_provider_type_set_schema (type, TEST_RELOCATABLE_SCHEMA);)
DEFINE_PREFS_SUBTYPE (TestPathPrefs, test_path_prefs,
                      sd_settings_provider_type_set_schema (type, TEST_RELOCATABLE_SCHEMA);
                      sd_settings_provider_type_set_path (type, "/org/servicedaemon/Sd1/Test/relocated/");)

/* The relocatable schema has only "interval": TestPrefs' other bindings must go */
#define TEST_TYPE_RELOCATED_PREFS (test_relocated_prefs_get_type ())
G_DECLARE_FINAL_TYPE (TestRelocatedPrefs, test_relocated_prefs, TEST, RELOCATED_PREFS, SdSettingsProvider)

struct _TestRelocatedPrefs
{
  SdSettingsProvider parent_instance;
  guint              interval;
};

G_DEFINE_FINAL_TYPE (TestRelocatedPrefs, test_relocated_prefs, SD_TYPE_SETTINGS_PROVIDER)

static void
test_relocated_prefs_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  g_value_set_uint (value, TEST_RELOCATED_PREFS (object)->interval);
}

static void
test_relocated_prefs_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TEST_RELOCATED_PREFS (object)->interval = g_value_get_uint (value);
}

static void
test_relocated_prefs_class_init (TestRelocatedPrefsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->get_property = test_relocated_prefs_get_property;
  object_class->set_property = test_relocated_prefs_set_property;
  g_object_class_install_property (object_class, 1,
                                   g_param_spec_uint ("interval", NULL, NULL, 0, G_MAXUINT, 0,
                                                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  sd_settings_provider_type_set_schema (type, TEST_RELOCATABLE_SCHEMA);
  sd_settings_provider_type_set_path (type, "/org/servicedaemon/Sd1/Test/relocated/");
  sd_settings_provider_type_bind (type, "interval", "interval");
}

static void
test_relocated_prefs_init (TestRelocatedPrefs *self)
{
}

/* ---- TestConsumer: a service that depends on a provider and records what it saw ---- */

#define TEST_TYPE_CONSUMER (test_consumer_get_type ())
G_DECLARE_FINAL_TYPE (TestConsumer, test_consumer, TEST, CONSUMER, SdService)

struct _TestConsumer
{
  SdService       parent_instance;
  TestPrefs      *prefs;         /* (owned) */
  guint           generations;
  SdServiceState  start_state;   /* of the last generation */
  guint           seen_interval; /* the provider's values when it started */
  char           *seen_greeting; /* (owned) */
};

enum {
  CONSUMER_PROP_0,
  CONSUMER_PROP_PREFS,
  CONSUMER_N_PROPS
};

G_DEFINE_FINAL_TYPE (TestConsumer, test_consumer, SD_TYPE_SERVICE)

static void
consumer_wait_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;

  if (!sd_context_wait_shutdown_finish (SD_CONTEXT (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
test_consumer_run_async (SdService           *service,
                         SdContext           *context,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  TestConsumer *self = TEST_CONSUMER (service);
  GTask *task = g_task_new (service, cancellable, callback, user_data);

  self->generations++;
  self->start_state = sd_context_get_state (context);
  if (self->prefs != NULL)
    {
      self->seen_interval = prefs_interval (self->prefs);
      g_free (self->seen_greeting);
      self->seen_greeting = g_strdup (prefs_greeting (self->prefs));
    }

  sd_context_wait_shutdown_async (context, NULL, consumer_wait_cb, task);
}

static void
test_consumer_finalize (GObject *object)
{
  TestConsumer *self = TEST_CONSUMER (object);

  g_clear_object (&self->prefs);
  g_free (self->seen_greeting);

  G_OBJECT_CLASS (test_consumer_parent_class)->finalize (object);
}

static void
test_consumer_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  g_value_set_object (value, TEST_CONSUMER (object)->prefs);
}

static void
test_consumer_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TEST_CONSUMER (object)->prefs = g_value_dup_object (value);
}

static void
test_consumer_class_init (TestConsumerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = test_consumer_finalize;
  object_class->get_property = test_consumer_get_property;
  object_class->set_property = test_consumer_set_property;
  SD_SERVICE_CLASS (klass)->run_async = test_consumer_run_async;

  g_object_class_install_property (object_class, CONSUMER_PROP_PREFS,
    g_param_spec_object ("prefs", NULL, NULL, TEST_TYPE_PREFS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass), "name", "consumer", NULL);
}

static void
test_consumer_init (TestConsumer *self)
{
}

/* A consumer of a provider whose schema is not installed */
#define TEST_TYPE_BROKEN_CONSUMER (test_broken_consumer_get_type ())
G_DECLARE_FINAL_TYPE (TestBrokenConsumer, test_broken_consumer, TEST, BROKEN_CONSUMER, SdService)

struct _TestBrokenConsumer
{
  SdService  parent_instance;
  GObject   *prefs;  /* (owned) */
};

G_DEFINE_FINAL_TYPE (TestBrokenConsumer, test_broken_consumer, SD_TYPE_SERVICE)

static void
test_broken_consumer_run_async (SdService           *service,
                                SdContext           *context,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (service, cancellable, callback, user_data);

  sd_context_wait_shutdown_async (context, NULL, consumer_wait_cb, task);
}

static void
test_broken_consumer_dispose (GObject *object)
{
  g_clear_object (&TEST_BROKEN_CONSUMER (object)->prefs);

  G_OBJECT_CLASS (test_broken_consumer_parent_class)->dispose (object);
}

static void
test_broken_consumer_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  g_value_set_object (value, TEST_BROKEN_CONSUMER (object)->prefs);
}

static void
test_broken_consumer_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TEST_BROKEN_CONSUMER (object)->prefs = g_value_dup_object (value);
}

static void
test_broken_consumer_class_init (TestBrokenConsumerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = test_broken_consumer_dispose;
  object_class->get_property = test_broken_consumer_get_property;
  object_class->set_property = test_broken_consumer_set_property;
  SD_SERVICE_CLASS (klass)->run_async = test_broken_consumer_run_async;

  g_object_class_install_property (object_class, 1,
    g_param_spec_object ("prefs", NULL, NULL, test_missing_prefs_get_type (),
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass), "name", "broken-consumer", NULL);
}

static void
test_broken_consumer_init (TestBrokenConsumer *self)
{
}

/* ---- helpers ---- */

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 GHashTable *counts)
{
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (count + 1));
}

static guint
notify_count (GHashTable *counts,
              const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, g_intern_string (name)));
}

/* Dispatches whatever is pending on the default context, without blocking */
static void
drain_default_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Puts every key of the test schema back to its default (the memory backend is shared) */
static void
reset_test_schema (void)
{
  g_autoptr(GSettings) settings = g_settings_new (TEST_SCHEMA);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
  drain_default_context ();
}

static void
assert_init_fails (GType       type,
                   const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) provider = NULL;

  provider = g_initable_new (type, NULL, &error, NULL);
  g_assert_null (provider);
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
  g_test_message ("%s: %s", g_type_name (type), error->message);
  g_assert_nonnull (strstr (error->message, needle));
  g_assert_nonnull (strstr (error->message, g_type_name (type)));
}

/* ---- provider tests ---- */

static void
test_provider_class (void)
{
  g_autofree char *schema = sd_settings_provider_type_dup_schema (TEST_TYPE_PREFS);
  g_autofree char *inherited = sd_settings_provider_type_dup_schema (test_bad_key_prefs_get_type ());
  g_autofree char *overridden = sd_settings_provider_type_dup_schema (test_missing_prefs_get_type ());

  g_assert_true (G_TYPE_IS_ABSTRACT (SD_TYPE_SETTINGS_PROVIDER));
  g_assert_true (g_type_is_a (SD_TYPE_SETTINGS_PROVIDER, G_TYPE_INITABLE));
  g_assert_cmpint (sd_provider_type_get_flags (TEST_TYPE_PREFS), ==, SD_PROVIDER_FLAGS_WATCHABLE);
  g_assert_cmpstr (schema, ==, TEST_SCHEMA);
  g_assert_cmpstr (inherited, ==, TEST_SCHEMA);
  g_assert_cmpstr (overridden, ==, TEST_MISSING_SCHEMA);
  g_assert_null (sd_settings_provider_type_dup_schema (SD_TYPE_SETTINGS_PROVIDER));
}

static void
test_provider_bind (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestPrefs) prefs = NULL;
  g_autoptr(GSettings) external = NULL;
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GVariant) expected_options = g_variant_ref_sink (g_variant_new_parsed ("{'depth': <3>}"));
  g_auto(GStrv) names = NULL;
  TestPrefsPrivate *priv;
  TestLevel level;

  reset_test_schema ();

  prefs = g_initable_new (TEST_TYPE_PREFS, NULL, &error, NULL);
  g_assert_no_error (error);
  priv = test_prefs_get_instance_private (prefs);
  g_assert_nonnull (sd_settings_provider_get_settings (SD_SETTINGS_PROVIDER (prefs)));

  /* The schema's defaults, at once */
  g_object_get (prefs, "names", &names, "options", &options, "level", &level, NULL);
  g_assert_cmpuint (priv->interval, ==, 60);
  g_assert_cmpstr (priv->greeting, ==, "hello");
  g_assert_nonnull (names);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
  g_assert_nonnull (options);
  g_assert_cmpuint (g_variant_n_children (options), ==, 0);
  g_assert_cmpint (level, ==, TEST_LEVEL_MEDIUM);

  g_signal_connect (prefs, "notify", G_CALLBACK (count_notify_cb), counts);

  /* A change made through other settings of the same schema reaches the property */
  external = g_settings_new (TEST_SCHEMA);
  g_settings_set_uint (external, "interval", 5);
  g_settings_set_strv (external, "names", (const char * const[]) { "a", "b", NULL });
  g_settings_set_value (external, "options", expected_options);
  g_settings_set_enum (external, "level", TEST_LEVEL_HIGH);
  drain_default_context ();

  g_clear_pointer (&names, g_strfreev);
  g_clear_pointer (&options, g_variant_unref);
  g_object_get (prefs, "names", &names, "options", &options, "level", &level, NULL);
  g_assert_cmpuint (priv->interval, ==, 5);
  g_assert_cmpstrv (names, ((const char * const[]) { "a", "b", NULL }));
  g_assert_true (g_variant_equal (options, expected_options));
  g_assert_cmpint (level, ==, TEST_LEVEL_HIGH);
  g_assert_cmpuint (notify_count (counts, "interval"), ==, 1);
  g_assert_cmpuint (notify_count (counts, "names"), ==, 1);
  g_assert_cmpuint (notify_count (counts, "options"), ==, 1);
  g_assert_cmpuint (notify_count (counts, "level"), ==, 1);
  g_assert_cmpuint (notify_count (counts, "greeting"), ==, 0);

  /* An unbound key touches no property; the same value again notifies nothing */
  priv->n_sets = 0;
  g_settings_set_int (external, "unbound", 7);
  drain_default_context ();
  g_assert_cmpuint (priv->n_sets, ==, 0);
  g_settings_set_uint (external, "interval", 5);
  drain_default_context ();
  g_assert_cmpuint (notify_count (counts, "interval"), ==, 1);

  /* Written through the provider's own settings */
  g_settings_set_string (sd_settings_provider_get_settings (SD_SETTINGS_PROVIDER (prefs)),
                         "greeting", "bonjour");
  drain_default_context ();
  g_assert_cmpstr (priv->greeting, ==, "bonjour");
  g_assert_cmpuint (notify_count (counts, "greeting"), ==, 1);

  /* Once disposed, the provider no longer follows the keys */
  g_object_run_dispose (G_OBJECT (prefs));
  g_assert_null (sd_settings_provider_get_settings (SD_SETTINGS_PROVIDER (prefs)));
  g_settings_set_uint (external, "interval", 6);
  drain_default_context ();
  g_assert_cmpuint (priv->interval, ==, 5);

  reset_test_schema ();
}

static void
test_provider_given_settings (void)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GSettings) settings = g_settings_new_with_backend (TEST_SCHEMA, backend);
  g_autoptr(GSettings) relocatable = NULL;
  g_autoptr(GSettings) global = g_settings_new (TEST_SCHEMA);
  g_autoptr(GError) error = NULL;
  g_autoptr(TestPrefs) prefs = NULL;
  g_autoptr(GObject) mismatched = NULL;
  TestPrefsPrivate *priv;

  reset_test_schema ();
  g_settings_set_uint (settings, "interval", 11);

  prefs = g_initable_new (TEST_TYPE_PREFS, NULL, &error, "settings", settings, NULL);
  g_assert_no_error (error);
  priv = test_prefs_get_instance_private (prefs);
  g_assert_true (sd_settings_provider_get_settings (SD_SETTINGS_PROVIDER (prefs)) == settings);
  g_assert_cmpuint (priv->interval, ==, 11);

  /* It follows its own backend only */
  g_settings_set_uint (global, "interval", 99);
  g_settings_set_uint (settings, "interval", 12);
  drain_default_context ();
  g_assert_cmpuint (priv->interval, ==, 12);

  /* Settings of another schema than the class names are refused */
  relocatable = g_settings_new_with_backend_and_path (TEST_RELOCATABLE_SCHEMA, backend,
                                                      "/org/servicedaemon/Sd1/Test/other/");
  mismatched = g_initable_new (TEST_TYPE_PREFS, NULL, &error, "settings", relocatable, NULL);
  g_assert_null (mismatched);
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
  g_assert_nonnull (strstr (error->message, TEST_RELOCATABLE_SCHEMA));

  reset_test_schema ();
}

static void
test_provider_relocatable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestRelocatedPrefs) prefs = NULL;
  g_autoptr(GSettings) external = NULL;
  g_autofree char *path = NULL;

  prefs = g_initable_new (TEST_TYPE_RELOCATED_PREFS, NULL, &error, NULL);
  g_assert_no_error (error);
  g_object_get (sd_settings_provider_get_settings (SD_SETTINGS_PROVIDER (prefs)), "path", &path, NULL);
  g_assert_cmpstr (path, ==, "/org/servicedaemon/Sd1/Test/relocated/");
  g_assert_cmpuint (prefs->interval, ==, 30);

  external = g_settings_new_with_path (TEST_RELOCATABLE_SCHEMA, "/org/servicedaemon/Sd1/Test/relocated/");
  g_settings_set_uint (external, "interval", 31);
  drain_default_context ();
  g_assert_cmpuint (prefs->interval, ==, 31);
  g_settings_reset (external, "interval");
}

static void
test_provider_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) missing = NULL;

  /* Never an abort: each problem is the error of the provider's initialisation */
  assert_init_fails (test_missing_prefs_get_type (), "“" TEST_MISSING_SCHEMA "”");
  assert_init_fails (test_missing_prefs_get_type (), "not installed");
  assert_init_fails (test_bad_key_prefs_get_type (), "no-such-key");
  assert_init_fails (test_bad_property_prefs_get_type (), "no-such-property");
  assert_init_fails (test_read_only_prefs_get_type (), "read-only");
  assert_init_fails (test_bad_type_prefs_get_type (), "greeting");
  assert_init_fails (test_no_path_prefs_get_type (), "relocatable");
  /* TestPrefs' bindings are inherited: "greeting" is not a key of the relocatable schema */
  assert_init_fails (test_path_prefs_get_type (), "greeting");

  /* Created without initialisation, the object exists and says why it cannot be used */
  missing = g_object_new (test_missing_prefs_get_type (), NULL);
  g_assert_null (sd_settings_provider_get_settings (SD_SETTINGS_PROVIDER (missing)));
  g_assert_false (g_initable_init (G_INITABLE (missing), NULL, &error));
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
}

/* ---- daemon tests ---- */


typedef struct
{
  SdTestRecorder *recorder;
  const char     *event;
  guint           count;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *wait = data;

  return sd_test_recorder_count (wait->recorder, wait->event) >= wait->count;
}

static void
wait_count (SdTestRecorder *recorder,
            const char     *event,
            guint           count)
{
  CountWait wait = { recorder, event, count };

  sd_test_wait (count_reached, &wait);
}

static void
test_daemon_reload_on_change (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GSettings) external = NULL;
  g_autoptr(GError) error = NULL;
  SdTestRecorder *recorder = sd_test_recorder_new (daemon);
  TestConsumer *consumer;
  SdService *unrelated;
  gboolean finished = FALSE;
  int need_reload, restoring, healthy_again;
  g_autofree char *dump = NULL;

  reset_test_schema ();

  sd_daemon_add_service_type (daemon, TEST_TYPE_CONSUMER, &error);
  g_assert_no_error (error);
  sd_test_add (daemon, sd_test_service_new ("unrelated", 50, SD_TEST_IDLE));
  sd_daemon_build (daemon, &error);
  g_assert_no_error (error);

  consumer = TEST_CONSUMER (sd_daemon_lookup_service (daemon, "consumer"));
  unrelated = sd_daemon_lookup_service (daemon, "unrelated");
  g_assert_nonnull (consumer);
  g_assert_nonnull (unrelated);

  /* The daemon created the provider and injected it */
  g_assert_nonnull (consumer->prefs);
  g_assert_true ((SdProvider *) consumer->prefs == sd_daemon_lookup_provider (daemon, TEST_TYPE_PREFS));

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (consumer), SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (unrelated, SD_SERVICE_STATE_HEALTHY);
  g_assert_true (sd_provider_get_initialized (SD_PROVIDER (consumer->prefs)));
  g_assert_cmpuint (consumer->generations, ==, 1);
  g_assert_cmpint (consumer->start_state, ==, SD_SERVICE_STATE_INITIALIZING);
  g_assert_cmpuint (consumer->seen_interval, ==, 60);

  /* A change of the key, as dconf would deliver it, reloads the dependent service */
  external = g_settings_new (TEST_SCHEMA);
  g_settings_set_uint (external, "interval", 5);
  wait_count (recorder, "consumer:healthy", 2);

  dump = sd_test_recorder_dump (recorder);
  g_test_message ("events: %s", dump);
  need_reload = sd_test_recorder_index (recorder, "consumer:need-reload", 0);
  restoring = sd_test_recorder_index (recorder, "consumer:restoring", 0);
  healthy_again = sd_test_recorder_index (recorder, "consumer:healthy", 1);
  g_assert_cmpint (need_reload, >=, 0);
  g_assert_cmpint (need_reload, <, restoring);
  g_assert_cmpint (restoring, <, healthy_again);
  g_assert_cmpuint (consumer->generations, ==, 2);
  g_assert_cmpint (consumer->start_state, ==, SD_SERVICE_STATE_RESTORING);
  g_assert_cmpuint (consumer->seen_interval, ==, 5);

  /* A second change, of another key, reloads it once more */
  g_settings_set_string (external, "greeting", "salut");
  wait_count (recorder, "consumer:healthy", 3);
  g_assert_cmpuint (consumer->generations, ==, 3);
  g_assert_cmpstr (consumer->seen_greeting, ==, "salut");
  g_assert_cmpuint (sd_test_recorder_count (recorder, "consumer:need-reload"), ==, 2);

  /* The service that does not depend on the provider was left alone */
  g_assert_cmpuint (sd_test_recorder_count (recorder, "unrelated:need-reload"), ==, 0);
  g_assert_cmpuint (sd_test_recorder_count (recorder, "unrelated:healthy"), ==, 1);
  g_assert_cmpuint (sd_test_record (unrelated)->generations, ==, 1);
  g_assert_cmpint (sd_service_get_state (unrelated), ==, SD_SERVICE_STATE_HEALTHY);

  sd_test_shutdown_and_wait (daemon, &finished);
  sd_test_recorder_free (recorder);
  reset_test_schema ();
}

typedef struct
{
  gboolean  finished;
  GError   *error;
} RunResult;

static void
run_failed_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  RunResult *run = data;

  sd_daemon_run_finish (SD_DAEMON (object), result, &run->error);
  run->finished = TRUE;
}

static gboolean
run_finished (gpointer data)
{
  return ((RunResult *) data)->finished;
}

static void
test_daemon_missing_schema (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  RunResult run = { FALSE, NULL };
  SdService *consumer;

  sd_daemon_add_service_type (daemon, TEST_TYPE_BROKEN_CONSUMER, &error);
  g_assert_no_error (error);

  /* The process goes on; the daemon fails at startup (when it initialises its providers)
   * with the provider's error, at the latest */
  if (!sd_daemon_build (daemon, &error))
    {
      g_assert_nonnull (strstr (error->message, TEST_MISSING_SCHEMA));
      return;
    }

  consumer = sd_daemon_lookup_service (daemon, "broken-consumer");
  g_assert_nonnull (consumer);

  sd_daemon_run_async (daemon, NULL, run_failed_cb, &run);
  sd_test_wait (run_finished, &run);
  g_assert_nonnull (run.error);
  g_test_message ("run: %s", run.error->message);
  g_assert_nonnull (strstr (run.error->message, TEST_MISSING_SCHEMA));
  g_assert_nonnull (strstr (run.error->message, "not installed"));
  g_assert_cmpint (sd_daemon_get_exit_status (daemon), !=, 0);
  g_assert_cmpuint (TEST_BROKEN_CONSUMER (consumer)->prefs != NULL, ==, TRUE);
  g_clear_error (&run.error);
}

int
main (int    argc,
      char **argv)
{
  sd_test_init (&argc, &argv);

  if (g_strcmp0 (g_getenv ("GSETTINGS_BACKEND"), "memory") != 0)
    {
      g_printerr ("These tests need GSETTINGS_BACKEND=memory and GSETTINGS_SCHEMA_DIR\n");
      return 77;
    }

  g_test_add_func ("/sd/settings/provider/class", test_provider_class);
  g_test_add_func ("/sd/settings/provider/bind", test_provider_bind);
  g_test_add_func ("/sd/settings/provider/given-settings", test_provider_given_settings);
  g_test_add_func ("/sd/settings/provider/relocatable", test_provider_relocatable);
  g_test_add_func ("/sd/settings/provider/errors", test_provider_errors);
  g_test_add_func ("/sd/settings/daemon/reload-on-change", test_daemon_reload_on_change);
  g_test_add_func ("/sd/settings/daemon/missing-schema", test_daemon_missing_schema);

  return g_test_run ();
}
