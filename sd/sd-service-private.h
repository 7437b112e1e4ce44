/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "sd-service.h"

G_BEGIN_DECLS

typedef struct _SdUnit SdUnit;

gboolean  _sd_service_name_is_valid   (const char      *name,
                                       GError         **error);
gboolean  _sd_service_check           (SdService       *self,
                                       GError         **error);
gboolean  _sd_service_validate_property (const char    *property_name,
                                       const GValue    *value,
                                       GValue          *out_value,
                                       GError         **error);
gboolean  _sd_service_mark_registered (SdService       *self);
const char * const *_sd_service_type_peek_default_tags (GType service_type);
SdUnit   *_sd_service_get_unit        (SdService       *self);
void      _sd_service_set_unit        (SdService       *self,
                                       SdUnit          *unit);
void      _sd_service_set_state       (SdService       *self,
                                       SdServiceState   state);
void      _sd_service_set_generation  (SdService       *self,
                                       guint            generation,
                                       guint            n_restarts);
void      _sd_service_set_last_error  (SdService       *self,
                                       const char      *message);
void      _sd_service_set_next_restart_delay_ms (SdService *self,
                                       guint64          delay_ms);

G_END_DECLS
