/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "sd-value-provider.h"

G_BEGIN_DECLS

gboolean _sd_value_provider_load_env (SdValueProvider  *self,
                                      GError          **error);

G_END_DECLS
