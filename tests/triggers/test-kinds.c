/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sd-triggers.h>

#include "sd-test-support.h"

/* ---- what a closure handler saw ---- */

typedef struct
{
  GPtrArray *payloads;  /* (owned) (element-type GVariant) */
} Seen;

static Seen *
seen_new (void)
{
  Seen *seen = g_new0 (Seen, 1);

  seen->payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  return seen;
}

static void
seen_free (Seen *seen)
{
  g_ptr_array_unref (seen->payloads);
  g_free (seen);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Seen, seen_free)

static gboolean
record_cb (SdTrigger  *trigger,
           SdMessage  *message,
           gpointer    user_data,
           GError    **error)
{
  Seen *seen = user_data;

  g_assert_nonnull (sd_message_get_payload (message));
  g_ptr_array_add (seen->payloads, g_variant_ref (sd_message_get_payload (message)));
  return TRUE;
}

static GVariant *
last_payload (Seen *seen)
{
  g_assert_cmpuint (seen->payloads->len, >, 0);
  return g_ptr_array_index (seen->payloads, seen->payloads->len - 1);
}

typedef struct
{
  Seen  *seen;
  guint  n;
} SeenWait;

static gboolean
seen_at_least (gpointer data)
{
  SeenWait *wait = data;

  return wait->seen->payloads->len >= wait->n;
}

static void
wait_seen (Seen  *seen,
           guint  n)
{
  SeenWait wait = { seen, n };

  sd_test_wait (seen_at_least, &wait);
}

/* Runs what is ready on the default context, without blocking */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static SdTrigger *
closure_trigger (GType       type,
                 const char *name,
                 gpointer    source,
                 Seen       *seen)
{
  SdTrigger *trigger = g_object_new (type, "name", name, "source", source, NULL);

  sd_trigger_set_handler (trigger, record_cb, seen, NULL);
  return trigger;
}

/* ---- providers of the application ---- */

/* A watchable value provider */
#define TEST_TYPE_LEVEL (test_level_get_type ())
G_DECLARE_FINAL_TYPE (TestLevel, test_level, TEST, LEVEL, SdValueProvider)
struct _TestLevel { SdValueProvider parent_instance; };
G_DEFINE_FINAL_TYPE (TestLevel, test_level, SD_TYPE_VALUE_PROVIDER)

static void
test_level_class_init (TestLevelClass *klass)
{
  sd_value_provider_type_set_default (G_TYPE_FROM_CLASS (klass), g_variant_new_int32 (0));
}

static void
test_level_init (TestLevel *self)
{
}

/* A service that depends on the level the ordinary way: a change reloads it */
#define TEST_TYPE_LEVEL_USER (test_level_user_get_type ())
G_DECLARE_FINAL_TYPE (TestLevelUser, test_level_user, TEST, LEVEL_USER, SdService)
struct _TestLevelUser
{
  SdService  parent_instance;
  TestLevel *level;  /* (owned) */
};
G_DEFINE_FINAL_TYPE (TestLevelUser, test_level_user, SD_TYPE_SERVICE)

static void
test_level_user_run_async (SdService           *service,
                           SdContext           *context,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  sd_context_wait_shutdown_async (context, NULL, callback, user_data);
}

static void
test_level_user_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  g_value_set_object (value, TEST_LEVEL_USER (object)->level);
}

static void
test_level_user_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TEST_LEVEL_USER (object)->level = g_value_dup_object (value);
}

static void
test_level_user_dispose (GObject *object)
{
  g_clear_object (&TEST_LEVEL_USER (object)->level);
  G_OBJECT_CLASS (test_level_user_parent_class)->dispose (object);
}

static void
test_level_user_class_init (TestLevelUserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_level_user_get_property;
  object_class->set_property = test_level_user_set_property;
  object_class->dispose = test_level_user_dispose;
  SD_SERVICE_CLASS (klass)->run_async = test_level_user_run_async;

  g_object_class_install_property (object_class, 1,
                                   g_param_spec_object ("level", NULL, NULL, TEST_TYPE_LEVEL,
                                                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                        G_PARAM_STATIC_STRINGS));
}

