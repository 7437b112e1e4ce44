/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define SD_INSIDE

#include "sd-version.h"
#include "sd-version-macros.h"
#include "sd-types.h"
#include "sd-enums.h"
#include "sd-enum-types.h"
#include "sd-error.h"
#include "sd-clock.h"
#include "sd-context.h"
#include "sd-daemon.h"
#include "sd-listener.h"
#include "sd-provider.h"
#include "sd-registry.h"
#include "sd-restart-policy.h"
#include "sd-service.h"
#include "sd-settings-provider.h"
#include "sd-value-provider.h"

#undef SD_INSIDE
