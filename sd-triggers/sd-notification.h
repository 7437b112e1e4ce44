/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-trigger.h"
#include "sd-triggers-macros.h"

G_BEGIN_DECLS

#define SD_TYPE_NOTIFIER (sd_notifier_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdNotifier, sd_notifier, SD, NOTIFIER, SdProvider)

/**
 * SdNotifierClass:
 * @parent_class: the parent class
 *
 * The class of notifiers. Subclass it to give each notifier a type of its own (injection is
 * by type).
 *
 * Since: 1.0
 */
struct _SdNotifierClass
{
  SdProviderClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
void        sd_notifier_notify               (SdNotifier  *self,
                                              GVariant    *payload);
SD_TRIGGERS_AVAILABLE_IN_ALL
void        sd_notifier_notify_message       (SdNotifier  *self,
                                              SdMessage   *message);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint       sd_notifier_get_n_subscribers    (SdNotifier  *self);

#define SD_TYPE_NOTIFICATION_TRIGGER (sd_notification_trigger_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdNotificationTrigger, sd_notification_trigger, SD, NOTIFICATION_TRIGGER, SdTrigger)

/**
 * SdNotificationTriggerClass:
 * @parent_class: the parent class
 *
 * The class of notify triggers.
 *
 * Since: 1.0
 */
struct _SdNotificationTriggerClass
{
  SdTriggerClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
SdNotifier *sd_notification_trigger_get_source     (SdNotificationTrigger *self);

G_END_DECLS