static void
test_level_user_init (TestLevelUser *self)
{
}

/* A watch type of the application: its source and property are class defaults */
#define TEST_TYPE_LEVEL_WATCH (test_level_watch_get_type ())
G_DECLARE_FINAL_TYPE (TestLevelWatch, test_level_watch, TEST, LEVEL_WATCH, SdWatchTrigger)
struct _TestLevelWatch
{
  SdWatchTrigger  parent_instance;
  GArray         *levels;  /* (owned) (element-type gint32) */
};
G_DEFINE_FINAL_TYPE (TestLevelWatch, test_level_watch, SD_TYPE_WATCH_TRIGGER)

static gboolean
test_level_watch_handle (SdTrigger  *trigger,
                         SdMessage  *message,
                         GError    **error)
{
  gint32 level = g_variant_get_int32 (sd_message_get_payload (message));

  g_array_append_val (TEST_LEVEL_WATCH (trigger)->levels, level);
  return TRUE;
}

static void
test_level_watch_finalize (GObject *object)
{
  g_array_unref (TEST_LEVEL_WATCH (object)->levels);
  G_OBJECT_CLASS (test_level_watch_parent_class)->finalize (object);
}

static void
test_level_watch_class_init (TestLevelWatchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_level_watch_finalize;
  SD_TRIGGER_CLASS (klass)->handle = test_level_watch_handle;
  sd_trigger_type_set_source (G_TYPE_FROM_CLASS (klass), TEST_TYPE_LEVEL);
  sd_watch_trigger_type_set_property_name (G_TYPE_FROM_CLASS (klass), "value");
}

static void
test_level_watch_init (TestLevelWatch *self)
{
  self->levels = g_array_new (FALSE, FALSE, sizeof (gint32));
}

/* A plain provider with two properties */
#define TEST_TYPE_PAIR (test_pair_get_type ())
G_DECLARE_FINAL_TYPE (TestPair, test_pair, TEST, PAIR, SdProvider)
struct _TestPair
{
  SdProvider  parent_instance;
  int         alpha;
  char       *beta;
};
G_DEFINE_FINAL_TYPE (TestPair, test_pair, SD_TYPE_PROVIDER)

enum { PAIR_PROP_0, PAIR_PROP_ALPHA, PAIR_PROP_BETA, N_PAIR_PROPS };
static GParamSpec *pair_properties[N_PAIR_PROPS];

static void
test_pair_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  TestPair *self = TEST_PAIR (object);

  if (prop_id == PAIR_PROP_ALPHA)
    g_value_set_int (value, self->alpha);
  else
    g_value_set_string (value, self->beta);
}

static void
test_pair_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  TestPair *self = TEST_PAIR (object);

  if (prop_id == PAIR_PROP_ALPHA)
    self->alpha = g_value_get_int (value);
  else
    {
      g_free (self->beta);
      self->beta = g_value_dup_string (value);
    }
}

static void
test_pair_finalize (GObject *object)
{
  g_free (TEST_PAIR (object)->beta);
  G_OBJECT_CLASS (test_pair_parent_class)->finalize (object);
}

