/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-clock.h"

/**
 * SdClock:
 *
 * The source of time of a daemon.
 *
 * Every duration Sd waits for — restart backoff, wave spawn and stop timeouts, the
 * interruptible sleep of a service — is measured through the daemon's clock. The base class
 * is the system clock: g_get_monotonic_time(), g_get_real_time() and g_timeout_source_new().
 * A subclass can replace time altogether, which is how tests run backoff schedules and
 * timeouts without waiting for them.
 *
 * Since: 1.0
 */

G_DEFINE_TYPE (SdClock, sd_clock, G_TYPE_OBJECT)

static gint64
sd_clock_real_get_monotonic_time (SdClock *self)
{
  return g_get_monotonic_time ();
}

static gint64
sd_clock_real_get_real_time (SdClock *self)
{
  return g_get_real_time ();
}

static GSource *
sd_clock_real_create_timeout_source (SdClock *self,
                                     guint64  delay_ms)
{
  return g_timeout_source_new ((guint) MIN (delay_ms, G_MAXUINT));
}

static void
sd_clock_class_init (SdClockClass *klass)
{
  klass->get_monotonic_time = sd_clock_real_get_monotonic_time;
  klass->get_real_time = sd_clock_real_get_real_time;
  klass->create_timeout_source = sd_clock_real_create_timeout_source;
}

static void
sd_clock_init (SdClock *self)
{
}

/**
 * sd_clock_new:
 *
 * Creates a clock that follows the system's time.
 *
 * Returns: (transfer full): a new #SdClock
 *
 * Since: 1.0
 */
SdClock *
sd_clock_new (void)
{
  return g_object_new (SD_TYPE_CLOCK, NULL);
}

/**
 * sd_clock_get_monotonic_time:
 * @self: a #SdClock
 *
 * Returns the monotonic time of @self, in microseconds.
 *
 * Returns: the monotonic time in microseconds
 *
 * Since: 1.0
 */
gint64
sd_clock_get_monotonic_time (SdClock *self)
{
  g_return_val_if_fail (SD_IS_CLOCK (self), 0);

  return SD_CLOCK_GET_CLASS (self)->get_monotonic_time (self);
}

/**
 * sd_clock_get_real_time:
 * @self: a #SdClock
 *
 * Returns the wall-clock time of @self, in microseconds since the Unix epoch.
 *
 * Returns: the wall-clock time in microseconds
 *
 * Since: 1.0
 */
gint64
sd_clock_get_real_time (SdClock *self)
{
  g_return_val_if_fail (SD_IS_CLOCK (self), 0);

  return SD_CLOCK_GET_CLASS (self)->get_real_time (self);
}

/**
 * sd_clock_create_timeout_source:
 * @self: a #SdClock
 * @delay_ms: the delay in milliseconds
 *
 * Creates a #GSource that becomes ready once @delay_ms milliseconds of @self have passed.
 * Set a callback of type #GSourceFunc and attach it to a #GMainContext as for
 * g_timeout_source_new().
 *
 * Returns: (transfer full): a new #GSource
 *
 * Since: 1.0
 */
GSource *
sd_clock_create_timeout_source (SdClock *self,
                                guint64  delay_ms)
{
  g_return_val_if_fail (SD_IS_CLOCK (self), NULL);

  return SD_CLOCK_GET_CLASS (self)->create_timeout_source (self, delay_ms);
}

static void
sleep_context_free (gpointer data)
{
  g_main_context_unref (data);
}

static GPrivate sleep_context_key = G_PRIVATE_INIT (sleep_context_free);

static gboolean
sleep_done_cb (gpointer data)
{
  gboolean *done = data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

static void
sleep_cancelled_cb (GCancellable *cancellable,
                    gpointer      data)
{
  g_main_context_wakeup (data);
}

/**
 * sd_clock_sleep:
 * @self: a #SdClock
 * @delay_ms: how long to sleep, in milliseconds
 * @cancellable: (nullable): a #GCancellable that interrupts the sleep
 *
 * Blocks the calling thread until @delay_ms milliseconds of @self have passed or
 * @cancellable is cancelled. The thread's own main context is not iterated, so no other
 * callbacks run during the sleep.
 *
 * Returns: %TRUE if the full delay passed, %FALSE if the sleep was interrupted
 *
 * Since: 1.0
 */
gboolean
sd_clock_sleep (SdClock      *self,
                guint64       delay_ms,
                GCancellable *cancellable)
{
  GMainContext *context;
  GSource *timeout;
  gulong handler_id = 0;
  gboolean elapsed = FALSE;
  gboolean cancelled = FALSE;

  g_return_val_if_fail (SD_IS_CLOCK (self), FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);

  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;

  context = g_private_get (&sleep_context_key);
  if (context == NULL)
    {
      context = g_main_context_new ();
      g_private_set (&sleep_context_key, context);
    }

  timeout = sd_clock_create_timeout_source (self, delay_ms);
  g_source_set_callback (timeout, sleep_done_cb, &elapsed, NULL);
  g_source_attach (timeout, context);

  /* A signal handler that wakes the context, rather than a GCancellableSource: the latter
   * races with a cancellation from another thread when it is destroyed (GLib 2.74). */
  if (cancellable != NULL)
    handler_id = g_cancellable_connect (cancellable, G_CALLBACK (sleep_cancelled_cb),
                                        g_main_context_ref (context),
                                        (GDestroyNotify) g_main_context_unref);

  while (!elapsed && !g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (context, TRUE);

  cancelled = g_cancellable_is_cancelled (cancellable);
  g_cancellable_disconnect (cancellable, handler_id);
  g_source_destroy (timeout);
  g_source_unref (timeout);

  return elapsed && !cancelled;
}
