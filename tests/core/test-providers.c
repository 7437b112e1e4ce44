/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "sd-test-support.h"

/*
 * Test types. A "dependent" is a service or provider with one construct-only property
 * "dep" holding a provider of a given type; the macros below keep the dozen of them short.
 */

static guint constructed_count[32];  /* per provider kind, reset by each test */

enum {
  KIND_A, KIND_B, KIND_CYC_X, KIND_CYC_Y, KIND_CYC_Z, KIND_STORE, KIND_AMB_ONE, KIND_AMB_TWO,
  KIND_FLAKY, KIND_NEVER, KIND_FATAL, KIND_EAGER, KIND_LAZY, KIND_UNUSED,
};

static void
reset_counts (void)
{
  memset (constructed_count, 0, sizeof constructed_count);
}

#define DEFINE_DEPENDENT(TypeName, type_name, ParentName, parent_gtype, dep_type_expr, kind, extra_init) \
  typedef struct { ParentName##Class parent_class; } TypeName##Class;                             \
  typedef struct { ParentName parent_instance; GObject *dep; } TypeName;                          \
  static GType type_name##_get_type (void);                                                       \
  G_DEFINE_TYPE (TypeName, type_name, parent_gtype)                                               \
  static void type_name##_get_property (GObject *o, guint id, GValue *v, GParamSpec *p)           \
  { g_value_set_object (v, ((TypeName *) o)->dep); }                                              \
  static void type_name##_set_property (GObject *o, guint id, const GValue *v, GParamSpec *p)     \
  { g_set_object (&((TypeName *) o)->dep, g_value_get_object (v)); }                              \
  static void type_name##_dispose (GObject *o)                                                    \
  { g_clear_object (&((TypeName *) o)->dep);                                                      \
    G_OBJECT_CLASS (type_name##_parent_class)->dispose (o); }                                     \
  static void type_name##_class_init (TypeName##Class *klass)                                     \
  {                                                                                               \
    GObjectClass *object_class = G_OBJECT_CLASS (klass);                                          \
    GType dep_type = (dep_type_expr);                                                             \
    object_class->get_property = type_name##_get_property;                                        \
    object_class->set_property = type_name##_set_property;                                        \
    object_class->dispose = type_name##_dispose;                                                  \
    if (dep_type != 0)                                                                            \
      g_object_class_install_property (object_class, 1,                                           \
        g_param_spec_object ("dep", NULL, NULL, dep_type,                                         \
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS)); \
    extra_init;                                                                                   \
  }                                                                                               \
  static void type_name##_init (TypeName *self)                                                   \
  { count_construction (kind); }

#define NO_EXTRA (void) 0

static void
count_construction (int kind)
{
  if (kind >= 0)
    constructed_count[kind]++;
}

/* Services idle until shutdown: run_async hands its callback to the wait */
static void
dependent_run_async (SdService           *service,
                     SdContext           *context,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  sd_context_wait_shutdown_async (context, NULL, callback, user_data);
}

#define SERVICE_EXTRA SD_SERVICE_CLASS (klass)->run_async = dependent_run_async

/* Provider chain: B <- A <- service */
DEFINE_DEPENDENT (TestB, test_b, SdProvider, SD_TYPE_PROVIDER, 0, KIND_B, NO_EXTRA)
DEFINE_DEPENDENT (TestA, test_a, SdProvider, SD_TYPE_PROVIDER, test_b_get_type (), KIND_A, NO_EXTRA)
DEFINE_DEPENDENT (TestChainService, test_chain_service, SdService, SD_TYPE_SERVICE, test_a_get_type (), -1, SERVICE_EXTRA)
DEFINE_DEPENDENT (TestChainService2, test_chain_service2, SdService, SD_TYPE_SERVICE, test_a_get_type (), -1, SERVICE_EXTRA)

/* A cycle of three: Z needs X before X is defined */
static GType test_cyc_x_get_type (void);
DEFINE_DEPENDENT (TestCycZ, test_cyc_z, SdProvider, SD_TYPE_PROVIDER, test_cyc_x_get_type (), KIND_CYC_Z, NO_EXTRA)
DEFINE_DEPENDENT (TestCycY, test_cyc_y, SdProvider, SD_TYPE_PROVIDER, test_cyc_z_get_type (), KIND_CYC_Y, NO_EXTRA)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wredundant-decls"
DEFINE_DEPENDENT (TestCycX, test_cyc_x, SdProvider, SD_TYPE_PROVIDER, test_cyc_y_get_type (), KIND_CYC_X, NO_EXTRA)
#pragma GCC diagnostic pop
DEFINE_DEPENDENT (TestCycService, test_cyc_service, SdService, SD_TYPE_SERVICE, test_cyc_x_get_type (), -1, SERVICE_EXTRA)

/* An abstract provider with one concrete subtype, and one with two */
typedef struct { SdProviderClass parent_class; } TestStoreClass;
typedef struct { SdProvider parent_instance; } TestStore;
static GType test_store_get_type (void);
G_DEFINE_ABSTRACT_TYPE (TestStore, test_store, SD_TYPE_PROVIDER)
static void test_store_class_init (TestStoreClass *klass) {}
static void test_store_init (TestStore *self) {}
DEFINE_DEPENDENT (TestMemoryStore, test_memory_store, TestStore, test_store_get_type (), 0, KIND_STORE, NO_EXTRA)
SD_REGISTER_PROVIDER (test_memory_store)
DEFINE_DEPENDENT (TestStoreUser, test_store_user, SdService, SD_TYPE_SERVICE, test_store_get_type (), -1, SERVICE_EXTRA)

typedef struct { SdProviderClass parent_class; } TestAmbClass;
typedef struct { SdProvider parent_instance; } TestAmb;
static GType test_amb_get_type (void);
G_DEFINE_ABSTRACT_TYPE (TestAmb, test_amb, SD_TYPE_PROVIDER)
static void test_amb_class_init (TestAmbClass *klass) {}
static void test_amb_init (TestAmb *self) {}
DEFINE_DEPENDENT (TestAmbOne, test_amb_one, TestAmb, test_amb_get_type (), 0, KIND_AMB_ONE, NO_EXTRA)
DEFINE_DEPENDENT (TestAmbTwo, test_amb_two, TestAmb, test_amb_get_type (), 0, KIND_AMB_TWO, NO_EXTRA)
SD_REGISTER_PROVIDER (test_amb_one)
SD_REGISTER_PROVIDER (test_amb_two)
DEFINE_DEPENDENT (TestAmbUser, test_amb_user, SdService, SD_TYPE_SERVICE, test_amb_get_type (), -1, SERVICE_EXTRA)

typedef struct { SdProviderClass parent_class; } TestOrphanClass;
typedef struct { SdProvider parent_instance; } TestOrphan;
static GType test_orphan_get_type (void);
G_DEFINE_ABSTRACT_TYPE (TestOrphan, test_orphan, SD_TYPE_PROVIDER)
static void test_orphan_class_init (TestOrphanClass *klass) {}
static void test_orphan_init (TestOrphan *self) {}
DEFINE_DEPENDENT (TestOrphanUser, test_orphan_user, SdService, SD_TYPE_SERVICE, test_orphan_get_type (), -1, SERVICE_EXTRA)

/* A provider property that is writable but not construct-only */
typedef struct { SdServiceClass parent_class; } TestBadPropClass;
typedef struct { SdService parent_instance; GObject *dep; } TestBadProp;
static GType test_bad_prop_get_type (void);
G_DEFINE_TYPE (TestBadProp, test_bad_prop, SD_TYPE_SERVICE)
static void test_bad_prop_set_property (GObject *o, guint id, const GValue *v, GParamSpec *p) {}
static void test_bad_prop_get_property (GObject *o, guint id, GValue *v, GParamSpec *p) {}
static void
test_bad_prop_class_init (TestBadPropClass *klass)
{
  G_OBJECT_CLASS (klass)->set_property = test_bad_prop_set_property;
  G_OBJECT_CLASS (klass)->get_property = test_bad_prop_get_property;
  SD_SERVICE_CLASS (klass)->run_async = dependent_run_async;
  g_object_class_install_property (G_OBJECT_CLASS (klass), 1,
    g_param_spec_object ("store", NULL, NULL, test_b_get_type (),
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}
static void test_bad_prop_init (TestBadProp *self) {}

/* Value providers */
typedef struct { SdValueProviderClass parent_class; } TestPortClass;
typedef struct { SdValueProvider parent_instance; } TestPort;
static GType test_port_get_type (void);
G_DEFINE_TYPE (TestPort, test_port, SD_TYPE_VALUE_PROVIDER)
static void
test_port_class_init (TestPortClass *klass)
{
  sd_value_provider_type_set_default (G_TYPE_FROM_CLASS (klass), g_variant_new_int32 (8080));
  sd_value_provider_type_bind_env (G_TYPE_FROM_CLASS (klass), "SD_TEST_PORT", FALSE);
}
static void test_port_init (TestPort *self) {}
DEFINE_DEPENDENT (TestPortUser, test_port_user, SdService, SD_TYPE_SERVICE, test_port_get_type (), -1, SERVICE_EXTRA)

typedef struct { SdValueProviderClass parent_class; } TestTokenClass;
typedef struct { SdValueProvider parent_instance; } TestToken;
static GType test_token_get_type (void);
G_DEFINE_TYPE (TestToken, test_token, SD_TYPE_VALUE_PROVIDER)
static void
test_token_class_init (TestTokenClass *klass)
{
  sd_value_provider_type_bind_env (G_TYPE_FROM_CLASS (klass), "SD_TEST_TOKEN", TRUE);
}
static void test_token_init (TestToken *self) {}
DEFINE_DEPENDENT (TestTokenUser, test_token_user, SdService, SD_TYPE_SERVICE, test_token_get_type (), -1, SERVICE_EXTRA)

/* A watchable value provider, one level deep (knob <- relay <- service) */
typedef struct { SdValueProviderClass parent_class; } TestKnobClass;
typedef struct { SdValueProvider parent_instance; } TestKnob;
static GType test_knob_get_type (void);
G_DEFINE_TYPE (TestKnob, test_knob, SD_TYPE_VALUE_PROVIDER)
static void
test_knob_class_init (TestKnobClass *klass)
{
  sd_value_provider_type_set_default (G_TYPE_FROM_CLASS (klass), g_variant_new_int32 (1));
}
static void test_knob_init (TestKnob *self) {}
DEFINE_DEPENDENT (TestRelay, test_relay, SdProvider, SD_TYPE_PROVIDER, test_knob_get_type (), -1, NO_EXTRA)

/* The service reads the knob (through the relay) at the start of each generation */
typedef struct { SdServiceClass parent_class; } TestKnobUserClass;
typedef struct { SdService parent_instance; GObject *dep; gint64 seen; SdServiceState started_as; } TestKnobUser;
static GType test_knob_user_get_type (void);
G_DEFINE_TYPE (TestKnobUser, test_knob_user, SD_TYPE_SERVICE)
static void test_knob_user_get_property (GObject *o, guint id, GValue *v, GParamSpec *p)
{ g_value_set_object (v, ((TestKnobUser *) o)->dep); }
static void test_knob_user_set_property (GObject *o, guint id, const GValue *v, GParamSpec *p)
{ g_set_object (&((TestKnobUser *) o)->dep, g_value_get_object (v)); }
static void test_knob_user_dispose (GObject *o)
{ g_clear_object (&((TestKnobUser *) o)->dep); G_OBJECT_CLASS (test_knob_user_parent_class)->dispose (o); }
static void
test_knob_user_run_async (SdService *service, SdContext *context, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  TestKnobUser *self = (TestKnobUser *) service;
  TestRelay *relay = (TestRelay *) self->dep;

  self->seen = sd_value_provider_get_int (SD_VALUE_PROVIDER (relay->dep));
  self->started_as = sd_context_get_state (context);
  sd_context_wait_shutdown_async (context, NULL, callback, user_data);
}
static void
test_knob_user_class_init (TestKnobUserClass *klass)
{
  G_OBJECT_CLASS (klass)->get_property = test_knob_user_get_property;
  G_OBJECT_CLASS (klass)->set_property = test_knob_user_set_property;
  G_OBJECT_CLASS (klass)->dispose = test_knob_user_dispose;
  SD_SERVICE_CLASS (klass)->run_async = test_knob_user_run_async;
  g_object_class_install_property (G_OBJECT_CLASS (klass), 1,
    g_param_spec_object ("relay", NULL, NULL, test_relay_get_type (),
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
}
static void test_knob_user_init (TestKnobUser *self) {}

/* Fallible providers: GInitable that fails a number of times */
typedef struct
{
  SdProvider parent_instance;
  guint      attempts;
  guint      fail_times;   /* G_MAXUINT: never succeeds */
  gboolean   fatal;
  gint64     initialized_at;
} TestFallible;
typedef struct { SdProviderClass parent_class; } TestFallibleClass;

static void test_fallible_initable_init (GInitableIface *iface);
static GType test_fallible_get_type (void);
G_DEFINE_TYPE_WITH_CODE (TestFallible, test_fallible, SD_TYPE_PROVIDER,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_fallible_initable_init))

static gboolean
test_fallible_init_once (GInitable     *initable,
                         GCancellable  *cancellable,
                         GError       **error)
{
  TestFallible *self = (TestFallible *) initable;

  self->attempts++;
  if (self->fatal)
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                   "%s: the disk is on fire", G_OBJECT_TYPE_NAME (self));
      return FALSE;
    }
  if (self->attempts <= self->fail_times)
    {
      g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_RETRYABLE,
                   "%s: busy (attempt %u)", G_OBJECT_TYPE_NAME (self), self->attempts);
      return FALSE;
    }
  self->initialized_at = g_get_monotonic_time ();
  return TRUE;
}

static void
test_fallible_initable_init (GInitableIface *iface)
{
  iface->init = test_fallible_init_once;
}

static void test_fallible_class_init (TestFallibleClass *klass) {}
static void test_fallible_init (TestFallible *self) {}

#define DEFINE_FALLIBLE(TypeName, type_name, kind, fails, is_fatal, flags)                      \
  typedef struct { TestFallibleClass parent_class; } TypeName##Class;                           \
  typedef struct { TestFallible parent_instance; } TypeName;                                    \
  static GType type_name##_get_type (void);                                                     \
  G_DEFINE_TYPE (TypeName, type_name, test_fallible_get_type ())                                \
  static void type_name##_class_init (TypeName##Class *klass)                                   \
  { sd_provider_type_set_flags (G_TYPE_FROM_CLASS (klass), flags); }                            \
  static void type_name##_init (TypeName *self)                                                 \
  { constructed_count[kind]++;                                                                  \
    ((TestFallible *) self)->fail_times = (fails);                                              \
    ((TestFallible *) self)->fatal = (is_fatal); }

DEFINE_FALLIBLE (TestFlaky, test_flaky, KIND_FLAKY, 2, FALSE, SD_PROVIDER_FLAGS_NONE)
DEFINE_FALLIBLE (TestNever, test_never, KIND_NEVER, G_MAXUINT, FALSE, SD_PROVIDER_FLAGS_NONE)
DEFINE_FALLIBLE (TestFatal, test_fatal, KIND_FATAL, 0, TRUE, SD_PROVIDER_FLAGS_NONE)
DEFINE_FALLIBLE (TestEager, test_eager, KIND_EAGER, 0, FALSE, SD_PROVIDER_FLAGS_EAGER)
DEFINE_FALLIBLE (TestLazy, test_lazy, KIND_LAZY, 0, FALSE, SD_PROVIDER_FLAGS_NONE)
DEFINE_FALLIBLE (TestUnused, test_unused, KIND_UNUSED, 0, FALSE, SD_PROVIDER_FLAGS_EAGER)

DEFINE_DEPENDENT (TestFlakyUser, test_flaky_user, SdService, SD_TYPE_SERVICE, test_flaky_get_type (), -1, SERVICE_EXTRA)
DEFINE_DEPENDENT (TestNeverUser, test_never_user, SdService, SD_TYPE_SERVICE, test_never_get_type (), -1, SERVICE_EXTRA)
DEFINE_DEPENDENT (TestFatalUser, test_fatal_user, SdService, SD_TYPE_SERVICE, test_fatal_get_type (), -1, SERVICE_EXTRA)
DEFINE_DEPENDENT (TestEagerUser, test_eager_user, SdService, SD_TYPE_SERVICE, test_eager_get_type (), -1, SERVICE_EXTRA)
DEFINE_DEPENDENT (TestLazyUser, test_lazy_user, SdService, SD_TYPE_SERVICE, test_lazy_get_type (), -1, SERVICE_EXTRA)
DEFINE_DEPENDENT (TestUnusedUser, test_unused_user, SdService, SD_TYPE_SERVICE, test_unused_get_type (), -1, SERVICE_EXTRA)

/* ---- helpers ---- */

static void
add_type (SdDaemon   *daemon,
          GType       type,
          const char *name,
          guint       priority)
{
  g_autoptr(GError) error = NULL;

  sd_registry_add_type (sd_daemon_get_registry (daemon), type, &error,
                        "name", name, "priority", priority, NULL);
  g_assert_no_error (error);
}

static GObject *
dep_of (GObject *object)
{
  /* every dependent type stores its dependency right after the parent instance */
  GObject *dep = NULL;

  g_object_get (object, "dep", &dep, NULL);
  if (dep != NULL)
    g_object_unref (dep);
  return dep;
}

/* ---- tests ---- */

/* service → A → B, two services share A, and B is created once */
static void
test_providers_chain (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) providers = NULL;
  SdService *one;
  SdService *two;
  GObject *a;

  reset_counts ();
  add_type (daemon, test_chain_service_get_type (), "one", 50);
  add_type (daemon, test_chain_service2_get_type (), "two", 40);

  g_assert_true (sd_daemon_build (daemon, &error));
  g_assert_no_error (error);

  one = sd_daemon_lookup_service (daemon, "one");
  two = sd_daemon_lookup_service (daemon, "two");
  a = dep_of (G_OBJECT (one));
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (a, test_a_get_type ()));
  g_assert_true (dep_of (G_OBJECT (two)) == a);
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (dep_of (a), test_b_get_type ()));
  g_assert_cmpuint (constructed_count[KIND_A], ==, 1);
  g_assert_cmpuint (constructed_count[KIND_B], ==, 1);

  /* Listed in dependency order: B before A */
  providers = sd_daemon_list_providers (daemon);
  g_assert_cmpuint (providers->len, ==, 2);
  g_assert_true (g_ptr_array_index (providers, 0) == dep_of (a));
  g_assert_true (g_ptr_array_index (providers, 1) == a);
  g_assert_true (sd_daemon_lookup_provider (daemon, test_b_get_type ()) == (SdProvider *) dep_of (a));
}

