/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "sd-test-support.h"

/* A service type with class defaults, registered for discovery at load time. */
#define MY_TYPE_HEARTBEAT (my_heartbeat_get_type ())
G_DECLARE_FINAL_TYPE (MyHeartbeat, my_heartbeat, MY, HEARTBEAT, SdService)

struct _MyHeartbeat
{
  SdService parent_instance;
};

G_DEFINE_FINAL_TYPE (MyHeartbeat, my_heartbeat, SD_TYPE_SERVICE)
SD_REGISTER_SERVICE (my_heartbeat)

static gboolean
my_heartbeat_run (SdService  *service,
                  SdContext  *context,
                  GError    **error)
{
  while (sd_context_sleep (context, 60000))
    ;
  return TRUE;
}

static void
my_heartbeat_class_init (MyHeartbeatClass *klass)
{
  const char *tags[] = { "core", "net", NULL };

  SD_SERVICE_CLASS (klass)->run = my_heartbeat_run;
  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "priority", SD_PRIORITY_STORAGE,
                                "lane", SD_LANE_ISOLATED,
                                "tags", tags,
                                "restart-mode", SD_RESTART_MODE_ON_FAILURE,
                                NULL);
}

static void
my_heartbeat_init (MyHeartbeat *self)
{
}

/* A type whose class default is out of range. */
#define MY_TYPE_BAD_PRIORITY (my_bad_priority_get_type ())
G_DECLARE_FINAL_TYPE (MyBadPriority, my_bad_priority, MY, BAD_PRIORITY, SdService)

struct _MyBadPriority
{
  SdService parent_instance;
};

G_DEFINE_FINAL_TYPE (MyBadPriority, my_bad_priority, SD_TYPE_SERVICE)

static void
my_bad_priority_class_init (MyBadPriorityClass *klass)
{
  SD_SERVICE_CLASS (klass)->run = my_heartbeat_run;
  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass), "priority", 300u, NULL);
}

static void
my_bad_priority_init (MyBadPriority *self)
{
}

/* A type that implements no body. */
#define MY_TYPE_NO_BODY (my_no_body_get_type ())
G_DECLARE_FINAL_TYPE (MyNoBody, my_no_body, MY, NO_BODY, SdService)

struct _MyNoBody
{
  SdService parent_instance;
};

G_DEFINE_FINAL_TYPE (MyNoBody, my_no_body, SD_TYPE_SERVICE)

static void
my_no_body_class_init (MyNoBodyClass *klass)
{
}

static void
my_no_body_init (MyNoBody *self)
{
}

/* The services a daemon built from @registry runs */
static GPtrArray *
instantiate (SdRegistry  *registry,
             GError     **error)
{
  g_autoptr(SdDaemon) daemon = sd_daemon_new_with_registry (registry);

  if (!sd_daemon_build (daemon, error))
    return NULL;

  return sd_daemon_list_services (daemon);
}

/* Named like the types a binding registers, and like an acronym-heavy C type. */
static GType
register_named (const char *name)
{
  return g_type_register_static_simple (SD_TYPE_SERVICE, name,
                                        sizeof (SdServiceClass), NULL,
                                        sizeof (SdService), NULL, 0);
}

static void
test_registry_default_names (void)
{
  g_autofree char *heartbeat = sd_service_type_dup_default_name (MY_TYPE_HEARTBEAT);
  g_autofree char *http = sd_service_type_dup_default_name (register_named ("HTTPServer"));
  g_autofree char *python = sd_service_type_dup_default_name (register_named ("__main__+QueueWorker2"));
  g_autofree char *test = sd_service_type_dup_default_name (SD_TYPE_TEST_SERVICE);

  g_assert_cmpstr (heartbeat, ==, "my-heartbeat");
  g_assert_cmpstr (http, ==, "http-server");
  g_assert_cmpstr (python, ==, "queue-worker2");
  g_assert_cmpstr (test, ==, "sd-test-service");
}

