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

#define SD_TEST_TYPE_CONFIG (sd_test_config_get_type ())

G_DECLARE_DERIVABLE_TYPE (SdTestConfig, sd_test_config, SD_TEST, CONFIG, SdProvider)

/**
 * SdTestConfigClass:
 * @parent_class: the parent class
 *
 * Abstract: the daemon resolves it to its only concrete subtype (one written in Python in
 * the tests).
 */
struct _SdTestConfigClass
{
  SdProviderClass parent_class;
};

const char *sd_test_config_get_label (SdTestConfig *self);
void        sd_test_config_set_label (SdTestConfig *self,
                                      const char   *label);

#define SD_TEST_TYPE_CONSUMER (sd_test_consumer_get_type ())

G_DECLARE_FINAL_TYPE (SdTestConsumer, sd_test_consumer, SD_TEST, CONSUMER, SdService)

SdTestConfig *sd_test_consumer_get_config        (SdTestConsumer *self);
guint         sd_test_consumer_get_n_generations (SdTestConsumer *self);
char         *sd_test_consumer_dup_seen_label    (SdTestConsumer *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