/* Each daemon has its own singletons */
static void
test_providers_per_daemon (void)
{
  g_autoptr(SdDaemon) first = sd_test_daemon_new ();
  g_autoptr(SdDaemon) second = sd_test_daemon_new ();

  reset_counts ();
  add_type (first, test_chain_service_get_type (), "one", 50);
  add_type (second, test_chain_service_get_type (), "one", 50);
  g_assert_true (sd_daemon_build (first, NULL));
  g_assert_true (sd_daemon_build (second, NULL));

  g_assert_true (sd_daemon_lookup_provider (first, test_a_get_type ()) !=
                 sd_daemon_lookup_provider (second, test_a_get_type ()));
  g_assert_cmpuint (constructed_count[KIND_A], ==, 2);
}

/* A ready-made instance is injected instead of a created one */
static void
test_providers_given_instance (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GObject) b = g_object_new (test_b_get_type (), NULL);
  g_autoptr(GError) error = NULL;

  reset_counts ();
  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (b), &error));
  g_assert_false (sd_daemon_add_provider (daemon, SD_PROVIDER (b), &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_EXISTS);
  g_clear_error (&error);

  add_type (daemon, test_chain_service_get_type (), "one", 50);
  g_assert_true (sd_daemon_build (daemon, &error));
  g_assert_no_error (error);
  g_assert_true (dep_of (dep_of (G_OBJECT (sd_daemon_lookup_service (daemon, "one")))) == b);
  g_assert_cmpuint (constructed_count[KIND_B], ==, 0);  /* the daemon made none of its own */
}

