/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-test-support.h"

/* What a wall-clock source saw when it was dispatched */
typedef struct
{
  SdClock  *clock;
  gint64    deadline_us;
  guint     n_dispatched;
  guint     n_continue;      /* how many dispatches return G_SOURCE_CONTINUE */
  gboolean  reached;         /* the clock had reached the deadline at every dispatch */
} WallRecord;

static gboolean
wall_record_cb (gpointer data)
{
  WallRecord *record = data;

  record->n_dispatched++;
  if (sd_clock_get_real_time (record->clock) < record->deadline_us)
    record->reached = FALSE;

  if (record->n_continue > 0)
    {
      record->n_continue--;
      return G_SOURCE_CONTINUE;
    }
  return G_SOURCE_REMOVE;
}

static GSource *
attach_wall_source (SdClock      *clock,
                    WallRecord   *record,
                    gint64        deadline_us,
                    GMainContext *context)
{
  GSource *source;

  record->clock = clock;
  record->deadline_us = deadline_us;
  record->reached = TRUE;

  source = sd_clock_create_wall_clock_source (clock, deadline_us);
  g_assert_nonnull (source);
  g_source_set_callback (source, wall_record_cb, record, NULL);
  g_source_attach (source, context);
  return source;
}

static void
test_clock_system_times (void)
{
  g_autoptr(SdClock) clock = sd_clock_new ();
  gint64 before = g_get_real_time ();
  gint64 real = sd_clock_get_real_time (clock);
  gint64 mono = sd_clock_get_monotonic_time (clock);

  g_assert_cmpint (real, >=, before);
  g_assert_cmpint (real, <=, g_get_real_time ());
  g_assert_cmpint (mono, <=, g_get_monotonic_time ());
  g_assert_cmpint (sd_clock_get_monotonic_time (clock), >=, mono);
}

/* A source for a time 50 ms ahead dispatches once, when the wall clock has reached it */
static void
test_clock_wall_future (void)
{
  g_autoptr(SdClock) clock = sd_clock_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) source = NULL;
  WallRecord record = { 0 };

  source = attach_wall_source (clock, &record, sd_clock_get_real_time (clock) + 50000, context);

  while (record.n_dispatched == 0)
    g_main_context_iteration (context, TRUE);

  g_assert_cmpuint (record.n_dispatched, ==, 1);
  g_assert_true (record.reached);
  g_assert_true (g_source_is_destroyed (source));
}

/* A time in the past (or the epoch, or before it) dispatches at once */
static void
test_clock_wall_past (void)
{
  g_autoptr(SdClock) clock = sd_clock_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  const gint64 deadlines[] = { sd_clock_get_real_time (clock) - G_USEC_PER_SEC, 0, -1000 };

  for (gsize i = 0; i < G_N_ELEMENTS (deadlines); i++)
    {
      g_autoptr(GSource) source = NULL;
      WallRecord record = { 0 };

      source = attach_wall_source (clock, &record, deadlines[i], context);

      /* Ready at the first poll: no blocking iteration is needed */
      for (guint n = 0; n < 100 && record.n_dispatched == 0; n++)
        g_main_context_iteration (context, FALSE);

      g_assert_cmpuint (record.n_dispatched, ==, 1);
      g_assert_true (record.reached);
    }
}

static gboolean
flag_cb (gpointer data)
{
  gboolean *flag = data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* A time an hour ahead does not dispatch while a short timeout passes; destroying the
 * source before its time is fine */
static void
test_clock_wall_not_yet (void)
{
  g_autoptr(SdClock) clock = sd_clock_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) source = NULL;
  g_autoptr(GSource) timeout = NULL;
  WallRecord record = { 0 };
  gboolean timed_out = FALSE;
  gint64 in_an_hour = sd_clock_get_real_time (clock) + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;

  source = attach_wall_source (clock, &record, in_an_hour, context);

  timeout = g_timeout_source_new (30);
  g_source_set_callback (timeout, flag_cb, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!timed_out)
    g_main_context_iteration (context, TRUE);

  g_assert_cmpuint (record.n_dispatched, ==, 0);
  g_source_destroy (source);
}

/* Kept after its time has passed, the source stays ready */
static void
test_clock_wall_continue (void)
{
  g_autoptr(SdClock) clock = sd_clock_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) source = NULL;
  WallRecord record = { .n_continue = 2 };

  source = attach_wall_source (clock, &record, sd_clock_get_real_time (clock) + 1000, context);

  while (!g_source_is_destroyed (source))
    g_main_context_iteration (context, TRUE);

  g_assert_cmpuint (record.n_dispatched, ==, 3);
  g_assert_true (record.reached);
}

