/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The smallest Sd program: one blocking service that polls sd_context_is_shutdown() and
 * sleeps with the interruptible sd_context_sleep(), discovered through
 * SD_REGISTER_SERVICE() and run by a daemon until Ctrl-C (or --duration) stops it.
 *
 *   sd-example-minimal [--duration=SECONDS]
 */

#include <sd.h>

/* ---- the service ---- */

#define MINIMAL_TYPE_HEARTBEAT (minimal_heartbeat_get_type ())
G_DECLARE_FINAL_TYPE (MinimalHeartbeat, minimal_heartbeat, MINIMAL, HEARTBEAT, SdService)

struct _MinimalHeartbeat
{
  SdService parent_instance;
};

G_DEFINE_FINAL_TYPE (MinimalHeartbeat, minimal_heartbeat, SD_TYPE_SERVICE)
SD_REGISTER_SERVICE (minimal_heartbeat)

static gboolean
minimal_heartbeat_run (SdService  *service,
                       SdContext  *context,
                       GError    **error)
{
  guint beat = 0;

  g_print ("%s: started\n", sd_context_get_name (context));

  /* The first call of sd_context_is_shutdown() also tells the daemon that the service is
   * up (the handshake); sd_context_sleep() returns FALSE as soon as a stop is requested. */
  while (!sd_context_is_shutdown (context))
    {
      g_print ("%s: alive (beat %u)\n", sd_context_get_name (context), ++beat);

      if (!sd_context_sleep (context, 1000))
        break;
    }

  g_print ("%s: stopping after %u beats\n", sd_context_get_name (context), beat);

  return TRUE;
}

static void
minimal_heartbeat_class_init (MinimalHeartbeatClass *klass)
{
  SdServiceClass *service_class = SD_SERVICE_CLASS (klass);

  service_class->run = minimal_heartbeat_run;

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "name", "heartbeat",
                                NULL);
}

static void
minimal_heartbeat_init (MinimalHeartbeat *self)
{
}

/* ---- the program ---- */

static void
on_ready (SdDaemon *daemon,
          gpointer  user_data)
{
  g_print ("== all services started (press Ctrl-C to stop) ==\n");
}

static gboolean
on_duration_elapsed (gpointer user_data)
{
  SdDaemon *daemon = user_data;

  g_print ("== duration elapsed: shutting down ==\n");
  sd_daemon_shutdown (daemon);

  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(SdDaemon) daemon = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSource) duration_source = NULL;
  int duration = 0;
  const GOptionEntry entries[] = {
    { "duration", 'd', 0, G_OPTION_ARG_INT, &duration,
      "Shut down by itself after SECONDS", "SECONDS" },
    { NULL }
  };

  option_context = g_option_context_new ("- the smallest Sd daemon");
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  /* Runs every service registered with SD_REGISTER_SERVICE() */
  daemon = sd_daemon_new ();
  g_signal_connect (daemon, "ready", G_CALLBACK (on_ready), NULL);

  if (duration > 0)
    {
      duration_source = g_timeout_source_new_seconds (duration);
      g_source_set_callback (duration_source, on_duration_elapsed, daemon, NULL);
      g_source_attach (duration_source, NULL);
    }

  if (!sd_daemon_run (daemon, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_print ("== all services stopped ==\n");

  return sd_daemon_get_exit_status (daemon);
}