/* A cycle of three providers is reported with all three names; nothing is built */
static void
test_providers_cycle (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;

  add_type (daemon, test_cyc_service_get_type (), "cyclic", 50);
  g_assert_false (sd_daemon_build (daemon, &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_CYCLE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "TestCycX → TestCycY → TestCycZ → TestCycX"));
  g_assert_cmpint (sd_daemon_get_phase (daemon), ==, SD_DAEMON_PHASE_CREATED);
}

/* Abstract types: one concrete subtype resolves; none or two are errors naming them */
static void
test_providers_abstract (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdDaemon) ambiguous = sd_test_daemon_new ();
  g_autoptr(SdDaemon) orphan = sd_test_daemon_new ();
  g_autoptr(SdDaemon) chosen = sd_test_daemon_new ();
  g_autoptr(GObject) two = g_object_new (test_amb_two_get_type (), NULL);
  g_autoptr(GError) error = NULL;

  add_type (daemon, test_store_user_get_type (), "user", 50);
  g_assert_true (sd_daemon_build (daemon, &error));
  g_assert_no_error (error);
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (dep_of (G_OBJECT (sd_daemon_lookup_service (daemon, "user"))),
                                             test_memory_store_get_type ()));

  add_type (ambiguous, test_amb_user_get_type (), "user", 50);
  g_assert_false (sd_daemon_build (ambiguous, &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_DEPENDENCY);
  g_assert_nonnull (strstr (error->message, "TestAmbOne"));
  g_assert_nonnull (strstr (error->message, "TestAmbTwo"));
  g_clear_error (&error);

  add_type (orphan, test_orphan_user_get_type (), "user", 50);
  g_assert_false (sd_daemon_build (orphan, &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_DEPENDENCY);
  g_assert_nonnull (strstr (error->message, "TestOrphan"));
  g_clear_error (&error);

  /* The ambiguity is resolved by handing over the one to use */
  g_assert_true (sd_daemon_add_provider (chosen, SD_PROVIDER (two), NULL));
  add_type (chosen, test_amb_user_get_type (), "user", 50);
  g_assert_true (sd_daemon_build (chosen, &error));
  g_assert_no_error (error);
  g_assert_true (dep_of (G_OBJECT (sd_daemon_lookup_service (chosen, "user"))) == two);
}

static void
test_providers_not_construct_only (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;

  add_type (daemon, test_bad_prop_get_type (), "bad", 50);
  g_assert_false (sd_daemon_build (daemon, &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_DEPENDENCY);
  g_assert_nonnull (strstr (error->message, "TestBadProp:store"));
  g_assert_nonnull (strstr (error->message, "construct-only"));
}

/* An environment-bound value: unset (default), set, garbage, required but unset */
static void
test_providers_env (void)
{
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();

    g_unsetenv ("SD_TEST_PORT");
    add_type (daemon, test_port_user_get_type (), "user", 50);
    g_assert_true (sd_daemon_build (daemon, &error));
    g_assert_cmpint (sd_value_provider_get_int (SD_VALUE_PROVIDER (sd_daemon_lookup_provider (daemon, test_port_get_type ()))), ==, 8080);
  }

  {
    g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();

    g_setenv ("SD_TEST_PORT", "9090", TRUE);
    add_type (daemon, test_port_user_get_type (), "user", 50);
    g_assert_true (sd_daemon_build (daemon, &error));
    g_assert_cmpint (sd_value_provider_get_int (SD_VALUE_PROVIDER (sd_daemon_lookup_provider (daemon, test_port_get_type ()))), ==, 9090);
  }

  {
    g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();

    g_setenv ("SD_TEST_PORT", "80 80", TRUE);
    add_type (daemon, test_port_user_get_type (), "user", 50);
    g_assert_false (sd_daemon_build (daemon, &error));
    g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "SD_TEST_PORT"));
    g_assert_nonnull (strstr (error->message, "TestPort"));
    g_assert_nonnull (strstr (error->message, "80 80"));
    g_clear_error (&error);
    g_unsetenv ("SD_TEST_PORT");
  }

  {
    g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();

    g_unsetenv ("SD_TEST_TOKEN");
    add_type (daemon, test_token_user_get_type (), "user", 50);
    g_assert_false (sd_daemon_build (daemon, &error));
    g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "SD_TEST_TOKEN"));
    g_assert_nonnull (strstr (error->message, "TestToken"));
    g_clear_error (&error);
  }

  {
    g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
    g_autofree char *token = NULL;

    g_setenv ("SD_TEST_TOKEN", "s3cret", TRUE);
    add_type (daemon, test_token_user_get_type (), "user", 50);
    g_assert_true (sd_daemon_build (daemon, &error));
    token = sd_value_provider_dup_string (SD_VALUE_PROVIDER (sd_daemon_lookup_provider (daemon, test_token_get_type ())));
    g_assert_cmpstr (token, ==, "s3cret");
    g_unsetenv ("SD_TEST_TOKEN");
  }
}

