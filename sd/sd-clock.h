/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sd-types.h"

G_BEGIN_DECLS

#define SD_TYPE_CLOCK (sd_clock_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdClock, sd_clock, SD, CLOCK, GObject)

/**
 * SdClockClass:
 * @parent_class: the parent class
 * @get_monotonic_time: returns the monotonic time in microseconds
 * @get_real_time: returns the wall-clock time in microseconds since the Unix epoch
 * @create_timeout_source: returns a new #GSource that becomes ready once @delay_ms
 *   milliseconds of this clock have passed
 * @create_wall_clock_source: returns a new #GSource that becomes ready once the wall-clock
 *   time of this clock reaches @real_time_us, or when the wall clock is changed; see
 *   sd_clock_create_wall_clock_source()
 *
 * The virtual methods of a clock. Every duration the daemon waits for — backoff, wave
 * timeouts, stop timeouts, interruptible sleeps — is measured by its clock, so a subclass
 * can replace real time (a virtual clock for tests).
 *
 * Since: 1.0
 */
struct _SdClockClass
{
  GObjectClass parent_class;

  gint64   (*get_monotonic_time)       (SdClock *self);
  gint64   (*get_real_time)            (SdClock *self);
  GSource *(*create_timeout_source)    (SdClock *self,
                                        guint64  delay_ms);
  GSource *(*create_wall_clock_source) (SdClock *self,
                                        gint64   real_time_us);

  /*< private >*/
  gpointer _reserved[7];
};

SD_AVAILABLE_IN_ALL
SdClock *sd_clock_new                      (void) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
gint64   sd_clock_get_monotonic_time       (SdClock      *self);
SD_AVAILABLE_IN_ALL
gint64   sd_clock_get_real_time            (SdClock      *self);
SD_AVAILABLE_IN_ALL
GSource *sd_clock_create_timeout_source    (SdClock      *self,
                                            guint64       delay_ms) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
GSource *sd_clock_create_wall_clock_source (SdClock      *self,
                                            gint64        real_time_us) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
gboolean sd_clock_sleep                    (SdClock      *self,
                                            guint64       delay_ms,
                                            GCancellable *cancellable);

G_END_DECLS
