/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-clock.h"

#include <errno.h>
#include <unistd.h>

#ifdef __linux__
# include <sys/timerfd.h>
# include <time.h>
# ifndef TFD_TIMER_CANCEL_ON_SET
#  define TFD_TIMER_CANCEL_ON_SET (1 << 1)
# endif
#endif

/**
 * SdClock:
 *
 * The source of time of a daemon.
 *
 * Every duration Sd waits for — restart backoff, wave spawn and stop timeouts, the
 * interruptible sleep of a service — is measured through the daemon's clock, and so is every
 * wall-clock time it waits for (the fire times of a cron schedule). The base class is the
 * system clock: g_get_monotonic_time(), g_get_real_time(), g_timeout_source_new() and, for
 * wall-clock times, a timer that notices when the system's time is set. A subclass can
 * replace time altogether, which is how tests run backoff schedules, timeouts and schedules
 * without waiting for them.
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

/* The wall-clock source of the system clock. On Linux a timerfd on CLOCK_REALTIME, armed at
 * the absolute time and cancelled whenever the clock is set; elsewhere (or when no timerfd
 * can be made) the time is compared when the main context wakes up. */
typedef struct
{
  GSource   source;
  gint64    real_time_us;
  int       fd;       /* the timerfd, or -1 */
  gpointer  fd_tag;
} WallClockSource;

#ifdef __linux__
static gboolean
wall_clock_source_arm (WallClockSource *self)
{
  struct itimerspec spec = { { 0, 0 }, { 0, 0 } };
  /* A zero expiry disarms the timer: the epoch itself is represented by 1 µs past it */
  gint64 us = MAX (self->real_time_us, 1);

  spec.it_value.tv_sec = (time_t) (us / G_USEC_PER_SEC);
  spec.it_value.tv_nsec = (long) (us % G_USEC_PER_SEC) * 1000;

  return timerfd_settime (self->fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
                          &spec, NULL) == 0;
}
#endif

static gboolean
wall_clock_source_prepare (GSource *source,
                           int     *timeout)
{
  WallClockSource *self = (WallClockSource *) source;
  gint64 remaining;

  *timeout = -1;
  if (self->fd >= 0)
    return FALSE;

  remaining = self->real_time_us - g_get_real_time ();
  if (remaining <= 0)
    {
      *timeout = 0;
      return TRUE;
    }

  *timeout = (int) MIN ((remaining + 999) / 1000, G_MAXINT);
  return FALSE;
}

static gboolean
wall_clock_source_check (GSource *source)
{
  WallClockSource *self = (WallClockSource *) source;

  if (self->fd >= 0)
    return (g_source_query_unix_fd (source, self->fd_tag) & G_IO_IN) != 0;

  return g_get_real_time () >= self->real_time_us;
}

static gboolean
wall_clock_source_dispatch (GSource     *source,
                            GSourceFunc  callback,
                            gpointer     user_data)
{
  WallClockSource *self = (WallClockSource *) source;
  gboolean expired = TRUE;
  gboolean result;

#ifdef __linux__
  if (self->fd >= 0)
    {
      guint64 n_expirations;
      gssize n_read = read (self->fd, &n_expirations, sizeof n_expirations);

      if (n_read < 0 && errno == ECANCELED)
        {
          /* The wall clock was set: arm again, so that the next change is noticed too, and
           * let the callback look at the new time */
          expired = FALSE;
          wall_clock_source_arm (self);
        }
      else if (n_read < 0)
        {
          return G_SOURCE_CONTINUE;  /* EAGAIN: nothing to read after all */
        }
    }
#endif

  if (callback == NULL)
    {
      g_warning ("A wall-clock source of SdClock was dispatched without a callback; "
                 "call g_source_set_callback()");
      return G_SOURCE_REMOVE;
    }

  result = callback (user_data);

#ifdef __linux__
  /* Kept after the time was reached: it stays ready, like the fallback */
  if (result == G_SOURCE_CONTINUE && expired && self->fd >= 0)
    wall_clock_source_arm (self);
#endif

  return result;
}