/* Clocks with a time of their own */

typedef struct
{
  SdClock  parent_instance;
  gint64   now_us;
  guint64  last_delay_ms;   /* of the last timeout source */
  guint    n_wall;          /* wall-clock sources made by an override */
} TestVirtualClock;

typedef struct
{
  SdClockClass parent_class;
} TestVirtualClockClass;

static GType test_virtual_clock_get_type (void);
G_DEFINE_TYPE (TestVirtualClock, test_virtual_clock, SD_TYPE_CLOCK)

static gint64
test_virtual_clock_get_real_time (SdClock *clock)
{
  return ((TestVirtualClock *) clock)->now_us;
}

static GSource *
test_virtual_clock_create_timeout_source (SdClock *clock,
                                          guint64  delay_ms)
{
  ((TestVirtualClock *) clock)->last_delay_ms = delay_ms;
  return g_timeout_source_new (0);
}

static void
test_virtual_clock_class_init (TestVirtualClockClass *klass)
{
  SdClockClass *clock_class = SD_CLOCK_CLASS (klass);

  clock_class->get_real_time = test_virtual_clock_get_real_time;
  clock_class->create_timeout_source = test_virtual_clock_create_timeout_source;
}

static void
test_virtual_clock_init (TestVirtualClock *self)
{
  self->now_us = 1000 * G_USEC_PER_SEC;
}

typedef struct
{
  TestVirtualClock parent_instance;
} TestWallClock;

typedef struct
{
  TestVirtualClockClass parent_class;
} TestWallClockClass;

static GType test_wall_clock_get_type (void);
G_DEFINE_TYPE (TestWallClock, test_wall_clock, test_virtual_clock_get_type ())

static GSource *
test_wall_clock_create_wall_clock_source (SdClock *clock,
                                          gint64   real_time_us)
{
  ((TestVirtualClock *) clock)->n_wall++;
  return g_idle_source_new ();
}

static void
test_wall_clock_class_init (TestWallClockClass *klass)
{
  SD_CLOCK_CLASS (klass)->create_wall_clock_source = test_wall_clock_create_wall_clock_source;
}

static void
test_wall_clock_init (TestWallClock *self)
{
}

/* A subclass that only replaces the time waits on its own timeouts for the remaining time;
 * one that overrides the method is called */
static void
test_clock_wall_subclass (void)
{
  g_autoptr(SdClock) virtual_clock = g_object_new (test_virtual_clock_get_type (), NULL);
  g_autoptr(SdClock) wall_clock = g_object_new (test_wall_clock_get_type (), NULL);
  g_autoptr(GMainContext) context = g_main_context_new ();
  TestVirtualClock *v = (TestVirtualClock *) virtual_clock;
  GSource *source;
  WallRecord record = { 0 };

  /* 1.5 s ahead of the virtual time */
  source = attach_wall_source (virtual_clock, &record, v->now_us + 1500 * 1000, context);
  g_assert_cmpuint (v->last_delay_ms, ==, 1500);
  v->now_us += 1500 * 1000;
  while (record.n_dispatched == 0)
    g_main_context_iteration (context, TRUE);
  g_assert_true (record.reached);
  g_source_unref (source);

  /* in the past: no delay */
  source = sd_clock_create_wall_clock_source (virtual_clock, 0);
  g_assert_cmpuint (v->last_delay_ms, ==, 0);
  g_source_unref (source);

  source = sd_clock_create_wall_clock_source (wall_clock, 42);
  g_assert_cmpuint (((TestVirtualClock *) wall_clock)->n_wall, ==, 1);
  g_source_unref (source);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sd/clock/system-times", test_clock_system_times);
  g_test_add_func ("/sd/clock/wall-clock/future", test_clock_wall_future);
  g_test_add_func ("/sd/clock/wall-clock/past", test_clock_wall_past);
  g_test_add_func ("/sd/clock/wall-clock/not-yet", test_clock_wall_not_yet);
  g_test_add_func ("/sd/clock/wall-clock/continue", test_clock_wall_continue);
  g_test_add_func ("/sd/clock/wall-clock/subclass", test_clock_wall_subclass);

  return g_test_run ();
}
