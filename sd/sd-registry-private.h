/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "sd-registry.h"
#include "sd-resolver-private.h"

G_BEGIN_DECLS

GPtrArray *_sd_registry_instantiate (SdRegistry  *self,
                                     SdResolver  *resolver,
                                     GError     **error);

G_END_DECLS