static void
test_pair_class_init (TestPairClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_pair_get_property;
  object_class->set_property = test_pair_set_property;
  object_class->finalize = test_pair_finalize;

  pair_properties[PAIR_PROP_ALPHA] =
    g_param_spec_int ("alpha", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  pair_properties[PAIR_PROP_BETA] =
    g_param_spec_string ("beta", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PAIR_PROPS, pair_properties);
}

static void
test_pair_init (TestPair *self)
{
}

/* An interval type with a class default, and a trigger type of the application for it */
#define TEST_TYPE_TICKER (test_ticker_get_type ())
G_DECLARE_FINAL_TYPE (TestTicker, test_ticker, TEST, TICKER, SdInterval)
struct _TestTicker { SdInterval parent_instance; };
G_DEFINE_FINAL_TYPE (TestTicker, test_ticker, SD_TYPE_INTERVAL)

static void
test_ticker_class_init (TestTickerClass *klass)
{
  sd_interval_type_set_default_period_ms (G_TYPE_FROM_CLASS (klass), 20);
}

static void
test_ticker_init (TestTicker *self)
{
}

#define TEST_TYPE_TICK_COUNTER (test_tick_counter_get_type ())
G_DECLARE_FINAL_TYPE (TestTickCounter, test_tick_counter, TEST, TICK_COUNTER, SdIntervalTrigger)
struct _TestTickCounter
{
  SdIntervalTrigger  parent_instance;
  GArray            *ticks;  /* (owned) (element-type guint64) */
};
G_DEFINE_FINAL_TYPE (TestTickCounter, test_tick_counter, SD_TYPE_INTERVAL_TRIGGER)

static gboolean
test_tick_counter_handle (SdTrigger  *trigger,
                          SdMessage  *message,
                          GError    **error)
{
  TestTickCounter *self = TEST_TICK_COUNTER (trigger);
  GVariant *payload = sd_message_get_payload (message);
  guint64 tick;

  g_assert_true (g_variant_is_of_type (payload, G_VARIANT_TYPE_UINT64));
  tick = g_variant_get_uint64 (payload);
  g_array_append_val (self->ticks, tick);
  return TRUE;
}

static void
test_tick_counter_finalize (GObject *object)
{
  g_array_unref (TEST_TICK_COUNTER (object)->ticks);
  G_OBJECT_CLASS (test_tick_counter_parent_class)->finalize (object);
}

static void
test_tick_counter_class_init (TestTickCounterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_tick_counter_finalize;
  SD_TRIGGER_CLASS (klass)->handle = test_tick_counter_handle;
  sd_trigger_type_set_source (G_TYPE_FROM_CLASS (klass), TEST_TYPE_TICKER);
}

static void
test_tick_counter_init (TestTickCounter *self)
{
  self->ticks = g_array_new (FALSE, FALSE, sizeof (guint64));
}

/* ---- watch ---- */

static gpointer
write_levels (gpointer data)
{
  SdValueProvider *level = data;

  for (int i = 1; i <= 3; i++)
    g_assert_true (sd_value_provider_set_value (level, g_variant_new_int32 (i), NULL));

  return NULL;
}

static gboolean
saw_final_level (gpointer data)
{
  Seen *seen = data;

  return seen->payloads->len > 0 && g_variant_get_int32 (last_payload (seen)) == 3;
}

typedef struct
{
  SdService *service;
  guint      generation;
} GenerationWait;

static gboolean
generation_reached (gpointer data)
{
  GenerationWait *wait = data;

  return sd_service_get_generation (wait->service) >= wait->generation &&
         sd_service_get_state (wait->service) == SD_SERVICE_STATE_HEALTHY;
}

/* Three quick changes from another thread: the handler ends on the final value, never goes
 * back to an older one, and the watch trigger is not reloaded while a plain dependent is */
static void
test_watch_value (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(TestLevel) level = g_object_new (TEST_TYPE_LEVEL, NULL);
  g_autoptr(Seen) seen = seen_new ();
  g_autoptr(GThread) writer = NULL;
  g_autoptr(GError) error = NULL;
  SdTrigger *trigger;
  SdService *user;
  GenerationWait reloaded;
  gboolean finished;

  trigger = closure_trigger (SD_TYPE_WATCH_TRIGGER, "level-watch", level, seen);
  g_assert_true (sd_watch_trigger_get_source (SD_WATCH_TRIGGER (trigger)) == SD_PROVIDER (level));
  g_assert_null (sd_watch_trigger_get_property_name (SD_WATCH_TRIGGER (trigger)));

  /* The plain dependent is created by the daemon, which hands it the same level */
  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (level), NULL));
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  g_assert_true (sd_daemon_add_service_type (daemon, TEST_TYPE_LEVEL_USER, &error));
  g_assert_no_error (error);
  g_assert_true (sd_daemon_build (daemon, &error));
  g_assert_no_error (error);
  user = sd_daemon_lookup_service (daemon, "test-level-user");
  g_assert_true (TEST_LEVEL_USER (user)->level == level);
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (user, SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpuint (seen->payloads->len, ==, 0);  /* no fire at startup */

  writer = g_thread_new ("level-writer", write_levels, level);
  g_thread_join (g_steal_pointer (&writer));
  sd_test_wait (saw_final_level, seen);

  /* The plain dependent is reloaded: by then the daemon has seen the changes */
  reloaded = (GenerationWait) { user, 2 };
  sd_test_wait (generation_reached, &reloaded);
  drain ();

  g_assert_cmpuint (seen->payloads->len, >=, 1);
  g_assert_cmpuint (seen->payloads->len, <=, 3);
  for (guint i = 1; i < seen->payloads->len; i++)
    g_assert_cmpint (g_variant_get_int32 (g_ptr_array_index (seen->payloads, i - 1)), <,
                     g_variant_get_int32 (g_ptr_array_index (seen->payloads, i)));
  g_assert_cmpint (g_variant_get_int32 (last_payload (seen)), ==, 3);
  g_assert_cmpuint (sd_service_get_generation (SD_SERVICE (trigger)), ==, 1);
  g_assert_cmpuint (sd_trigger_get_n_setups (trigger), ==, 1);
  g_assert_cmpint (sd_service_get_state (SD_SERVICE (trigger)), ==, SD_SERVICE_STATE_HEALTHY);

  /* Setting the same value again notifies nothing and fires nothing; a new one fires */
  g_assert_true (sd_value_provider_set_value (SD_VALUE_PROVIDER (level), g_variant_new_int32 (3), NULL));
  g_assert_true (sd_value_provider_set_value (SD_VALUE_PROVIDER (level), g_variant_new_int32 (4), NULL));
  wait_seen (seen, seen->payloads->len + 1);
  g_assert_cmpint (g_variant_get_int32 (last_payload (seen)), ==, 4);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

static gboolean
level_watch_saw_five (gpointer data)
{
  GArray *levels = TEST_LEVEL_WATCH (data)->levels;

  return levels->len > 0 && g_array_index (levels, gint32, levels->len - 1) == 5;
}

/* A subclass created by the daemon: the source type and the property are class defaults */
static void
test_watch_subclass (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  TestLevelWatch *watch;
  SdProvider *level;
  gboolean finished;

  g_assert_true (sd_daemon_add_service_type (daemon, TEST_TYPE_LEVEL_WATCH, &error));
  g_assert_no_error (error);
  g_assert_true (sd_daemon_build (daemon, &error));
  g_assert_no_error (error);
  watch = TEST_LEVEL_WATCH (sd_daemon_lookup_service (daemon, "test-level-watch"));
  level = sd_watch_trigger_get_source (SD_WATCH_TRIGGER (watch));
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (level, TEST_TYPE_LEVEL));
  g_assert_cmpstr (sd_watch_trigger_get_property_name (SD_WATCH_TRIGGER (watch)), ==, "value");

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (watch), SD_SERVICE_STATE_HEALTHY);
  g_assert_true (sd_value_provider_set_value (SD_VALUE_PROVIDER (level), g_variant_new_int32 (5), NULL));
  sd_test_wait (level_watch_saw_five, watch);
  g_assert_cmpuint (sd_trigger_get_n_setups (SD_TRIGGER (watch)), ==, 1);

  sd_test_shutdown_and_wait (daemon, &finished);
}

