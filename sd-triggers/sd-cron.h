/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-triggers-macros.h"

G_BEGIN_DECLS

/**
 * SD_CRON_ERROR:
 *
 * Error domain of cron expressions. Errors in this domain are #SdCronError values; their
 * message names the field at fault and the offending text.
 *
 * Since: 1.0
 */
#define SD_CRON_ERROR (sd_cron_error_quark ())

/**
 * SdCronError:
 * @SD_CRON_ERROR_INVALID_EXPRESSION: the expression as a whole is malformed: a wrong number
 *   of fields, or an unknown `@` macro
 * @SD_CRON_ERROR_INVALID_FIELD: a field is malformed: a value out of range, an unknown
 *   name, a bad range or step
 * @SD_CRON_ERROR_NEVER_FIRES: the fields are well-formed but can never match together, for
 *   example `0 0 30 2 *` (February never has 30 days)
 *
 * Error codes in the %SD_CRON_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum {
  SD_CRON_ERROR_INVALID_EXPRESSION,
  SD_CRON_ERROR_INVALID_FIELD,
  SD_CRON_ERROR_NEVER_FIRES,
} SdCronError;

#define SD_TYPE_CRON_EXPRESSION (sd_cron_expression_get_type ())

typedef struct _SdCronExpression SdCronExpression;

SD_TRIGGERS_AVAILABLE_IN_ALL
GQuark            sd_cron_error_quark            (void);

SD_TRIGGERS_AVAILABLE_IN_ALL
GType             sd_cron_expression_get_type    (void) G_GNUC_CONST;
SD_TRIGGERS_AVAILABLE_IN_ALL
SdCronExpression *sd_cron_expression_parse       (const char        *text,
                                                  GError           **error) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
SdCronExpression *sd_cron_expression_ref         (SdCronExpression  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void              sd_cron_expression_unref       (SdCronExpression  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
char             *sd_cron_expression_to_string   (SdCronExpression  *self) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
gboolean          sd_cron_expression_has_seconds (SdCronExpression  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
GDateTime        *sd_cron_expression_next        (SdCronExpression  *self,
                                                  GDateTime         *after) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdCronExpression, sd_cron_expression_unref)

G_END_DECLS