/* Class defaults apply; the instance and registry entries may override them. */
static void
test_registry_class_defaults (void)
{
  g_autoptr(SdService) plain = g_object_new (MY_TYPE_HEARTBEAT, NULL);
  g_autoptr(SdService) custom = g_object_new (MY_TYPE_HEARTBEAT, "name", "beat-2", "priority", 7u, NULL);
  g_autoptr(SdRegistry) registry = sd_registry_new ();
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GError) error = NULL;
  const char * const expected_tags[] = { "core", "net", NULL };

  g_assert_cmpstr (sd_service_get_name (plain), ==, "my-heartbeat");
  g_assert_cmpuint (sd_service_get_priority (plain), ==, SD_PRIORITY_STORAGE);
  g_assert_cmpint (sd_service_get_lane (plain), ==, SD_LANE_ISOLATED);
  g_assert_cmpint (sd_service_get_restart_mode (plain), ==, SD_RESTART_MODE_ON_FAILURE);
  g_assert_true (g_strv_equal (sd_service_get_tags (plain), expected_tags));
  g_assert_true (sd_service_get_reloadable (plain));
  g_assert_true (sd_service_is_blocking (plain));

  g_assert_cmpstr (sd_service_get_name (custom), ==, "beat-2");
  g_assert_cmpuint (sd_service_get_priority (custom), ==, 7);
  g_assert_cmpint (sd_service_get_lane (custom), ==, SD_LANE_ISOLATED);

  g_assert_true (sd_registry_add_type (registry, MY_TYPE_HEARTBEAT, &error,
                                       "name", "beat-3", "priority", 3u, "lane", SD_LANE_STANDARD,
                                       NULL));
  g_assert_no_error (error);
  services = instantiate (registry, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (services->len, ==, 1);
  g_assert_cmpstr (sd_service_get_name (g_ptr_array_index (services, 0)), ==, "beat-3");
  g_assert_cmpuint (sd_service_get_priority (g_ptr_array_index (services, 0)), ==, 3);
  g_assert_cmpint (sd_service_get_lane (g_ptr_array_index (services, 0)), ==, SD_LANE_STANDARD);
}

/* Bad input is a GError that names it, and nothing is added or built. */
static void
test_registry_bad_input (void)
{
  g_autoptr(SdRegistry) registry = sd_registry_new ();
  g_autoptr(SdDaemon) daemon = sd_daemon_new_with_registry (registry);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) services = NULL;

  g_assert_false (sd_registry_add_type (registry, MY_TYPE_HEARTBEAT, &error, "priority", 256u, NULL));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "256"));
  g_clear_error (&error);

  g_assert_false (sd_registry_add_type (registry, MY_TYPE_HEARTBEAT, &error, "lane", 42, NULL));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "lane"));
  g_clear_error (&error);

  g_assert_false (sd_registry_add_type (registry, MY_TYPE_HEARTBEAT, &error, "name", "bad name!", NULL));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "bad name!"));
  g_clear_error (&error);

  g_assert_false (sd_registry_add_type (registry, MY_TYPE_HEARTBEAT, &error, "state", 1, NULL));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "state"));
  g_clear_error (&error);

  g_assert_false (sd_registry_add_type (registry, SD_TYPE_SERVICE, &error, NULL));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "abstract"));
  g_clear_error (&error);

  g_assert_false (sd_registry_add_type (registry, G_TYPE_OBJECT, &error, NULL));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "GObject"));
  g_clear_error (&error);

  /* None of that was added */
  services = instantiate (registry, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (services->len, ==, 0);

  /* An invalid class default fails the build, naming the type and the value */
  g_assert_true (sd_daemon_add_service_type (daemon, MY_TYPE_BAD_PRIORITY, &error));
  g_assert_false (sd_daemon_build (daemon, &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "MyBadPriority"));
  g_assert_nonnull (strstr (error->message, "300"));
  g_clear_error (&error);
  g_assert_cmpint (sd_daemon_get_phase (daemon), ==, SD_DAEMON_PHASE_CREATED);
  g_clear_pointer (&services, g_ptr_array_unref);
  services = sd_daemon_list_services (daemon);
  g_assert_cmpuint (services->len, ==, 0);
}

static void
test_registry_no_body (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_daemon_add_service_type (daemon, MY_TYPE_NO_BODY, &error));
  g_assert_false (sd_daemon_run (daemon, NULL, &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "MyNoBody"));
  g_assert_cmpint (sd_daemon_get_exit_status (daemon), !=, 0);
}

