/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include <sd.h>

#ifndef _SD_TRIGGERS_EXTERN
# define _SD_TRIGGERS_EXTERN __attribute__((visibility ("default"))) extern
#endif

#define SD_TRIGGERS_AVAILABLE_IN_ALL _SD_TRIGGERS_EXTERN
