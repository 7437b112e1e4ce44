/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "sd-provider.h"

G_BEGIN_DECLS

void _sd_provider_set_initialized (SdProvider *self,
                                   gboolean    initialized);

G_END_DECLS
