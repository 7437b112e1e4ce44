/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sd.h>

G_BEGIN_DECLS

#define SD_TEST_TYPE_IDLE (sd_test_idle_get_type ())

G_DECLARE_DERIVABLE_TYPE (SdTestIdle, sd_test_idle, SD_TEST, IDLE, SdService)

/**
 * SdTestIdleClass:
 * @parent_class: the parent class
 *
 * Derivable, so that the tests can subclass a concrete service written in C.
 */
struct _SdTestIdleClass
{
  SdServiceClass parent_class;
};

SdTestIdle *sd_test_idle_new              (void) G_GNUC_WARN_UNUSED_RESULT;
guint       sd_test_idle_get_n_generations (SdTestIdle *self);

G_END_DECLS
