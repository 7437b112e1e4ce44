/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sd-enums.h"
#include "sd-types.h"

G_BEGIN_DECLS

#define SD_TYPE_DAEMON (sd_daemon_get_type ())

SD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SdDaemon, sd_daemon, SD, DAEMON, GObject)

/**
 * SdDaemonPhase:
 * @SD_DAEMON_PHASE_CREATED: the daemon was made but not built yet
 * @SD_DAEMON_PHASE_BUILT: the services are instantiated and validated
 * @SD_DAEMON_PHASE_STARTING: startup waves are running
 * @SD_DAEMON_PHASE_RUNNING: every startup wave has been started and has settled or timed out
 * @SD_DAEMON_PHASE_STOPPING: shutdown waves are running
 * @SD_DAEMON_PHASE_STOPPED: every service has stopped or been abandoned
 *
 * The life cycle of a daemon.
 *
 * Since: 1.0
 */
typedef enum {
  SD_DAEMON_PHASE_CREATED,
  SD_DAEMON_PHASE_BUILT,
  SD_DAEMON_PHASE_STARTING,
  SD_DAEMON_PHASE_RUNNING,
  SD_DAEMON_PHASE_STOPPING,
  SD_DAEMON_PHASE_STOPPED,
} SdDaemonPhase;

SD_AVAILABLE_IN_ALL
SdDaemon        *sd_daemon_new                  (void) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
SdDaemon        *sd_daemon_new_with_registry    (SdRegistry           *registry) G_GNUC_WARN_UNUSED_RESULT;

SD_AVAILABLE_IN_ALL
SdRegistry      *sd_daemon_get_registry         (SdDaemon             *self);
SD_AVAILABLE_IN_ALL
SdClock         *sd_daemon_get_clock            (SdDaemon             *self);
SD_AVAILABLE_IN_ALL
void             sd_daemon_set_clock            (SdDaemon             *self,
                                                 SdClock              *clock);
SD_AVAILABLE_IN_ALL
SdRestartPolicy *sd_daemon_get_restart_policy   (SdDaemon             *self);
SD_AVAILABLE_IN_ALL
void             sd_daemon_set_restart_policy   (SdDaemon             *self,
                                                 SdRestartPolicy      *policy);
SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_get_handle_signals   (SdDaemon             *self);
SD_AVAILABLE_IN_ALL
void             sd_daemon_set_handle_signals   (SdDaemon             *self,
                                                 gboolean              handle_signals);
SD_AVAILABLE_IN_ALL
SdDaemonPhase    sd_daemon_get_phase            (SdDaemon             *self);
SD_AVAILABLE_IN_ALL
int              sd_daemon_get_exit_status      (SdDaemon             *self);

SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_add_service_type     (SdDaemon             *self,
                                                 GType                 service_type,
                                                 GError              **error);
SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_add_service          (SdDaemon             *self,
                                                 SdService            *service,
                                                 GError              **error);
SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_add_provider         (SdDaemon             *self,
                                                 SdProvider           *provider,
                                                 GError              **error);
SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_build                (SdDaemon             *self,
                                                 GError              **error);

SD_AVAILABLE_IN_ALL
GPtrArray       *sd_daemon_list_services        (SdDaemon             *self) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
SdService       *sd_daemon_lookup_service       (SdDaemon             *self,
                                                 const char           *name);
SD_AVAILABLE_IN_ALL
GPtrArray       *sd_daemon_list_providers       (SdDaemon             *self) G_GNUC_WARN_UNUSED_RESULT;
SD_AVAILABLE_IN_ALL
SdProvider      *sd_daemon_lookup_provider      (SdDaemon             *self,
                                                 GType                 provider_type);

SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_run                  (SdDaemon             *self,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
SD_AVAILABLE_IN_ALL
void             sd_daemon_run_async            (SdDaemon             *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_run_finish           (SdDaemon             *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
SD_AVAILABLE_IN_ALL
void             sd_daemon_shutdown             (SdDaemon             *self);
SD_AVAILABLE_IN_ALL
void             sd_daemon_reload               (SdDaemon             *self);

SD_AVAILABLE_IN_ALL
void             sd_daemon_start_service_async  (SdDaemon             *self,
                                                 const char           *name,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_start_service_finish (SdDaemon             *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
SD_AVAILABLE_IN_ALL
void             sd_daemon_stop_service_async   (SdDaemon             *self,
                                                 const char           *name,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_stop_service_finish  (SdDaemon             *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
SD_AVAILABLE_IN_ALL
void             sd_daemon_restart_service_async (SdDaemon            *self,
                                                 const char           *name,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_restart_service_finish (SdDaemon           *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
SD_AVAILABLE_IN_ALL
void             sd_daemon_reload_service_async (SdDaemon             *self,
                                                 const char           *name,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
SD_AVAILABLE_IN_ALL
gboolean         sd_daemon_reload_service_finish (SdDaemon            *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