typedef struct
{
  gboolean finished;
  gboolean success;
  GError  *error;
} RunResult;

static void
run_result_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  RunResult *run = data;

  run->success = sd_daemon_run_finish (SD_DAEMON (object), result, &run->error);
  run->finished = TRUE;
}

static gboolean
run_finished (gpointer data)
{
  return ((RunResult *) data)->finished;
}

/* A retryable provider that succeeds on its third try: the service then starts */
static void
test_providers_retryable (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdRestartPolicy) policy = sd_restart_policy_new_for_testing ();
  RunResult run = { 0 };
  SdService *user;
  TestFallible *flaky;

  /* Retries after 10 and 20 ms, well within the timeout */
  sd_restart_policy_set_initial_delay_ms (policy, 10);
  sd_restart_policy_set_provider_init_timeout_ms (policy, 10000);
  sd_daemon_set_restart_policy (daemon, policy);
  add_type (daemon, test_flaky_user_get_type (), "user", 50);

  sd_daemon_run_async (daemon, NULL, run_result_cb, &run);
  user = sd_daemon_lookup_service (daemon, "user");
  sd_test_wait_state (user, SD_SERVICE_STATE_HEALTHY);

  flaky = (TestFallible *) sd_daemon_lookup_provider (daemon, test_flaky_get_type ());
  g_assert_cmpuint (flaky->attempts, ==, 3);
  g_assert_true (sd_provider_get_initialized (SD_PROVIDER (flaky)));
  g_assert_true (sd_test_log_contains ("TestFlaky: busy (attempt 2)"));

  sd_daemon_shutdown (daemon);
  sd_test_wait (run_finished, &run);
  g_assert_true (run.success);
  g_assert_cmpint (sd_daemon_get_exit_status (daemon), ==, 0);
}

