/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-log-private.h"

void
_sd_log (GLogLevelFlags  level,
         const char     *service_name,
         const char     *format,
         ...)
{
  g_autofree char *message = NULL;
  GLogField fields[3];
  gsize n_fields = 0;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fields[n_fields++] = (GLogField) { "MESSAGE", message, -1 };
  fields[n_fields++] = (GLogField) { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 };
  if (service_name != NULL)
    fields[n_fields++] = (GLogField) { "SD_SERVICE", service_name, -1 };

  g_log_structured_array (level, fields, n_fields);
}