static gboolean
variant_has_key (GVariant   *dict,
                 const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  return value != NULL;
}

/* A property filter: changes of other properties do not fire; the payload of a plain
 * provider is a dictionary of the changed properties */
static void
test_watch_property (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(TestPair) pair = g_object_new (TEST_TYPE_PAIR, NULL);
  g_autoptr(Seen) alpha_seen = seen_new ();
  g_autoptr(Seen) any_seen = seen_new ();
  g_autoptr(GVariant) value = NULL;
  SdTrigger *alpha_watch, *any_watch;
  gboolean finished;

  alpha_watch = g_object_new (SD_TYPE_WATCH_TRIGGER, "name", "alpha-watch", "source", pair,
                              "property-name", "alpha", NULL);
  sd_trigger_set_handler (alpha_watch, record_cb, alpha_seen, NULL);
  any_watch = closure_trigger (SD_TYPE_WATCH_TRIGGER, "any-watch", pair, any_seen);
  g_assert_cmpstr (sd_watch_trigger_get_property_name (SD_WATCH_TRIGGER (alpha_watch)), ==, "alpha");

  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (pair), NULL));
  sd_test_add (daemon, SD_SERVICE (g_object_ref (alpha_watch)));
  sd_test_add (daemon, SD_SERVICE (g_object_ref (any_watch)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (alpha_watch), SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (SD_SERVICE (any_watch), SD_SERVICE_STATE_HEALTHY);

  /* beta alone: only the unfiltered trigger fires */
  g_object_set (pair, "beta", "first", NULL);
  wait_seen (any_seen, 1);
  g_assert_true (g_variant_is_of_type (last_payload (any_seen), G_VARIANT_TYPE_VARDICT));
  value = g_variant_lookup_value (last_payload (any_seen), "beta", G_VARIANT_TYPE_STRING);
  g_assert_nonnull (value);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "first");

  /* beta then alpha: the filtered trigger sees alpha only */
  g_object_set (pair, "beta", "second", NULL);
  g_object_set (pair, "alpha", 7, NULL);
  wait_seen (alpha_seen, 1);
  g_clear_pointer (&value, g_variant_unref);
  value = g_variant_lookup_value (last_payload (alpha_seen), "alpha", G_VARIANT_TYPE_INT32);
  g_assert_nonnull (value);
  g_assert_cmpint (g_variant_get_int32 (value), ==, 7);
  g_assert_false (variant_has_key (last_payload (alpha_seen), "beta"));

  g_object_set (pair, "beta", "third", NULL);
  g_object_set (pair, "alpha", 8, NULL);
  wait_seen (alpha_seen, 2);
  g_clear_pointer (&value, g_variant_unref);
  value = g_variant_lookup_value (last_payload (alpha_seen), "alpha", G_VARIANT_TYPE_INT32);
  g_assert_cmpint (g_variant_get_int32 (value), ==, 8);
  g_assert_false (variant_has_key (last_payload (alpha_seen), "beta"));

  /* The unfiltered trigger ends on the latest values of both */
  wait_seen (any_seen, 2);
  drain ();
  g_assert_cmpuint (alpha_seen->payloads->len, ==, 2);
  g_assert_cmpuint (sd_trigger_get_n_setups (alpha_watch), ==, 1);
  g_assert_cmpuint (sd_trigger_get_n_setups (any_watch), ==, 1);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (alpha_watch);
  g_object_unref (any_watch);
}

