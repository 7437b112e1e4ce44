/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Structured logging of the library: every line carries GLIB_DOMAIN=Sd and, where a service
 * is concerned, SD_SERVICE=<name>, so journald, G_MESSAGES_DEBUG and custom writers can
 * filter on it.
 */
void _sd_log (GLogLevelFlags  level,
              const char     *service_name,
              const char     *format,
              ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
