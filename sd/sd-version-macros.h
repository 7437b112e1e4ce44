/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <glib.h>

#include "sd-version.h"

#ifndef _SD_EXTERN
# define _SD_EXTERN __attribute__((visibility ("default"))) extern
#endif

#define SD_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

#define SD_VERSION_CUR_STABLE (G_ENCODE_VERSION (SD_MAJOR_VERSION, SD_MINOR_VERSION))

#ifndef SD_VERSION_MIN_REQUIRED
# define SD_VERSION_MIN_REQUIRED (SD_VERSION_CUR_STABLE)
#endif

#ifndef SD_VERSION_MAX_ALLOWED
# define SD_VERSION_MAX_ALLOWED (SD_VERSION_CUR_STABLE)
#endif

#define SD_AVAILABLE_IN_ALL _SD_EXTERN
#define SD_AVAILABLE_IN_1_0 _SD_EXTERN