/* Two services with one name are a build error naming the name and both types. */
static void
test_registry_duplicate_names (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;

  sd_test_add (daemon, sd_test_service_new ("twin", 50, SD_TEST_IDLE));
  sd_test_add (daemon, sd_test_blocking_new ("twin", 60, SD_TEST_IDLE));

  g_assert_false (sd_daemon_build (daemon, &error));
  g_assert_error (error, SD_ERROR, SD_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "“twin”"));
  g_assert_nonnull (strstr (error->message, "SdTestService"));
  g_assert_nonnull (strstr (error->message, "SdTestBlocking"));
  g_assert_cmpint (sd_daemon_get_phase (daemon), ==, SD_DAEMON_PHASE_CREATED);
}

/* Include tags select (OR), exclude tags win, an unmatched tag is reported. */
static void
test_registry_tags (void)
{
  g_autoptr(SdRegistry) registry = sd_registry_new ();
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GError) error = NULL;
  const char *include[] = { "net", "storage", "typo-tag", NULL };
  const char *exclude[] = { "slow", NULL };
  const char *net[] = { "net", NULL };
  const char *storage_slow[] = { "storage", "slow", NULL };
  const char *other[] = { "other", NULL };

  sd_registry_add_type (registry, SD_TYPE_TEST_SERVICE, &error, "name", "a", "tags", net, NULL);
  sd_registry_add_type (registry, SD_TYPE_TEST_SERVICE, &error, "name", "b", "tags", storage_slow, NULL);
  sd_registry_add_type (registry, SD_TYPE_TEST_SERVICE, &error, "name", "c", "tags", other, NULL);
  sd_registry_add_type (registry, SD_TYPE_TEST_SERVICE, &error, "name", "d", NULL);
  g_assert_no_error (error);

  sd_registry_set_include_tags (registry, include);
  sd_registry_set_exclude_tags (registry, exclude);
  sd_test_log_clear ();

  services = instantiate (registry, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (services->len, ==, 1);
  g_assert_cmpstr (sd_service_get_name (g_ptr_array_index (services, 0)), ==, "a");
  g_assert_true (sd_test_log_contains ("“typo-tag” matches no service"));
  g_assert_false (sd_test_log_contains ("“net” matches no service"));

  /* Without include tags everything not excluded runs */
  sd_registry_set_include_tags (registry, NULL);
  g_clear_pointer (&services, g_ptr_array_unref);
  services = instantiate (registry, &error);
  g_assert_cmpuint (services->len, ==, 3);
}

/* SD_REGISTER_SERVICE makes a type discovered at load time; sd_daemon_new() runs it. */
static void
test_registry_discovery (void)
{
  g_autoptr(SdDaemon) daemon = sd_daemon_new ();
  g_autoptr(SdRegistry) empty = sd_registry_new ();
  g_autoptr(GPtrArray) services = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree GType *types = NULL;
  guint n_types = 0;
  gboolean found = FALSE;

  types = sd_registry_list_registered_types (&n_types);
  for (guint i = 0; i < n_types; i++)
    found |= types[i] == MY_TYPE_HEARTBEAT;
  g_assert_true (found);

  g_assert_true (sd_registry_get_discover (sd_daemon_get_registry (daemon)));
  g_assert_true (sd_daemon_build (daemon, &error));
  g_assert_no_error (error);
  g_assert_nonnull (sd_daemon_lookup_service (daemon, "my-heartbeat"));

  services = instantiate (empty, &error);
  g_assert_cmpuint (services->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  sd_test_init (&argc, &argv);

  g_test_add_func ("/sd/registry/default-names", test_registry_default_names);
  g_test_add_func ("/sd/registry/class-defaults", test_registry_class_defaults);
  g_test_add_func ("/sd/registry/bad-input", test_registry_bad_input);
  g_test_add_func ("/sd/registry/no-body", test_registry_no_body);
  g_test_add_func ("/sd/registry/duplicate-names", test_registry_duplicate_names);
  g_test_add_func ("/sd/registry/tags", test_registry_tags);
  g_test_add_func ("/sd/registry/discovery", test_registry_discovery);

  return g_test_run ();
}
