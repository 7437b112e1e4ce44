/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-message.h"
#include "sd-scaling-policy.h"
#include "sd-trigger.h"
#include "sd-triggers-macros.h"

G_BEGIN_DECLS

/**
 * SD_QUEUE_ERROR:
 *
 * Error domain of queues. Errors in this domain are #SdQueueError values.
 *
 * Since: 1.0
 */
#define SD_QUEUE_ERROR (sd_queue_error_quark ())

/**
 * SdQueueError:
 * @SD_QUEUE_ERROR_FULL: the queue holds #SdQueue:capacity items its consumers have not
 *   taken yet; the item was not accepted
 *
 * Error codes in the %SD_QUEUE_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum {
  SD_QUEUE_ERROR_FULL,
} SdQueueError;

/**
 * SdQueueMode:
 * @SD_QUEUE_MODE_BROADCAST: every queue trigger subscribed to the queue receives every item
 * @SD_QUEUE_MODE_WORK: the queue triggers compete: each item goes to exactly one of them
 *
 * How a #SdQueue hands its items to the triggers that consume it.
 *
 * Since: 1.0
 */
typedef enum {
  SD_QUEUE_MODE_BROADCAST,
  SD_QUEUE_MODE_WORK,
} SdQueueMode;

#define SD_TYPE_QUEUE (sd_queue_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdQueue, sd_queue, SD, QUEUE, SdProvider)

/**
 * SdQueueClass:
 * @parent_class: the parent class
 *
 * The class of queues. Subclass it to give each queue a type of its own (injection is by
 * type), and set the capacity and mode of the type with sd_queue_type_set_defaults() in
 * `class_init`.
 *
 * Since: 1.0
 */
struct _SdQueueClass
{
  SdProviderClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
GQuark       sd_queue_error_quark          (void);

SD_TRIGGERS_AVAILABLE_IN_ALL
SdQueue     *sd_queue_new                  (guint                 capacity,
                                            SdQueueMode           mode) G_GNUC_WARN_UNUSED_RESULT;
SD_TRIGGERS_AVAILABLE_IN_ALL
void         sd_queue_type_set_defaults    (GType                 queue_type,
                                            guint                 capacity,
                                            SdQueueMode           mode);

SD_TRIGGERS_AVAILABLE_IN_ALL
guint        sd_queue_get_capacity         (SdQueue              *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
SdQueueMode  sd_queue_get_mode             (SdQueue              *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint        sd_queue_get_length           (SdQueue              *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint        sd_queue_get_n_subscribers    (SdQueue              *self);

SD_TRIGGERS_AVAILABLE_IN_ALL
gboolean     sd_queue_push                 (SdQueue              *self,
                                            GVariant             *payload,
                                            GError              **error);
SD_TRIGGERS_AVAILABLE_IN_ALL
gboolean     sd_queue_push_message         (SdQueue              *self,
                                            SdMessage            *message,
                                            GError              **error);
SD_TRIGGERS_AVAILABLE_IN_ALL
void         sd_queue_push_async           (SdQueue              *self,
                                            GVariant             *payload,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
SD_TRIGGERS_AVAILABLE_IN_ALL
gboolean     sd_queue_push_finish          (SdQueue              *self,
                                            GAsyncResult         *result,
                                            GError              **error);
SD_TRIGGERS_AVAILABLE_IN_ALL
void         sd_queue_push_message_async   (SdQueue              *self,
                                            SdMessage            *message,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
SD_TRIGGERS_AVAILABLE_IN_ALL
gboolean     sd_queue_push_message_finish  (SdQueue              *self,
                                            GAsyncResult         *result,
                                            GError              **error);

#define SD_TYPE_QUEUE_TRIGGER (sd_queue_trigger_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdQueueTrigger, sd_queue_trigger, SD, QUEUE_TRIGGER, SdTrigger)

/**
 * SdQueueTriggerClass:
 * @parent_class: the parent class
 *
 * The class of queue triggers.
 *
 * Since: 1.0
 */
struct _SdQueueTriggerClass
{
  SdTriggerClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
SdQueue         *sd_queue_trigger_get_source          (SdQueueTrigger  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
SdScalingPolicy *sd_queue_trigger_get_scaling_policy  (SdQueueTrigger  *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_queue_trigger_set_scaling_policy  (SdQueueTrigger  *self,
                                                       SdScalingPolicy *policy);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint            sd_queue_trigger_get_concurrency     (SdQueueTrigger  *self);

G_END_DECLS