/* A property the source does not have fails the trigger, not the test */
static void
test_watch_bad_property (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(TestPair) pair = g_object_new (TEST_TYPE_PAIR, NULL);
  g_autoptr(Seen) seen = seen_new ();
  SdTrigger *trigger;
  gboolean finished;

  trigger = g_object_new (SD_TYPE_WATCH_TRIGGER, "name", "gamma-watch", "source", pair,
                          "property-name", "gamma", NULL);
  sd_trigger_set_handler (trigger, record_cb, seen, NULL);
  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (pair), NULL));
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_TERMINATED);
  g_assert_true (sd_test_log_contains ("cannot watch “gamma”"));

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

/* ---- interval ---- */

static gboolean
three_ticks (gpointer data)
{
  return TEST_TICK_COUNTER (data)->ticks->len >= 3;
}

/* A 20 ms interval (the class default of the application's type): at least three ticks,
 * numbered in increasing order */
static void
test_interval (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  TestTickCounter *counter;
  SdInterval *ticker;
  gboolean finished;

  g_assert_true (sd_daemon_add_service_type (daemon, TEST_TYPE_TICK_COUNTER, &error));
  g_assert_no_error (error);
  g_assert_true (sd_daemon_build (daemon, &error));
  g_assert_no_error (error);
  counter = TEST_TICK_COUNTER (sd_daemon_lookup_service (daemon, "test-tick-counter"));
  ticker = sd_interval_trigger_get_source (SD_INTERVAL_TRIGGER (counter));
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (ticker, TEST_TYPE_TICKER));
  g_assert_cmpuint (sd_interval_get_period_ms (ticker), ==, 20);

  sd_test_run_async (daemon, &finished);
  sd_test_wait (three_ticks, counter);

  g_assert_cmpuint (g_array_index (counter->ticks, guint64, 0), >=, 1);
  for (guint i = 1; i < counter->ticks->len; i++)
    g_assert_cmpuint (g_array_index (counter->ticks, guint64, i - 1), <,
                      g_array_index (counter->ticks, guint64, i));

  sd_test_shutdown_and_wait (daemon, &finished);
}