/* One that never succeeds: the run fails after provider-init-timeout-ms with its error */
static void
test_providers_retryable_timeout (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  RunResult run = { 0 };
  SdService *user;
  SdService *earlier;

  add_type (daemon, test_never_user_get_type (), "user", 50);
  add_type (daemon, SD_TYPE_TEST_SERVICE, "earlier", 90);

  sd_daemon_run_async (daemon, NULL, run_result_cb, &run);
  sd_test_wait (run_finished, &run);

  g_assert_false (run.success);
  g_assert_error (run.error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_RETRYABLE);
  g_test_message ("%s", run.error->message);
  g_assert_nonnull (strstr (run.error->message, "TestNever"));
  g_assert_nonnull (strstr (run.error->message, "within 500 ms"));
  g_assert_cmpint (sd_daemon_get_exit_status (daemon), !=, 0);

  /* The earlier wave was stopped gracefully; the service never started */
  user = sd_daemon_lookup_service (daemon, "user");
  earlier = sd_daemon_lookup_service (daemon, "earlier");
  g_assert_cmpuint (sd_service_get_generation (user), ==, 0);
  g_assert_cmpint (sd_service_get_state (earlier), ==, SD_SERVICE_STATE_TERMINATED);
  g_clear_error (&run.error);
}

/* A fatal provider makes the run fail at once with its message */
static void
test_providers_fatal (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  TestFallible *fatal;

  add_type (daemon, test_fatal_user_get_type (), "user", 50);
  g_assert_false (sd_daemon_run (daemon, NULL, &error));
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
  g_assert_nonnull (strstr (error->message, "the disk is on fire"));
  g_assert_cmpint (sd_daemon_get_exit_status (daemon), ==, 1);

  fatal = (TestFallible *) sd_daemon_lookup_provider (daemon, test_fatal_get_type ());
  g_assert_cmpuint (fatal->attempts, ==, 1);
}

