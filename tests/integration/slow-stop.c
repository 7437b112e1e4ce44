/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A daemon with one service that takes a long time to stop: once asked to stop, it keeps
 * working (without looking at its context) for SLOW_STOP_SECONDS. The signal tests use it to
 * send a second SIGINT or SIGTERM while the graceful shutdown is still waiting.
 *
 * Prints "== all services started ==" once the daemon is ready and
 * "slow: asked to stop" once the graceful shutdown has reached the service.
 */

#include <sd.h>

#define SLOW_STOP_SECONDS 20

#define SD_TYPE_SLOW_STOP (sd_slow_stop_get_type ())
G_DECLARE_FINAL_TYPE (SdSlowStop, sd_slow_stop, SD, SLOW_STOP, SdService)

struct _SdSlowStop
{
  SdService parent_instance;
};

G_DEFINE_FINAL_TYPE (SdSlowStop, sd_slow_stop, SD_TYPE_SERVICE)

static gboolean
sd_slow_stop_run (SdService  *service,
                  SdContext  *context,
                  GError    **error)
{
  g_print ("slow: running\n");

  sd_context_wait_shutdown (context);

  g_print ("slow: asked to stop, finishing work for %d s\n", SLOW_STOP_SECONDS);
  for (guint i = 0; i < SLOW_STOP_SECONDS * 10; i++)
    g_usleep (G_USEC_PER_SEC / 10);
  g_print ("slow: done\n");

  return TRUE;
}

static void
sd_slow_stop_class_init (SdSlowStopClass *klass)
{
  SD_SERVICE_CLASS (klass)->run = sd_slow_stop_run;

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "name", "slow",
                                NULL);
}

static void
sd_slow_stop_init (SdSlowStop *self)
{
}

static void
on_ready (SdDaemon *daemon,
          gpointer  user_data)
{
  g_print ("== all services started ==\n");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SdRegistry) registry = sd_registry_new ();
  g_autoptr(SdRestartPolicy) policy = sd_restart_policy_new ();
  g_autoptr(SdDaemon) daemon = NULL;
  g_autoptr(GError) error = NULL;

  daemon = sd_daemon_new_with_registry (registry);
  if (!sd_daemon_add_service_type (daemon, SD_TYPE_SLOW_STOP, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  /* Wait for the slow service rather than abandoning it: only a second signal ends it early */
  sd_restart_policy_set_wave_stop_timeout_ms (policy, 2 * SLOW_STOP_SECONDS * 1000);
  sd_daemon_set_restart_policy (daemon, policy);

  g_signal_connect (daemon, "ready", G_CALLBACK (on_ready), NULL);

  if (!sd_daemon_run (daemon, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_print ("== all services stopped ==\n");

  return sd_daemon_get_exit_status (daemon);
}
