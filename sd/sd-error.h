/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <glib.h>

#include "sd-version-macros.h"

G_BEGIN_DECLS

/**
 * SD_ERROR:
 *
 * Error domain for errors of the Sd framework itself: bad input to the API, unknown names,
 * operations in the wrong state. Errors in this domain are #SdError values.
 *
 * Since: 1.0
 */
#define SD_ERROR (sd_error_quark ())

/**
 * SdError:
 * @SD_ERROR_FAILED: a generic failure
 * @SD_ERROR_INVALID_ARGUMENT: an argument, property value or class default is invalid
 * @SD_ERROR_NOT_FOUND: no service has the given name
 * @SD_ERROR_EXISTS: the name or type is already registered
 * @SD_ERROR_INVALID_STATE: the operation is not possible in the current state (for example
 *   reloading a stopped service, or building a daemon twice)
 * @SD_ERROR_TIMEOUT: a start, stop or reload did not finish in time
 * @SD_ERROR_CANCELLED: the operation was cancelled, for example by a daemon shutdown
 * @SD_ERROR_DEPENDENCY: a dependency cannot be resolved: no provider (or more than one) of
 *   the requested type, or a provider-typed property that is not construct-only
 * @SD_ERROR_CYCLE: providers depend on each other in a cycle
 *
 * Error codes in the %SD_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum {
  SD_ERROR_FAILED,
  SD_ERROR_INVALID_ARGUMENT,
  SD_ERROR_NOT_FOUND,
  SD_ERROR_EXISTS,
  SD_ERROR_INVALID_STATE,
  SD_ERROR_TIMEOUT,
  SD_ERROR_CANCELLED,
  SD_ERROR_DEPENDENCY,
  SD_ERROR_CYCLE,
} SdError;

/**
 * SD_SERVICE_ERROR:
 *
 * Error domain a service uses to tell the supervisor how to treat its failure. An error in
 * any other domain is an ordinary failure: the service goes to
 * %SD_SERVICE_STATE_RECOVERING and is restarted after a backoff.
 *
 * Since: 1.0
 */
#define SD_SERVICE_ERROR (sd_service_error_quark ())

/**
 * SdServiceError:
 * @SD_SERVICE_ERROR_FAILED: an ordinary failure; the service is restarted after a backoff
 * @SD_SERVICE_ERROR_FATAL: a failure that restarting cannot mend; the service goes to
 *   %SD_SERVICE_STATE_TERMINATED and keeps the message
 *
 * Error codes in the %SD_SERVICE_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum {
  SD_SERVICE_ERROR_FAILED,
  SD_SERVICE_ERROR_FATAL,
} SdServiceError;

SD_AVAILABLE_IN_ALL
GQuark sd_error_quark         (void);
SD_AVAILABLE_IN_ALL
GQuark sd_service_error_quark (void);

G_END_DECLS