static void
note_healthy_time (SdService  *service,
                   GParamSpec *pspec,
                   gint64     *when)
{
  if (sd_service_get_state (service) == SD_SERVICE_STATE_HEALTHY && *when == 0)
    *when = g_get_monotonic_time ();
}

/* Eager providers before the first wave; lazy ones right before their wave; unreachable
 * ones (their services are filtered out) never */
static void
test_providers_eager_and_lazy (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  const char *exclude[] = { "skip", NULL };
  const char *skip[] = { "skip", NULL };
  SdService *first;
  gint64 first_healthy_at = 0;
  TestFallible *eager;
  TestFallible *lazy;
  gboolean finished;

  reset_counts ();
  add_type (daemon, SD_TYPE_TEST_SERVICE, "first", 90);
  add_type (daemon, test_lazy_user_get_type (), "lazy-user", 50);
  add_type (daemon, test_eager_user_get_type (), "eager-user", 10);
  sd_registry_add_type (sd_daemon_get_registry (daemon), test_unused_user_get_type (), &error,
                        "name", "unused", "tags", skip, NULL);
  sd_registry_set_exclude_tags (sd_daemon_get_registry (daemon), exclude);

  g_assert_true (sd_daemon_build (daemon, &error));
  first = sd_daemon_lookup_service (daemon, "first");
  g_signal_connect (first, "notify::state", G_CALLBACK (note_healthy_time), &first_healthy_at);

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (first, SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (sd_daemon_lookup_service (daemon, "eager-user"), SD_SERVICE_STATE_HEALTHY);

  eager = (TestFallible *) sd_daemon_lookup_provider (daemon, test_eager_get_type ());
  lazy = (TestFallible *) sd_daemon_lookup_provider (daemon, test_lazy_get_type ());
  g_assert_cmpint (eager->initialized_at, >, 0);
  g_assert_cmpint (eager->initialized_at, <, first_healthy_at);
  g_assert_cmpint (lazy->initialized_at, >, 0);
  g_assert_cmpint (lazy->initialized_at, >=, first_healthy_at);
  g_assert_cmpuint (constructed_count[KIND_UNUSED], ==, 0);
  g_assert_null (sd_daemon_lookup_provider (daemon, test_unused_get_type ()));

  sd_test_shutdown_and_wait (daemon, &finished);
}

typedef struct
{
  SdValueProvider *knob;
  gint32           value;
} KnobWrite;

static gpointer
write_knob_thread (gpointer data)
{
  KnobWrite *write = data;

  g_assert_true (sd_value_provider_set_value (write->knob, g_variant_new_int32 (write->value), NULL));
  return NULL;
}

static gboolean
user_restored (gpointer data)
{
  TestKnobUser *user = data;

  return sd_service_get_generation (SD_SERVICE (user)) == 2 &&
         sd_service_get_state (SD_SERVICE (user)) == SD_SERVICE_STATE_HEALTHY;
}

/* A watchable change, written from another thread, reloads the dependent (through another
 * provider) as RESTORING, and leaves an unrelated service alone */
static void
test_providers_watchable (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  SdService *unrelated = sd_test_service_new ("unrelated", 50, SD_TEST_IDLE);
  TestKnobUser *user;
  KnobWrite write;
  GThread *thread;
  gboolean finished;

  add_type (daemon, test_knob_user_get_type (), "user", 50);
  sd_test_add (daemon, unrelated);

  sd_test_run_async (daemon, &finished);
  user = (TestKnobUser *) sd_daemon_lookup_service (daemon, "user");
  sd_test_wait_state (SD_SERVICE (user), SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (unrelated, SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpint (user->seen, ==, 1);

  write.knob = SD_VALUE_PROVIDER (sd_daemon_lookup_provider (daemon, test_knob_get_type ()));
  write.value = 42;
  thread = g_thread_new ("writer", write_knob_thread, &write);
  g_thread_join (thread);

  sd_test_wait (user_restored, user);
  g_assert_cmpint (user->seen, ==, 42);
  g_assert_cmpint (user->started_as, ==, SD_SERVICE_STATE_RESTORING);
  g_assert_cmpuint (sd_service_get_generation (unrelated), ==, 1);

  /* A write of the same value changes nothing */
  g_assert_true (sd_value_provider_set_value (write.knob, g_variant_new_int32 (42), NULL));
  /* ... and a value of another type is refused */
  g_assert_false (sd_value_provider_set_value (write.knob, g_variant_new_string ("42"), &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
  g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (sd_service_get_generation (SD_SERVICE (user)), ==, 2);

  sd_test_shutdown_and_wait (daemon, &finished);
}

int
main (int   argc,
      char *argv[])
{
  sd_test_init (&argc, &argv);

  g_test_add_func ("/sd/providers/chain", test_providers_chain);
  g_test_add_func ("/sd/providers/per-daemon", test_providers_per_daemon);
  g_test_add_func ("/sd/providers/given-instance", test_providers_given_instance);
  g_test_add_func ("/sd/providers/cycle", test_providers_cycle);
  g_test_add_func ("/sd/providers/abstract", test_providers_abstract);
  g_test_add_func ("/sd/providers/not-construct-only", test_providers_not_construct_only);
  g_test_add_func ("/sd/providers/env", test_providers_env);
  g_test_add_func ("/sd/providers/init/retryable", test_providers_retryable);
  g_test_add_func ("/sd/providers/init/retryable-timeout", test_providers_retryable_timeout);
  g_test_add_func ("/sd/providers/init/fatal", test_providers_fatal);
  g_test_add_func ("/sd/providers/init/eager-and-lazy", test_providers_eager_and_lazy);
  g_test_add_func ("/sd/providers/watchable", test_providers_watchable);

  return g_test_run ();
}