typedef struct
{
  SdTrigger *trigger;
  guint      n_setups;
} SetupWait;

static gboolean
setups_reached (gpointer data)
{
  SetupWait *wait = data;

  return sd_trigger_get_n_setups (wait->trigger) >= wait->n_setups;
}

/* A new period sets the trigger up again, and ticks go on with it */
static void
test_interval_period_change (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdInterval) interval = sd_interval_new (0);
  g_autoptr(Seen) seen = seen_new ();
  SdTrigger *trigger;
  SetupWait setups;
  guint before;
  gboolean finished;

  g_assert_cmpuint (sd_interval_get_period_ms (interval), ==, SD_INTERVAL_DEFAULT_PERIOD_MS);
  trigger = closure_trigger (SD_TYPE_INTERVAL_TRIGGER, "slow-ticks", interval, seen);
  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (interval), NULL));
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  sd_interval_set_period_ms (interval, 10);
  setups = (SetupWait) { trigger, 2 };
  sd_test_wait (setups_reached, &setups);
  before = seen->payloads->len;
  wait_seen (seen, before + 2);
  g_assert_cmpuint (sd_service_get_generation (SD_SERVICE (trigger)), ==, 1);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
}

/* ---- file monitor ---- */

typedef struct
{
  Seen       *seen;
  const char *path;
  gboolean    changed;  /* wait for a change of the contents, not any event */
} FileWait;

static gboolean
saw_file (gpointer data)
{
  FileWait *wait = data;

  for (guint i = 0; i < wait->seen->payloads->len; i++)
    {
      const char *path, *other;
      guint32 event;

      g_variant_get (g_ptr_array_index (wait->seen->payloads, i), "(&s&su)", &path, &other, &event);
      if (wait->changed && g_str_equal (path, wait->path) &&
          (event == G_FILE_MONITOR_EVENT_CHANGED || event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT))
        return TRUE;
      if (!wait->changed && (g_str_equal (path, wait->path) || g_str_equal (other, wait->path)))
        return TRUE;
    }

  return FALSE;
}

