/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "config.h"

#include <glib/gi18n-lib.h>

G_BEGIN_DECLS

/* Translates @msgid in the gettext domain of the project (shared with libsd-1), binding the
 * domain on first use. */
const char *_sd_triggers_gettext (const char *msgid) G_GNUC_FORMAT (1);

#undef _
#define _(s) _sd_triggers_gettext (s)

G_END_DECLS
