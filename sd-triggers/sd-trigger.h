/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SD_TRIGGERS_INSIDE) && !defined(SD_TRIGGERS_COMPILATION)
# error "Only <sd-triggers.h> can be included directly."
#endif

#include "sd-interceptor.h"
#include "sd-message.h"
#include "sd-triggers-macros.h"

G_BEGIN_DECLS

/**
 * SdTriggerTransition:
 * @SD_TRIGGER_TRANSITION_NEXT: a message arrived: handle it, then wait for the next one
 * @SD_TRIGGER_TRANSITION_RELOAD: the source changed: tear down, set up again and go on
 * @SD_TRIGGER_TRANSITION_STOP: the source is done: the generation ends cleanly
 *
 * What a trigger kind's wait tells the trigger to do next.
 *
 * Since: 1.0
 */
typedef enum {
  SD_TRIGGER_TRANSITION_NEXT,
  SD_TRIGGER_TRANSITION_RELOAD,
  SD_TRIGGER_TRANSITION_STOP,
} SdTriggerTransition;

/**
 * SdTriggerHandler:
 * @trigger: the trigger
 * @message: the message to handle
 * @user_data: the data given to sd_trigger_set_handler()
 * @error: return location for a #GError
 *
 * A handler given as a closure rather than by overriding `handle`.
 *
 * Returns: %TRUE if the message was handled; %FALSE with @error set on failure (the trigger
 *   retries with its restart policy)
 *
 * Since: 1.0
 */
typedef gboolean (*SdTriggerHandler) (SdTrigger  *trigger,
                                      SdMessage  *message,
                                      gpointer    user_data,
                                      GError    **error);

#define SD_TYPE_TRIGGER (sd_trigger_get_type ())

SD_TRIGGERS_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SdTrigger, sd_trigger, SD, TRIGGER, SdService)

/**
 * SdTriggerClass:
 * @parent_class: the parent class
 * @setup: the kind's start of a generation (subscribe, open, arm), on the trigger's lane;
 *   an error fails the generation like a service error
 * @teardown: undoes @setup at the end of a generation or before a reload
 * @poll: optional: returns a message that is available now without waiting, or %NULL. A kind
 *   that can deliver bursts implements it so that the trigger drains them without a main
 *   loop round per message.
 * @wait_async: waits for the next message (or a reload or stop of the source); the
 *   cancellable is cancelled when the generation must stop. The default waits until
 *   sd_trigger_wake() or sd_trigger_request_transition() is called (from any thread) or the
 *   generation stops, and returns no message: the trigger then calls @poll.
 * @wait_finish: completes @wait_async: the message (with @transition
 *   %SD_TRIGGER_TRANSITION_NEXT), or %NULL (poll again, or follow another transition)
 * @requeue: optional: gives back a message that was taken with @poll or @wait_finish but not
 *   handled because the generation stops, so that nothing handed over is lost
 * @handle: the handler, called on the trigger's lane for each message
 * @handle_async: the asynchronous handler; overrides @handle when set
 * @handle_finish: completes @handle_async
 *
 * A trigger kind implements @poll and calls sd_trigger_wake() when an event arrives, or
 * implements @wait_async and @wait_finish itself; @setup, @teardown and @requeue as needed; a user of a kind implements @handle (or @handle_async/@handle_finish), or passes
 * a closure with sd_trigger_set_handler().
 *
 * Since: 1.0
 */
struct _SdTriggerClass
{
  SdServiceClass parent_class;

  gboolean    (*setup)         (SdTrigger            *self,
                                SdContext            *context,
                                GError              **error);
  void        (*teardown)      (SdTrigger            *self,
                                SdContext            *context);
  SdMessage  *(*poll)          (SdTrigger            *self,
                                SdContext            *context);
  void        (*wait_async)    (SdTrigger            *self,
                                SdContext            *context,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
  SdMessage  *(*wait_finish)   (SdTrigger            *self,
                                GAsyncResult         *result,
                                SdTriggerTransition  *transition,
                                GError              **error);
  void        (*requeue)       (SdTrigger            *self,
                                SdMessage            *message);
  gboolean    (*handle)        (SdTrigger            *self,
                                SdMessage            *message,
                                GError              **error);
  void        (*handle_async)  (SdTrigger            *self,
                                SdMessage            *message,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
  gboolean    (*handle_finish) (SdTrigger            *self,
                                GAsyncResult         *result,
                                GError              **error);

  /*< private >*/
  gpointer _reserved[12];
};

SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_trigger_wake               (SdTrigger            *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_trigger_request_transition (SdTrigger            *self,
                                                SdTriggerTransition   transition);
SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_trigger_type_set_source    (GType                 trigger_type,
                                                GType                 source_type);
SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_trigger_set_handler        (SdTrigger            *self,
                                                SdTriggerHandler      handler,
                                                gpointer              user_data,
                                                GDestroyNotify        destroy);
SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_trigger_add_interceptor    (SdTrigger            *self,
                                                SdInterceptor        *interceptor);
SD_TRIGGERS_AVAILABLE_IN_ALL
SdInterceptors  *sd_trigger_get_interceptors   (SdTrigger            *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint64          sd_trigger_get_n_handled      (SdTrigger            *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint64          sd_trigger_get_n_failed       (SdTrigger            *self);
SD_TRIGGERS_AVAILABLE_IN_ALL
guint            sd_trigger_get_n_setups       (SdTrigger            *self);

SD_TRIGGERS_AVAILABLE_IN_ALL
void             sd_trigger_dispatch_async     (SdTrigger            *self,
                                                SdContext            *context,
                                                SdMessage            *message,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
SD_TRIGGERS_AVAILABLE_IN_ALL
gboolean         sd_trigger_dispatch_finish    (SdTrigger            *self,
                                                GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
