/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A program linked against both libsd-1 and libsystemd: it must link without duplicate
 * symbols and each call must reach its own library. */

#include <stdio.h>
#include <stdlib.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>

#include <sd.h>

int
main (void)
{
  g_autoptr(SdDaemon) daemon = NULL;
  sd_id128_t id;
  int booted;
  int r;

  /* libsystemd */
  booted = sd_booted ();
  r = sd_id128_randomize (&id);
  if (r < 0)
    {
      fprintf (stderr, "sd_id128_randomize() failed: %d\n", r);
      return EXIT_FAILURE;
    }

  /* libsd-1 */
  daemon = sd_daemon_new ();
  if (!SD_IS_DAEMON (daemon) || sd_daemon_get_phase (daemon) != SD_DAEMON_PHASE_CREATED)
    {
      fprintf (stderr, "sd_daemon_new() did not return a new daemon\n");
      return EXIT_FAILURE;
    }

  printf ("ok: libsystemd (sd_booted () = %d, id " SD_ID128_FORMAT_STR ") and libsd-1 %s "
          "(daemon phase %d) in one program\n",
          booted, SD_ID128_FORMAT_VAL (id), SD_VERSION_S, (int) sd_daemon_get_phase (daemon));

  return EXIT_SUCCESS;
}
