/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-error.h"

#include "sd-i18n-private.h"

G_DEFINE_QUARK (sd-error-quark, sd_error)
G_DEFINE_QUARK (sd-service-error-quark, sd_service_error)

const char *
_sd_gettext (const char *msgid)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
#if ENABLE_NLS
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
      g_once_init_leave (&initialized, 1);
    }

  return g_dgettext (GETTEXT_PACKAGE, msgid);
}