/* Creating, then modifying a file in a watched directory is seen by the handler */
static void
test_file_monitor (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sd-test-kinds-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(SdFileWatch) watch = NULL;
  g_autoptr(Seen) seen = seen_new ();
  SdTrigger *trigger;
  FileWait wait;
  FILE *stream;
  gboolean finished;

  g_assert_no_error (error);
  path = g_build_filename (dir, "settings.ini", NULL);
  watch = sd_file_watch_new (dir);
  g_assert_cmpstr (sd_file_watch_get_path (watch), ==, dir);
  g_assert_cmpint (sd_file_watch_get_flags (watch), ==, G_FILE_MONITOR_WATCH_MOVES);

  trigger = closure_trigger (SD_TYPE_FILE_MONITOR_TRIGGER, "dir-monitor", watch, seen);
  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (watch), NULL));
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);

  /* Written to a temporary file and renamed: the event names the file as the other one */
  g_assert_true (g_file_set_contents (path, "[a]\nb=1\n", -1, &error));
  g_assert_no_error (error);
  wait = (FileWait) { seen, path, FALSE };
  sd_test_wait (saw_file, &wait);
  g_assert_true (g_variant_is_of_type (g_ptr_array_index (seen->payloads, 0), G_VARIANT_TYPE ("(ssu)")));

  /* Modified in place */
  stream = g_fopen (path, "a");
  g_assert_nonnull (stream);
  fputs ("c=2\n", stream);
  fclose (stream);
  wait = (FileWait) { seen, path, TRUE };
  sd_test_wait (saw_file, &wait);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- D-Bus signal ---- */

#define TEST_INTERFACE "org.servicedaemon.Sd1.Test.Kinds"
#define TEST_PATH "/org/servicedaemon/Sd1/Test"

/* Waits until the bus has applied the match rules that @connection sent so far: the bus
 * handles the messages of one connection in order */
static void
sync_with_bus (GDBusConnection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetId", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static void
check_signal (GVariant   *payload,
              const char *sender,
              const char *member,
              const char *text,
              guint32     number)
{
  const char *got_sender, *path, *interface, *name, *got_text;
  g_autoptr(GVariant) parameters = NULL;
  guint32 got_number;

  g_assert_true (g_variant_is_of_type (payload, G_VARIANT_TYPE ("(ssssv)")));
  g_variant_get (payload, "(&s&s&s&sv)", &got_sender, &path, &interface, &name, &parameters);
  g_assert_cmpstr (got_sender, ==, sender);
  g_assert_cmpstr (path, ==, TEST_PATH);
  g_assert_cmpstr (interface, ==, TEST_INTERFACE);
  g_assert_cmpstr (name, ==, member);
  if (text == NULL)
    {
      g_assert_cmpstr (g_variant_get_type_string (parameters), ==, "()");
      return;
    }
  g_variant_get (parameters, "(&su)", &got_text, &got_number);
  g_assert_cmpstr (got_text, ==, text);
  g_assert_cmpuint (got_number, ==, number);
}

static void
emit (GDBusConnection *connection,
      const char      *interface,
      const char      *member,
      GVariant        *parameters)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_emit_signal (connection, NULL, TEST_PATH, interface, member, parameters, &error);
  g_assert_no_error (error);
  g_dbus_connection_flush_sync (connection, NULL, &error);
  g_assert_no_error (error);
}

/* Signals on the session bus (the default) of a private GTestDBus: those that match reach
 * the handler, in order; the others do not */
static void
test_dbus_signal (void)
{
  g_autoptr(GTestDBus) bus = NULL;
  g_autoptr(Seen) seen = seen_new ();
  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");

  if (dbus_daemon == NULL)
    {
      g_test_skip ("dbus-daemon is not installed");
      return;
    }

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);

  {
    g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
    g_autoptr(SdDBusSignalSource) source = NULL;
    g_autoptr(GDBusConnection) emitter = NULL;
    g_autoptr(GError) error = NULL;
    SdTrigger *trigger;
    gboolean finished;

    source = sd_dbus_signal_source_new_for_bus (G_BUS_TYPE_SESSION, NULL, TEST_INTERFACE, NULL, NULL);
    g_assert_null (sd_dbus_signal_source_get_connection (source));
    trigger = closure_trigger (SD_TYPE_DBUS_SIGNAL_TRIGGER, "bus-listener", source, seen);
    g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (source), NULL));
    sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
    sd_test_run_async (daemon, &finished);
    sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);
    g_assert_nonnull (sd_dbus_signal_source_get_connection (source));

    emitter = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
    g_assert_no_error (error);
    sync_with_bus (sd_dbus_signal_source_get_connection (source));

    emit (emitter, "org.servicedaemon.Sd1.Test.Other", "Noise", NULL);
    emit (emitter, TEST_INTERFACE, "Ping", g_variant_new ("(su)", "hello", 42));
    emit (emitter, TEST_INTERFACE, "Pong", NULL);
    wait_seen (seen, 2);

    check_signal (g_ptr_array_index (seen->payloads, 0), g_dbus_connection_get_unique_name (emitter),
                  "Ping", "hello", 42);
    check_signal (g_ptr_array_index (seen->payloads, 1), g_dbus_connection_get_unique_name (emitter),
                  "Pong", NULL, 0);

    sd_test_shutdown_and_wait (daemon, &finished);
    g_object_unref (trigger);
    g_dbus_connection_close_sync (emitter, NULL, NULL);
  }

  drain ();
  g_test_dbus_down (bus);
}

