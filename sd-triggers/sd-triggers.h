/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sd.h>

#define SD_TRIGGERS_INSIDE

#include "sd-triggers-macros.h"
#include "sd-triggers-enum-types.h"
#include "sd-cron.h"
#include "sd-cron-trigger.h"
#include "sd-message.h"
#include "sd-interceptor.h"
#include "sd-trigger.h"
#include "sd-scaling-policy.h"
#include "sd-queue.h"
#include "sd-notification.h"
#include "sd-watch.h"
#include "sd-interval.h"
#include "sd-file-monitor.h"
#include "sd-dbus-signal.h"

#undef SD_TRIGGERS_INSIDE
