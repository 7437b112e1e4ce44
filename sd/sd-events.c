/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-events-private.h"

typedef struct
{
  GFunc          func;
  gpointer       data;
  GDestroyNotify destroy;
} SdEvent;

typedef struct
{
  GSource       source;
  SdEventQueue *queue;  /* (unowned): the queue owns the source */
} SdEventSource;

struct _SdEventQueue
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  GQueue           pending;  /* (element-type SdEvent) (owned) (lock lock) */
  GSource         *source;   /* (owned) (nullable) (lock lock): NULL once closed */
};

static void
sd_event_free (SdEvent *event)
{
  if (event->destroy != NULL)
    event->destroy (event->data);
  g_free (event);
}

static gboolean
sd_event_source_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     user_data)
{
  SdEventQueue *queue = ((SdEventSource *) source)->queue;
  GQueue batch = G_QUEUE_INIT;

  g_source_set_ready_time (source, -1);

  g_mutex_lock (&queue->lock);
  batch = queue->pending;
  g_queue_init (&queue->pending);
  g_mutex_unlock (&queue->lock);

  while (!g_queue_is_empty (&batch))
    {
      SdEvent *event = g_queue_pop_head (&batch);

      event->func (event->data, NULL);
      sd_event_free (event);
    }

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs sd_event_source_funcs = {
  .dispatch = sd_event_source_dispatch,
};

SdEventQueue *
_sd_event_queue_new (GMainContext *context)
{
  SdEventQueue *self;

  self = g_new0 (SdEventQueue, 1);
  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  g_queue_init (&self->pending);

  self->source = g_source_new (&sd_event_source_funcs, sizeof (SdEventSource));
  ((SdEventSource *) self->source)->queue = self;
  g_source_set_static_name (self->source, "[sd] daemon events");
  g_source_set_priority (self->source, G_PRIORITY_DEFAULT);
  g_source_attach (self->source, context);

  return self;
}

SdEventQueue *
_sd_event_queue_ref (SdEventQueue *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
_sd_event_queue_unref (SdEventQueue *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  _sd_event_queue_close (self);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/*
 * Returns FALSE (after running @destroy) when the queue is closed.
 */
gboolean
_sd_event_queue_push (SdEventQueue   *self,
                      GFunc           func,
                      gpointer        data,
                      GDestroyNotify  destroy)
{
  SdEvent *event;

  g_mutex_lock (&self->lock);
  if (self->source == NULL)
    {
      g_mutex_unlock (&self->lock);
      if (destroy != NULL)
        destroy (data);
      return FALSE;
    }

  event = g_new (SdEvent, 1);
  event->func = func;
  event->data = data;
  event->destroy = destroy;
  g_queue_push_tail (&self->pending, event);
  /* Thread-safe: wakes the owning context if it sleeps in poll() */
  g_source_set_ready_time (self->source, 0);
  g_mutex_unlock (&self->lock);

  return TRUE;
}

void
_sd_event_queue_close (SdEventQueue *self)
{
  GSource *source;
  GQueue dropped;

  g_mutex_lock (&self->lock);
  source = g_steal_pointer (&self->source);
  dropped = self->pending;
  g_queue_init (&self->pending);
  g_mutex_unlock (&self->lock);

  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }

  g_queue_clear_full (&dropped, (GDestroyNotify) sd_event_free);
}
