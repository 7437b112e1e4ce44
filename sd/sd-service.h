/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sd-enums.h"
#include "sd-types.h"

G_BEGIN_DECLS

#define SD_TYPE_SERVICE (sd_service_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdService, sd_service, SD, SERVICE, GObject)

/**
 * SdServiceClass:
 * @parent_class: the parent class
 * @run: the body of a blocking service. It runs on a thread of its own, once per
 *   generation, and should return when sd_context_is_shutdown() becomes %TRUE (or
 *   sd_context_sleep() returns %FALSE). Return %TRUE for a clean exit, or %FALSE with @error
 *   set for a failure.
 * @run_async: the body of an asynchronous service. It is called on the service's lane with
 *   the lane's #GMainContext as thread-default; @cancellable is cancelled when the generation
 *   must stop (shutdown, stop or reload).
 * @run_finish: completes @run_async. The default finishes a #GTask that returned a
 *   boolean (g_task_propagate_boolean()) and the result of
 *   sd_context_wait_shutdown_async().
 *
 * A service overrides either @run or @run_async (with @run_finish when the default does not
 * fit).
 *
 * Since: 1.0
 */
struct _SdServiceClass
{
  GObjectClass parent_class;

  gboolean (*run)        (SdService            *self,
                          SdContext            *context,
                          GError              **error);
  void     (*run_async)  (SdService            *self,
                          SdContext            *context,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data);
  gboolean (*run_finish) (SdService            *self,
                          GAsyncResult         *result,
                          GError              **error);

  /*< private >*/
  gpointer _reserved[12];
};

SD_AVAILABLE_IN_ALL
void                sd_service_type_set_defaults      (GType          service_type,
                                                       const char    *first_property_name,
                                                       ...) G_GNUC_NULL_TERMINATED;
SD_AVAILABLE_IN_ALL
void                sd_service_type_set_default_value (GType          service_type,
                                                       const char    *property_name,
                                                       const GValue  *value);
SD_AVAILABLE_IN_ALL
char               *sd_service_type_dup_default_name  (GType          service_type) G_GNUC_WARN_UNUSED_RESULT;

SD_AVAILABLE_IN_ALL
const char         *sd_service_get_name               (SdService     *self);
SD_AVAILABLE_IN_ALL
guint               sd_service_get_priority           (SdService     *self);
SD_AVAILABLE_IN_ALL
SdLane              sd_service_get_lane               (SdService     *self);
SD_AVAILABLE_IN_ALL
char               *sd_service_dup_lane_name          (SdService     *self) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
const char * const *sd_service_get_tags               (SdService     *self);
SD_AVAILABLE_IN_ALL
gboolean            sd_service_has_tag                (SdService     *self,
                                                       const char    *tag);
SD_AVAILABLE_IN_ALL
SdRestartMode       sd_service_get_restart_mode       (SdService     *self);
SD_AVAILABLE_IN_ALL
gboolean            sd_service_get_reloadable         (SdService     *self);
SD_AVAILABLE_IN_ALL
gboolean            sd_service_is_blocking            (SdService     *self);

SD_AVAILABLE_IN_ALL
SdServiceState      sd_service_get_state              (SdService     *self);
SD_AVAILABLE_IN_ALL
guint               sd_service_get_generation         (SdService     *self);
SD_AVAILABLE_IN_ALL
guint               sd_service_get_n_restarts         (SdService     *self);
SD_AVAILABLE_IN_ALL
char               *sd_service_dup_last_error         (SdService     *self) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
guint64             sd_service_get_next_restart_delay_ms (SdService  *self);
SD_AVAILABLE_IN_ALL
gint64              sd_service_get_since              (SdService     *self);

G_END_DECLS