/* A connection given explicitly, with a member filter */
static void
test_dbus_signal_connection (void)
{
  g_autoptr(GTestDBus) bus = NULL;
  g_autoptr(Seen) seen = seen_new ();
  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");

  if (dbus_daemon == NULL)
    {
      g_test_skip ("dbus-daemon is not installed");
      return;
    }

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);

  {
    g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
    g_autoptr(SdDBusSignalSource) source = NULL;
    g_autoptr(GDBusConnection) connection = NULL;
    g_autoptr(GError) error = NULL;
    SdTrigger *trigger;
    gboolean finished;

    connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                         NULL, NULL, &error);
    g_assert_no_error (error);
    source = sd_dbus_signal_source_new (connection, NULL, NULL, "Pong", TEST_PATH);
    g_assert_cmpint (sd_dbus_signal_source_get_bus_type (source), ==, G_BUS_TYPE_NONE);
    trigger = closure_trigger (SD_TYPE_DBUS_SIGNAL_TRIGGER, "pong-listener", source, seen);
    g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (source), NULL));
    sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));
    sd_test_run_async (daemon, &finished);
    sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);
    sync_with_bus (connection);

    /* The same connection emits: a subscriber receives its own broadcasts */
    emit (connection, TEST_INTERFACE, "Ping", g_variant_new ("(su)", "ignored", 1));
    emit (connection, TEST_INTERFACE, "Pong", g_variant_new ("(su)", "seen", 2));
    wait_seen (seen, 1);
    check_signal (g_ptr_array_index (seen->payloads, 0), g_dbus_connection_get_unique_name (connection),
                  "Pong", "seen", 2);

    sd_test_shutdown_and_wait (daemon, &finished);
    g_assert_cmpuint (seen->payloads->len, ==, 1);
    g_object_unref (trigger);
    g_dbus_connection_close_sync (connection, NULL, NULL);
  }

  drain ();
  g_test_dbus_down (bus);
}

int
main (int   argc,
      char *argv[])
{
  sd_test_init (&argc, &argv);

  g_test_add_func ("/sd/triggers/kinds/watch/value", test_watch_value);
  g_test_add_func ("/sd/triggers/kinds/watch/subclass", test_watch_subclass);
  g_test_add_func ("/sd/triggers/kinds/watch/property", test_watch_property);
  g_test_add_func ("/sd/triggers/kinds/watch/bad-property", test_watch_bad_property);
  g_test_add_func ("/sd/triggers/kinds/interval/ticks", test_interval);
  g_test_add_func ("/sd/triggers/kinds/interval/period-change", test_interval_period_change);
  g_test_add_func ("/sd/triggers/kinds/file-monitor/create", test_file_monitor);
  g_test_add_func ("/sd/triggers/kinds/dbus-signal/session", test_dbus_signal);
  g_test_add_func ("/sd/triggers/kinds/dbus-signal/connection", test_dbus_signal_connection);

  return g_test_run ();
}