static void
wall_clock_source_finalize (GSource *source)
{
  WallClockSource *self = (WallClockSource *) source;

  if (self->fd >= 0)
    close (self->fd);
}

static GSourceFuncs wall_clock_source_funcs = {
  wall_clock_source_prepare,
  wall_clock_source_check,
  wall_clock_source_dispatch,
  wall_clock_source_finalize,
  NULL,
  NULL,
};

static GSource *
wall_clock_source_new (gint64 real_time_us)
{
  GSource *source = g_source_new (&wall_clock_source_funcs, sizeof (WallClockSource));
  WallClockSource *self = (WallClockSource *) source;

  g_source_set_static_name (source, "SdClock wall-clock source");
  self->real_time_us = real_time_us;
  self->fd = -1;

#ifdef __linux__
  self->fd = timerfd_create (CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
  if (self->fd >= 0 && !wall_clock_source_arm (self))
    {
      close (self->fd);
      self->fd = -1;
    }
  if (self->fd >= 0)
    self->fd_tag = g_source_add_unix_fd (source, self->fd, G_IO_IN);
#endif

  return source;
}

static GSource *
sd_clock_real_create_wall_clock_source (SdClock *self,
                                        gint64   real_time_us)
{
  SdClockClass *klass = SD_CLOCK_GET_CLASS (self);
  gint64 remaining_us;

  if (klass->get_real_time == sd_clock_real_get_real_time)
    return wall_clock_source_new (real_time_us);

  /* A subclass with a time of its own that did not override this method: wait for the
   * remaining time on its own timeouts */
  remaining_us = MAX (real_time_us - sd_clock_get_real_time (self), 0);
  return sd_clock_create_timeout_source (self, (guint64) (remaining_us + 999) / 1000);
}

static void
sd_clock_class_init (SdClockClass *klass)
{
  klass->get_monotonic_time = sd_clock_real_get_monotonic_time;
  klass->get_real_time = sd_clock_real_get_real_time;
  klass->create_timeout_source = sd_clock_real_create_timeout_source;
  klass->create_wall_clock_source = sd_clock_real_create_wall_clock_source;
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

/**
 * sd_clock_create_wall_clock_source:
 * @self: a #SdClock
 * @real_time_us: the wall-clock time to wait for, in microseconds since the Unix epoch (as
 *   returned by sd_clock_get_real_time())
 *
 * Creates a #GSource that waits for a wall-clock time rather than a duration: it becomes
 * ready once the wall-clock time of @self reaches @real_time_us — at once if it has already
 * — **or** when the wall clock is changed (set by an administrator or by time
 * synchronisation), whichever comes first. A wait for a time of day therefore survives
 * jumps of the wall clock, which a timeout of the remaining duration would not.
 *
 * Set a callback of type #GSourceFunc and attach the source to a #GMainContext. As the
 * source also dispatches after a change of the clock, the callback must look at
 * sd_clock_get_real_time() and recompute: if @real_time_us has not been reached yet, return
 * %G_SOURCE_CONTINUE to keep waiting for it (a later change is noticed too), or destroy the
 * source and create one for a new time; once it has been reached, return
 * %G_SOURCE_REMOVE — a source whose time has passed stays ready.
 *
 * The system clock uses a timer that the kernel cancels when the clock is set (a `timerfd`
 * on Linux); where there is none, the time is compared whenever the main context wakes up,
 * and a change of the clock is noticed at the next wake-up. A subclass with a time of its
 * own overrides #SdClockClass.create_wall_clock_source; if it overrides only
 * #SdClockClass.get_real_time, the source waits for the remaining time with
 * sd_clock_create_timeout_source().
 *
 * Returns: (transfer full): a new #GSource
 *
 * Since: 1.0
 */
GSource *
sd_clock_create_wall_clock_source (SdClock *self,
                                   gint64   real_time_us)
{
  g_return_val_if_fail (SD_IS_CLOCK (self), NULL);

  return SD_CLOCK_GET_CLASS (self)->create_wall_clock_source (self, real_time_us);
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
