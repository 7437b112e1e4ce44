/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_INSIDE) && !defined(SD_COMPILATION)
# error "Only <sd.h> can be included directly."
#endif

#include <glib-object.h>

#include "sd-version-macros.h"

G_BEGIN_DECLS

typedef struct _SdClock         SdClock;
typedef struct _SdContext       SdContext;
typedef struct _SdDaemon        SdDaemon;
typedef struct _SdProvider      SdProvider;
typedef struct _SdRegistry      SdRegistry;
typedef struct _SdRestartPolicy SdRestartPolicy;
typedef struct _SdService       SdService;

G_END_DECLS
