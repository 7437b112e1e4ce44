/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "sd-provider.h"

G_BEGIN_DECLS

/*
 * SdResolver:
 *
 * Typed dependency injection for one daemon: creates the objects of a build (services and
 * the providers they need), filling every construct-only property whose value type is a
 * provider type with the daemon's one instance of that type, and remembers who depends on
 * whom — for initialisation order, reloads of dependents and the topology.
 */
typedef struct _SdResolver SdResolver;

SdResolver *_sd_resolver_new              (void);
void        _sd_resolver_free             (SdResolver    *self);
gboolean    _sd_resolver_add_instance     (SdResolver    *self,
                                           SdProvider    *provider,
                                           GError       **error);
GObject    *_sd_resolver_create           (SdResolver    *self,
                                           GType          type,
                                           guint          n_properties,
                                           const char   **names,
                                           const GValue  *values,
                                           GError       **error);
gboolean    _sd_resolver_adopt            (SdResolver    *self,
                                           GObject       *object,
                                           GError       **error);
GPtrArray  *_sd_resolver_get_providers    (SdResolver    *self);
SdProvider *_sd_resolver_lookup           (SdResolver    *self,
                                           GType          type);
GPtrArray  *_sd_resolver_get_dependencies (SdResolver    *self,
                                           gpointer       object) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray  *_sd_resolver_get_dependents   (SdResolver    *self,
                                           SdProvider    *provider);
void        _sd_resolver_collect_closure  (SdResolver    *self,
                                           gpointer       object,
                                           GPtrArray     *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdResolver, _sd_resolver_free)

G_END_DECLS
