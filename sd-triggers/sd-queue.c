/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-queue.h"

#include <string.h>

#include "sd-triggers-enum-types.h"
#include "sd-triggers-i18n-private.h"

/**
 * SdQueue:
 *
 * A bounded, thread-safe queue of messages, consumed by the #SdQueueTrigger triggers whose
 * source it is.
 *
 * Producers call sd_queue_push() (or sd_queue_push_message()) from any thread; it never
 * blocks and returns %FALSE with %SD_QUEUE_ERROR_FULL when the queue holds
 * #SdQueue:capacity items its consumers have not taken yet. A producer that can wait calls
 * sd_queue_push_async() instead, which completes once there is room again (it resumes when
 * the queue is at most half full, so that a blocked producer is not woken for every item).
 * Nothing accepted is ever dropped.
 *
 * In %SD_QUEUE_MODE_BROADCAST (the default) every subscribed trigger receives every item,
 * in the order pushed; the queue is full when its slowest subscriber already holds
 * #SdQueue:capacity unconsumed items. That subscriber is named in a warning (at most every
 * five seconds per subscriber), never skipped: a stopped trigger keeps its subscription, and
 * so its place, until it is finalized, like any slow consumer. In %SD_QUEUE_MODE_WORK the
 * triggers compete: each item goes to exactly one of them.
 *
 * A trigger subscribes when its generation sets up. Items pushed while no trigger is
 * subscribed are kept (up to the capacity): in work mode the triggers take them as soon as
 * they subscribe; in broadcast mode every trigger that subscribes before the next item is
 * pushed receives them (all the triggers of one startup wave when producers wait for the
 * daemon to be ready), and the next push with a subscriber present releases them.
 *
 * Nothing is lost when a generation stops: items a trigger took but did not handle go back
 * to the front of the queue (in broadcast mode, to that trigger's own backlog), and items
 * still queued stay in the provider, for the next generation or another consumer.
 *
 * Since: 1.0
 */

/**
 * SdQueueTrigger:
 *
 * A trigger that handles the items of its #SdQueueTrigger:source queue, one at a time and
 * in order by default. Subclass it with a `source` of your queue type
 * (sd_trigger_type_set_source()), or create it with that provider.
 *
 * The trigger takes the items in batches (one lock per batch), so that a burst costs one
 * wake-up and no allocation beyond the messages themselves. When it empties its queue while
 * items are flowing, it watches the queue for a few microseconds before it goes to sleep,
 * so that a trigger keeping up with a fast producer neither sleeps nor fights the producer
 * for the lock after every item; an idle trigger sleeps at once and costs no wake-up. The
 * trigger drops its references to the messages of a batch together, before it takes the
 * next batch or waits: a message (and its payload) is released soon after its handler
 * returns, unless the handler or anyone it passed the message to keeps a reference.
 *
 * With a #SdQueueTrigger:scaling-policy the trigger handles up to
 * #SdQueueTrigger:concurrency messages at once, growing and shrinking as the policy says.
 * A synchronous `handle` (or closure) then runs in a pool of worker threads sized to the
 * concurrency; a `handle_async` runs on the trigger's lane, that many calls in flight. Each
 * message goes through sd_trigger_dispatch_async() (interceptors and retries included); the
 * order in which concurrent messages finish is not defined. When every slot is busy the
 * trigger stops taking items (backpressure): the queue fills up and its producers see
 * %SD_QUEUE_ERROR_FULL or wait.
 *
 * Since: 1.0
 */

/* Keeps what one side writes often off the lines the other side reads */
#define CACHE_LINE 64

/* Items a trigger takes from its queue under one lock */
#define BATCH_MAX 64

/* A slow consumer is named at most this often */
#define SLOW_WARNING_INTERVAL_US (5 * G_USEC_PER_SEC)

/* A growable ring of owned messages */
typedef struct
{
  SdMessage **items;  /* (owned) (array length=size) */
  guint       size;   /* a power of two, or 0 */
  guint       head;
  guint       len;
} Ring;

typedef struct
{
  SdQueueTrigger *trigger;       /* (unowned): cleared by the trigger's dispose */
  char           *name;          /* (owned): the trigger's service name, for warnings */
  Ring            ring;          /* broadcast mode: this trigger's items */
  guint           wake_above;    /* wake the trigger when it holds more; G_MAXUINT: never */
  gboolean        live;          /* between setup and teardown */
  gint64          last_warning;  /* monotonic time of the last slow-consumer warning */

  /* Written by the trigger for every item it hands out, read by producers only when the
   * queue is nearly full: on a cache line of its own */
  char            pad[CACHE_LINE];
  int             batch_left;    /* (atomic): items in the trigger's batch, not handed out */
  char            pad_end[CACHE_LINE - sizeof (int)];
} Subscription;

/* A producer waiting in sd_queue_push_async() */
typedef struct
{
  int           ref_count;     /* (atomic) */
  SdQueue      *queue;         /* (owned) */
  SdMessage    *message;       /* (owned) (nullable) (lock lock) */
  GTask        *task;          /* (owned) (nullable) (lock lock) */
  GCancellable *cancellable;   /* (owned) (nullable) */
  gulong        cancel_id;     /* (lock lock) */
  gboolean      done;          /* (lock lock): admitted or cancelled */
} Waiter;

typedef struct
{
  GMutex       lock;
  guint        capacity;        /* (lock lock) for writers */
  SdQueueMode  mode;            /* fixed once the queue is in use */
  Ring         ring;            /* (lock lock): work mode: the items; broadcast mode: the
                                 * items kept while nobody subscribed */
  GPtrArray   *subscriptions;   /* (owned) (element-type Subscription) (lock lock) */
  guint        n_live;          /* (lock lock) */
  guint        wake_cursor;     /* (lock lock): round robin of wakes in work mode */
  GQueue       waiters;         /* (element-type Waiter) (owned) (lock lock) */

  /* Read without the lock by a trigger waiting for the next push: on a cache line of its
   * own, so that the trigger does not take the lock's line from producers */
  char         pad[CACHE_LINE];
  int          pushes;          /* (atomic): items inserted so far, written under the lock */
  char         pad_end[CACHE_LINE - sizeof (int)];
} SdQueuePrivate;

/* The defaults a queue type sets in class_init */
typedef struct
{
  guint       capacity;
  SdQueueMode mode;
} QueueDefaults;

/* One generation of a trigger with a scaling policy */
typedef struct
{
  int              ref_count;     /* (atomic) */
  SdQueueTrigger  *trigger;       /* (owned) */
  SdContext       *context;       /* (owned) */
  GMainContext    *main_context;  /* (owned): the lane's */
  SdClock         *clock;         /* (owned) */
  SdScalingPolicy *policy;        /* (owned): a snapshot taken at setup */
  guint            concurrency;   /* lane thread */
  int              in_flight;     /* (atomic) */
  int              active;        /* (atomic): between setup and teardown */
  GThreadPool     *pool;          /* (owned) (nullable): synchronous handlers */
  GSource         *cool_down;     /* (owned) (nullable): lane thread */
} Scaler;

typedef struct
{
  SdQueue         *source;          /* (owned) (nullable) */
  SdScalingPolicy *scaling_policy;  /* (owned) (nullable) */
  Subscription    *subscription;    /* (unowned): owned by the source, from the first setup
                                     * until dispose */
  SdMessage       *batch[BATCH_MAX + 1];  /* (owned): [batch_pos, batch_len) taken, not
                                           * handed out; lane thread */
  SdMessage       *handled[BATCH_MAX];    /* (owned): handed out from the current batch, a
                                           * second reference each; see release_handled() */
  guint            n_handled;
  guint            batch_pos;
  guint            batch_len;
  Scaler          *scaler;          /* (owned) (nullable): lane thread */
  guint            concurrency;     /* (atomic) */
  gboolean         streaming;       /* the last take found items; lane thread */
  gint64           spin_budget_us;  /* see take_batch(); lane thread */
} SdQueueTriggerPrivate;

typedef enum {
  PROP_CAPACITY = 1,
  PROP_MODE,
  N_QUEUE_PROPS
} SdQueueProperty;

static GParamSpec *queue_properties[N_QUEUE_PROPS];

typedef enum {
  PROP_SOURCE = 1,
  PROP_SCALING_POLICY,
  PROP_CONCURRENCY,
  N_TRIGGER_PROPS
} SdQueueTriggerProperty;

static GParamSpec *trigger_properties[N_TRIGGER_PROPS];

/**
 * sd_queue_error_quark:
 *
 * Gets the error domain of queues.
 *
 * Returns: the %SD_QUEUE_ERROR quark
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (sd-queue-error-quark, sd_queue_error)

G_DEFINE_TYPE_WITH_PRIVATE (SdQueue, sd_queue, SD_TYPE_PROVIDER)
G_DEFINE_TYPE_WITH_PRIVATE (SdQueueTrigger, sd_queue_trigger, SD_TYPE_TRIGGER)

/* Where sd_queue_type_set_defaults() keeps a type's QueueDefaults */
static GQuark
defaults_quark (void)
{
  return g_quark_from_static_string ("sd-queue-defaults");
}

/*
 * The queue's lock is held for a few dozen nanoseconds at a time, but a producer pushing as
 * fast as it can and a trigger taking its batches contend for it all the time. GMutex sleeps
 * in the kernel as soon as it finds the lock taken, and waking it up again costs more than
 * many critical sections: with more than one CPU, try a little longer first (as glibc's
 * adaptive mutexes do) before sleeping.
 */
#define LOCK_SPINS 100

#if defined(__x86_64__) || defined(__i386__)
# define cpu_relax() __builtin_ia32_pause ()
#elif defined(__aarch64__)
# define cpu_relax() __asm__ __volatile__ ("yield" ::: "memory")
#else
# define cpu_relax() do { } while (0)
#endif

/* How many messages of its batch ahead a trigger asks the CPU to fetch */
#define PREFETCH_AHEAD 4

#if defined(__GNUC__)
# define prefetch(address) __builtin_prefetch ((address), 1)
#else
# define prefetch(address) ((void) (address))
#endif

/* Whether spinning can pay: only when another CPU can make progress meanwhile */
static inline gboolean
can_spin (void)
{
  static int spin = -1;  /* (atomic) */
  int value = g_atomic_int_get (&spin);

  if G_UNLIKELY (value < 0)
    {
      value = g_get_num_processors () > 1;
      g_atomic_int_set (&spin, value);
    }

  return value;
}

static inline void
queue_lock (GMutex *lock)
{
  gboolean spin = can_spin ();

  for (guint i = 0; spin && i < LOCK_SPINS; i++)
    {
      if (g_mutex_trylock (lock))
        return;
      cpu_relax ();
    }

  g_mutex_lock (lock);
}

/* ---- the ring ---- */

static void
ring_grow (Ring *ring)
{
  guint size = ring->size ? ring->size * 2 : 16;
  SdMessage **items = g_new (SdMessage *, size);

  for (guint i = 0; i < ring->len; i++)
    items[i] = ring->items[(ring->head + i) & (ring->size - 1)];

  g_free (ring->items);
  ring->items = items;
  ring->size = size;
  ring->head = 0;
}

/* Takes ownership of @message */
static inline void
ring_push_tail (Ring      *ring,
                SdMessage *message)
{
  if G_UNLIKELY (ring->len == ring->size)
    ring_grow (ring);

  ring->items[(ring->head + ring->len) & (ring->size - 1)] = message;
  ring->len++;
}

/* Takes ownership of @message */
static void
ring_push_head (Ring      *ring,
                SdMessage *message)
{
  if (ring->len == ring->size)
    ring_grow (ring);

  ring->head = (ring->head - 1) & (ring->size - 1);
  ring->items[ring->head] = message;
  ring->len++;
}

/* Moves up to @n messages from the head of @ring into @out; returns how many */
static guint
ring_pop_many (Ring       *ring,
               SdMessage **out,
               guint       n)
{
  guint mask = ring->size - 1;

  n = MIN (n, ring->len);
  for (guint i = 0; i < n; i++)
    out[i] = ring->items[(ring->head + i) & mask];

  ring->head = (ring->head + n) & mask;
  ring->len -= n;

  return n;
}

/* Appends a reference of every message of @from to @to */
static void
ring_copy_into (Ring *from,
                Ring *to)
{
  for (guint i = 0; i < from->len; i++)
    ring_push_tail (to, sd_message_ref (from->items[(from->head + i) & (from->size - 1)]));
}

/* Moves every message of @from to the tail of @to */
static void
ring_move_into (Ring *from,
                Ring *to)
{
  while (from->len > 0)
    {
      SdMessage *message;

      ring_pop_many (from, &message, 1);
      ring_push_tail (to, message);
    }
}

static void
ring_clear (Ring *ring)
{
  for (guint i = 0; i < ring->len; i++)
    sd_message_unref (ring->items[(ring->head + i) & (ring->size - 1)]);

  g_clear_pointer (&ring->items, g_free);
  ring->size = ring->head = ring->len = 0;
}

/* Drops the messages but keeps the storage */
static void
ring_drain (Ring *ring)
{
  for (guint i = 0; i < ring->len; i++)
    sd_message_unref (ring->items[(ring->head + i) & (ring->size - 1)]);

  ring->head = ring->len = 0;
}

/* ---- waiters ---- */

static Waiter *
waiter_ref (Waiter *waiter)
{
  g_atomic_int_inc (&waiter->ref_count);
  return waiter;
}

static void
waiter_unref (gpointer data)
{
  Waiter *waiter = data;

  if (!g_atomic_int_dec_and_test (&waiter->ref_count))
    return;

  g_clear_pointer (&waiter->message, sd_message_unref);
  g_clear_object (&waiter->task);
  g_clear_object (&waiter->queue);
  g_clear_object (&waiter->cancellable);
  g_free (waiter);
}

/* ---- the queue, under its lock ---- */

static void
subscription_free (gpointer data)
{
  Subscription *subscription = data;

  ring_clear (&subscription->ring);
  g_free (subscription->name);
  g_free (subscription);
}

/* Items @subscription holds that its trigger has not taken for handling */
static inline guint
subscription_held (Subscription *subscription)
{
  return subscription->ring.len + (guint) g_atomic_int_get (&subscription->batch_left);
}

/* Items held for the consumers of a work queue */
static guint
work_held_locked (SdQueuePrivate *priv)
{
  guint held = priv->ring.len;

  for (guint i = 0; i < priv->subscriptions->len; i++)
    {
      Subscription *subscription = g_ptr_array_index (priv->subscriptions, i);

      held += (guint) g_atomic_int_get (&subscription->batch_left);
    }

  return held;
}

/* The subscription holding the most items of a broadcast queue, or NULL if none */
static Subscription *
slowest_locked (SdQueuePrivate *priv,
                guint          *held)
{
  Subscription *slowest = NULL;

  *held = 0;
  for (guint i = 0; i < priv->subscriptions->len; i++)
    {
      Subscription *subscription = g_ptr_array_index (priv->subscriptions, i);
      guint n = subscription_held (subscription);

      if (slowest == NULL || n > *held)
        {
          slowest = subscription;
          *held = n;
        }
    }

  return slowest;
}

/* How many items the fullest consumer (or the queue itself) holds */
static guint
length_locked (SdQueuePrivate *priv)
{
  guint held;

  if (priv->mode == SD_QUEUE_MODE_WORK)
    return work_held_locked (priv);

  if (slowest_locked (priv, &held) == NULL)
    return priv->ring.len;

  return held;
}

/* Whether one more item fits. The common case reads no shared counter. */
static inline gboolean
has_room_locked (SdQueuePrivate *priv)
{
  if (priv->mode == SD_QUEUE_MODE_WORK || priv->subscriptions->len == 0)
    {
      if (priv->ring.len + (priv->subscriptions->len * BATCH_MAX) < priv->capacity)
        return TRUE;
    }
  else if (priv->subscriptions->len == 1)
    {
      Subscription *subscription = g_ptr_array_index (priv->subscriptions, 0);

      if (subscription->ring.len + BATCH_MAX < priv->capacity)
        return TRUE;
    }

  return length_locked (priv) < priv->capacity;
}

/* Wakes a trigger outside the lock: its wait may complete synchronously and poll again */
typedef struct
{
  SdTrigger *inline_triggers[4];  /* (owned) */
  GPtrArray *more;                /* (owned) (nullable) (element-type SdTrigger) */
  guint      n;
  GSList    *admitted;            /* (owned) (element-type Waiter) */
} Wakes;

static void
wakes_add (Wakes          *wakes,
           SdQueueTrigger *trigger)
{
  if (wakes->n < G_N_ELEMENTS (wakes->inline_triggers))
    wakes->inline_triggers[wakes->n++] = g_object_ref (SD_TRIGGER (trigger));
  else
    {
      if (wakes->more == NULL)
        wakes->more = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (wakes->more, g_object_ref (trigger));
    }
}

static void
wakes_run (Wakes *wakes)
{
  for (guint i = 0; i < wakes->n; i++)
    {
      sd_trigger_wake (wakes->inline_triggers[i]);
      g_object_unref (wakes->inline_triggers[i]);
    }
  wakes->n = 0;

  for (guint i = 0; wakes->more != NULL && i < wakes->more->len; i++)
    sd_trigger_wake (g_ptr_array_index (wakes->more, i));
  g_clear_pointer (&wakes->more, g_ptr_array_unref);

  /* Producers whose items went in: complete their push */
  while (wakes->admitted != NULL)
    {
      Waiter *waiter = wakes->admitted->data;

      wakes->admitted = g_slist_delete_link (wakes->admitted, wakes->admitted);
      if (waiter->cancel_id != 0)
        g_cancellable_disconnect (waiter->cancellable, waiter->cancel_id);
      g_task_return_boolean (waiter->task, TRUE);
      g_clear_object (&waiter->task);
      waiter_unref (waiter);
    }
}

/* After an item arrived for @subscription: decide whether to wake its trigger */
static inline void
maybe_wake_locked (Subscription *subscription,
                   Wakes        *wakes)
{
  if (subscription->live && subscription->trigger != NULL &&
      subscription->ring.len > subscription->wake_above)
    {
      subscription->wake_above = G_MAXUINT;
      wakes_add (wakes, subscription->trigger);
    }
}

/* Work mode: wake one waiting consumer, round robin, if any */
static void
wake_one_locked (SdQueuePrivate *priv,
                 Wakes          *wakes)
{
  guint n = priv->subscriptions->len;

  for (guint i = 0; i < n; i++)
    {
      Subscription *subscription = g_ptr_array_index (priv->subscriptions, (priv->wake_cursor + i) % n);

      if (subscription->live && subscription->trigger != NULL &&
          priv->ring.len > subscription->wake_above)
        {
          subscription->wake_above = G_MAXUINT;
          priv->wake_cursor = (priv->wake_cursor + i + 1) % n;
          wakes_add (wakes, subscription->trigger);
          return;
        }
    }
}

/* Inserts @message (owned) into the queue; the caller checked for room */
static void
insert_locked (SdQueuePrivate *priv,
               SdMessage      *message,
               Wakes          *wakes)
{
  guint n = priv->subscriptions->len;

  g_atomic_int_inc (&priv->pushes);

  if (priv->mode == SD_QUEUE_MODE_WORK)
    {
      ring_push_tail (&priv->ring, message);
      if (n > 0)
        wake_one_locked (priv, wakes);
      return;
    }

  if (n == 0)
    {
      ring_push_tail (&priv->ring, message);
      return;
    }

  /* Broadcast: a push that finds subscribers releases what was kept for them */
  if G_UNLIKELY (priv->ring.len > 0)
    ring_drain (&priv->ring);

  for (guint i = 0; i < n; i++)
    {
      Subscription *subscription = g_ptr_array_index (priv->subscriptions, i);

      ring_push_tail (&subscription->ring, i + 1 < n ? sd_message_ref (message) : message);
      maybe_wake_locked (subscription, wakes);
    }
}

/* Admits waiting producers: the first only once the queue is at most half full (or
 * @force), then as many as fit */
static void
admit_waiters_locked (SdQueuePrivate *priv,
                      gboolean        force,
                      Wakes          *wakes)
{
  if (priv->waiters.length == 0)
    return;

  if (!force && length_locked (priv) > priv->capacity / 2)
    return;

  while (priv->waiters.length > 0 && has_room_locked (priv))
    {
      Waiter *waiter = g_queue_pop_head (&priv->waiters);

      waiter->done = TRUE;
      insert_locked (priv, g_steal_pointer (&waiter->message), wakes);
      /* The queue's reference moves to the list of admitted waiters */
      wakes->admitted = g_slist_append (wakes->admitted, waiter);
    }
}

static void
warn_slow_consumer_locked (SdQueue      *self,
                           Subscription *subscription,
                           guint         held)
{
  gint64 now = g_get_monotonic_time ();

  if (subscription->last_warning != 0 && now - subscription->last_warning < SLOW_WARNING_INTERVAL_US)
    return;

  subscription->last_warning = now;
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                    "SD_SERVICE", subscription->name,
                    "SD_QUEUE", G_OBJECT_TYPE_NAME (self),
                    "MESSAGE", _("The queue %s is full: its consumer %s is too slow (%u items not handled yet)"),
                    G_OBJECT_TYPE_NAME (self), subscription->name, held);
}

/* Sets the FULL error (and names a slow broadcast consumer) */
static void
set_full_error_locked (SdQueue  *self,
                       GError  **error)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  Subscription *slowest;
  guint held;

  if (priv->mode == SD_QUEUE_MODE_BROADCAST &&
      (slowest = slowest_locked (priv, &held)) != NULL && held >= priv->capacity)
    {
      warn_slow_consumer_locked (self, slowest, held);
      g_set_error (error, SD_QUEUE_ERROR, SD_QUEUE_ERROR_FULL,
                   _("The queue %s is full: the trigger %s has %u items it has not handled yet"),
                   G_OBJECT_TYPE_NAME (self), slowest->name, held);
      return;
    }

  g_set_error (error, SD_QUEUE_ERROR, SD_QUEUE_ERROR_FULL,
               _("The queue %s is full (%u items)"),
               G_OBJECT_TYPE_NAME (self), priv->capacity);
}

/* Pushes @message (owned); on FULL it is released */
static gboolean
push_take (SdQueue    *self,
           SdMessage  *message,
           GError    **error)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  Wakes wakes = { { NULL, }, NULL, 0, NULL };

  queue_lock (&priv->lock);
  if G_UNLIKELY (priv->waiters.length > 0 || !has_room_locked (priv))
    {
      set_full_error_locked (self, error);
      g_mutex_unlock (&priv->lock);
      sd_message_unref (message);
      return FALSE;
    }

  insert_locked (priv, message, &wakes);
  g_mutex_unlock (&priv->lock);

  if G_UNLIKELY (wakes.n > 0)
    wakes_run (&wakes);

  return TRUE;
}

/* Gives messages taken by @subscription back to the front of the queue, in order (@messages
 * are owned) */
static void
give_back_locked (SdQueuePrivate  *priv,
                  Subscription    *subscription,
                  SdMessage      **messages,
                  guint            n,
                  Wakes           *wakes)
{
  Ring *ring = priv->mode == SD_QUEUE_MODE_WORK ? &priv->ring : &subscription->ring;

  for (guint i = n; i > 0; i--)
    ring_push_head (ring, messages[i - 1]);

  if (n > 0 && priv->mode == SD_QUEUE_MODE_WORK)
    wake_one_locked (priv, wakes);
}

/* ---- the queue object ---- */

static void
sd_queue_dispose (GObject *object)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (SD_QUEUE (object));

  /* Every waiter holds a reference on the queue through its task */
  g_assert (priv->waiters.length == 0);

  G_OBJECT_CLASS (sd_queue_parent_class)->dispose (object);
}

static void
sd_queue_finalize (GObject *object)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (SD_QUEUE (object));

  ring_clear (&priv->ring);
  g_clear_pointer (&priv->subscriptions, g_ptr_array_unref);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (sd_queue_parent_class)->finalize (object);
}

static void
sd_queue_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  SdQueue *self = SD_QUEUE (object);

  switch ((SdQueueProperty) prop_id)
    {
    case PROP_CAPACITY:
      g_value_set_uint (value, sd_queue_get_capacity (self));
      break;

    case PROP_MODE:
      g_value_set_enum (value, sd_queue_get_mode (self));
      break;

    case N_QUEUE_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_queue_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  SdQueue *self = SD_QUEUE (object);
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  Wakes wakes = { { NULL, }, NULL, 0, NULL };
  gboolean changed = FALSE;

  switch ((SdQueueProperty) prop_id)
    {
    case PROP_CAPACITY:
      queue_lock (&priv->lock);
      changed = priv->capacity != g_value_get_uint (value);
      priv->capacity = g_value_get_uint (value);
      admit_waiters_locked (priv, TRUE, &wakes);
      g_mutex_unlock (&priv->lock);
      wakes_run (&wakes);
      break;

    case PROP_MODE:
      queue_lock (&priv->lock);
      if (priv->subscriptions->len > 0 || priv->ring.len > 0 || priv->waiters.length > 0)
        {
          g_mutex_unlock (&priv->lock);
          g_critical ("The mode of queue %s cannot change once it is in use", G_OBJECT_TYPE_NAME (self));
          return;
        }
      changed = priv->mode != (SdQueueMode) g_value_get_enum (value);
      priv->mode = g_value_get_enum (value);
      g_mutex_unlock (&priv->lock);
      break;

    case N_QUEUE_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  if (changed)
    g_object_notify_by_pspec (object, pspec);
}

/* The class defaults; properties given to g_object_new() are set after this */
static void
sd_queue_constructed (GObject *object)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (SD_QUEUE (object));

  G_OBJECT_CLASS (sd_queue_parent_class)->constructed (object);

  for (GType type = G_OBJECT_TYPE (object); type != 0 && g_type_is_a (type, SD_TYPE_QUEUE); type = g_type_parent (type))
    {
      QueueDefaults *defaults = g_type_get_qdata (type, defaults_quark ());

      if (defaults == NULL)
        continue;

      priv->capacity = defaults->capacity;
      priv->mode = defaults->mode;
      break;
    }
}

static void
sd_queue_class_init (SdQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_queue_dispose;
  object_class->finalize = sd_queue_finalize;
  object_class->get_property = sd_queue_get_property;
  object_class->set_property = sd_queue_set_property;
  object_class->constructed = sd_queue_constructed;

  /**
   * SdQueue:capacity:
   *
   * How many items the queue holds for its consumers before sd_queue_push() reports
   * %SD_QUEUE_ERROR_FULL: in broadcast mode, per subscribed trigger (the slowest counts).
   * The default comes from sd_queue_type_set_defaults(), else 100. It may change at any
   * time, from any thread; lowering it drops nothing.
   *
   * Since: 1.0
   */
  queue_properties[PROP_CAPACITY] =
    g_param_spec_uint ("capacity", NULL, NULL,
                       1, G_MAXINT, 100,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdQueue:mode:
   *
   * How the queue hands its items to its triggers. The default comes from
   * sd_queue_type_set_defaults(), else %SD_QUEUE_MODE_BROADCAST. It can only be set
   * before the queue is first used.
   *
   * Since: 1.0
   */
  queue_properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL,
                       SD_TYPE_QUEUE_MODE, SD_QUEUE_MODE_BROADCAST,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_QUEUE_PROPS, queue_properties);
}

static void
sd_queue_init (SdQueue *self)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);

  g_mutex_init (&priv->lock);
  priv->capacity = 100;
  priv->mode = SD_QUEUE_MODE_BROADCAST;
  priv->subscriptions = g_ptr_array_new_with_free_func (subscription_free);
  g_queue_init (&priv->waiters);
}

/**
 * sd_queue_new:
 * @capacity: the capacity, at least 1
 * @mode: the mode
 *
 * Creates a queue. Applications usually subclass #SdQueue instead, so that the daemon
 * injects it by type; a queue made here is handed to a daemon with
 * sd_daemon_add_provider().
 *
 * Returns: (transfer full): a new #SdQueue
 *
 * Since: 1.0
 */
SdQueue *
sd_queue_new (guint       capacity,
              SdQueueMode mode)
{
  g_return_val_if_fail (capacity >= 1, NULL);

  return g_object_new (SD_TYPE_QUEUE, "capacity", capacity, "mode", mode, NULL);
}

/**
 * sd_queue_type_set_defaults:
 * @queue_type: a queue type
 * @capacity: the default #SdQueue:capacity of its instances, at least 1
 * @mode: the default #SdQueue:mode of its instances
 *
 * Sets the capacity and mode that instances of @queue_type (and of its subtypes that set
 * none of their own) get when they are not given to g_object_new(). Call it in
 * `class_init`.
 *
 * Since: 1.0
 */
void
sd_queue_type_set_defaults (GType       queue_type,
                            guint       capacity,
                            SdQueueMode mode)
{
  QueueDefaults *defaults;

  g_return_if_fail (g_type_is_a (queue_type, SD_TYPE_QUEUE));
  g_return_if_fail (capacity >= 1);
  g_return_if_fail (mode == SD_QUEUE_MODE_BROADCAST || mode == SD_QUEUE_MODE_WORK);

  defaults = g_type_get_qdata (queue_type, defaults_quark ());
  if (defaults == NULL)
    {
      /* Types are never unloaded: the defaults live as long as their type */
      defaults = g_new0 (QueueDefaults, 1);
      g_type_set_qdata (queue_type, defaults_quark (), defaults);
    }

  defaults->capacity = capacity;
  defaults->mode = mode;
}

/**
 * sd_queue_get_capacity:
 * @self: a #SdQueue
 *
 * Gets #SdQueue:capacity.
 *
 * Returns: the capacity
 *
 * Since: 1.0
 */
guint
sd_queue_get_capacity (SdQueue *self)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);

  g_return_val_if_fail (SD_IS_QUEUE (self), 0);

  return priv->capacity;
}

/**
 * sd_queue_get_mode:
 * @self: a #SdQueue
 *
 * Gets #SdQueue:mode.
 *
 * Returns: the mode
 *
 * Since: 1.0
 */
SdQueueMode
sd_queue_get_mode (SdQueue *self)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);

  g_return_val_if_fail (SD_IS_QUEUE (self), SD_QUEUE_MODE_BROADCAST);

  return priv->mode;
}

/**
 * sd_queue_get_length:
 * @self: a #SdQueue
 *
 * Gets how many items the queue holds that no handler has started on: in work mode, all
 * of them; in broadcast mode, those of the slowest subscriber (or those kept while no
 * trigger is subscribed). A push fails with %SD_QUEUE_ERROR_FULL when this reaches
 * #SdQueue:capacity.
 *
 * Returns: the number of items waiting
 *
 * Since: 1.0
 */
guint
sd_queue_get_length (SdQueue *self)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  guint length;

  g_return_val_if_fail (SD_IS_QUEUE (self), 0);

  queue_lock (&priv->lock);
  length = length_locked (priv);
  g_mutex_unlock (&priv->lock);

  return length;
}

/**
 * sd_queue_get_n_subscribers:
 * @self: a #SdQueue
 *
 * Gets how many queue triggers are set up on @self right now.
 *
 * Returns: the number of subscribed triggers
 *
 * Since: 1.0
 */
guint
sd_queue_get_n_subscribers (SdQueue *self)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  guint n;

  g_return_val_if_fail (SD_IS_QUEUE (self), 0);

  queue_lock (&priv->lock);
  n = priv->n_live;
  g_mutex_unlock (&priv->lock);

  return n;
}

/**
 * sd_queue_push_message:
 * @self: a #SdQueue
 * @message: the message
 *
 * Adds @message to the queue, without blocking. Safe to call from any thread. In
 * broadcast mode every subscribed trigger receives the same message object.
 *
 * Returns: %TRUE if the message was accepted; %FALSE with %SD_QUEUE_ERROR_FULL if the
 *   queue is full (or producers are waiting in sd_queue_push_async())
 *
 * Since: 1.0
 */
gboolean
sd_queue_push_message (SdQueue    *self,
                       SdMessage  *message,
                       GError    **error)
{
  g_return_val_if_fail (SD_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return push_take (self, sd_message_ref (message), error);
}

/**
 * sd_queue_push:
 * @self: a #SdQueue
 * @payload: (nullable): the payload; a floating reference is sunk
 * @error: return location for a #GError
 *
 * Adds a new message carrying @payload to the queue, without blocking. Safe to call from
 * any thread; called from a handler, the message is a child of the one it handles (see
 * sd_message_new()).
 *
 * Returns: %TRUE if the item was accepted; %FALSE with %SD_QUEUE_ERROR_FULL if the queue is
 *   full (or producers are waiting in sd_queue_push_async())
 *
 * Since: 1.0
 */
gboolean
sd_queue_push (SdQueue   *self,
               GVariant  *payload,
               GError   **error)
{
  g_return_val_if_fail (SD_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return push_take (self, sd_message_new (payload), error);
}

static void
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      data)
{
  Waiter *waiter = data;
  SdQueuePrivate *priv = sd_queue_get_instance_private (waiter->queue);
  g_autoptr(GTask) task = NULL;
  g_autoptr(SdMessage) message = NULL;
  gboolean removed = FALSE;

  queue_lock (&priv->lock);
  if (!waiter->done)
    {
      waiter->done = TRUE;
      removed = g_queue_remove (&priv->waiters, waiter);
      task = g_steal_pointer (&waiter->task);
      message = g_steal_pointer (&waiter->message);
    }
  g_mutex_unlock (&priv->lock);

  if (task != NULL)
    g_task_return_error_if_cancelled (task);
  if (removed)
    waiter_unref (waiter);  /* the queue's reference */
}

static void
push_wait (SdQueue             *self,
           SdMessage           *message,
           GCancellable        *cancellable,
           gpointer             source_tag,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Wakes wakes = { { NULL, }, NULL, 0, NULL };
  Waiter *waiter;
  gulong cancel_id;
  gboolean disconnect;

  g_task_set_source_tag (task, source_tag);

  if (g_task_return_error_if_cancelled (task))
    {
      sd_message_unref (message);
      return;
    }

  queue_lock (&priv->lock);
  if (priv->waiters.length == 0 && has_room_locked (priv))
    {
      insert_locked (priv, message, &wakes);
      g_mutex_unlock (&priv->lock);
      wakes_run (&wakes);
      g_task_return_boolean (task, TRUE);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->ref_count = 1;  /* the queue's, while waiting */
  waiter->queue = g_object_ref (self);
  waiter->message = message;
  waiter->task = g_object_ref (task);
  waiter->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  g_queue_push_tail (&priv->waiters, waiter);
  if (cancellable != NULL)
    waiter_ref (waiter);  /* kept until the handler is connected */
  g_mutex_unlock (&priv->lock);

  if (cancellable == NULL)
    return;

  /* May run the handler at once, which takes the lock */
  cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (waiter_cancelled_cb),
                                     waiter_ref (waiter), waiter_unref);

  queue_lock (&priv->lock);
  disconnect = waiter->done;
  if (!waiter->done)
    waiter->cancel_id = cancel_id;
  g_mutex_unlock (&priv->lock);

  /* Admitted (or cancelled) in the meantime: the completion did not know the handler */
  if (disconnect && cancel_id != 0)
    g_cancellable_disconnect (cancellable, cancel_id);

  waiter_unref (waiter);
}

/**
 * sd_queue_push_message_async:
 * @self: a #SdQueue
 * @message: the message
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the message is accepted
 * @user_data: data for @callback
 *
 * Adds @message to the queue, waiting for room if it is full: the backpressure for
 * producers that can wait. Waiting producers are admitted in order, once the queue has
 * drained to half its capacity. Safe to call from any thread; @callback runs on the
 * thread-default main context of the caller.
 *
 * Since: 1.0
 */
void
sd_queue_push_message_async (SdQueue             *self,
                             SdMessage           *message,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (SD_IS_QUEUE (self));
  g_return_if_fail (message != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  push_wait (self, sd_message_ref (message), cancellable, sd_queue_push_message_async,
             callback, user_data);
}

/**
 * sd_queue_push_message_finish:
 * @self: a #SdQueue
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_queue_push_message_async().
 *
 * Returns: %TRUE if the message was accepted; %FALSE if the push was cancelled
 *
 * Since: 1.0
 */
gboolean
sd_queue_push_message_finish (SdQueue       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (SD_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sd_queue_push_message_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * sd_queue_push_async:
 * @self: a #SdQueue
 * @payload: (nullable): the payload; a floating reference is sunk
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the item is accepted
 * @user_data: data for @callback
 *
 * Adds a new message carrying @payload to the queue, waiting for room if it is full. See
 * sd_queue_push_message_async().
 *
 * Since: 1.0
 */
void
sd_queue_push_async (SdQueue             *self,
                     GVariant            *payload,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (SD_IS_QUEUE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  push_wait (self, sd_message_new (payload), cancellable, sd_queue_push_async,
             callback, user_data);
}

/**
 * sd_queue_push_finish:
 * @self: a #SdQueue
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_queue_push_async().
 *
 * Returns: %TRUE if the item was accepted; %FALSE if the push was cancelled
 *
 * Since: 1.0
 */
gboolean
sd_queue_push_finish (SdQueue       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (SD_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sd_queue_push_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- subscriptions (called by the trigger) ---- */

static Subscription *
queue_subscribe (SdQueue        *self,
                 SdQueueTrigger *trigger,
                 Subscription   *subscription)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);

  queue_lock (&priv->lock);
  if (subscription == NULL)
    {
      subscription = g_new0 (Subscription, 1);
      subscription->trigger = trigger;
      subscription->name = g_strdup (sd_service_get_name (SD_SERVICE (trigger)));

      /* Broadcast: a new subscriber gets what was kept while nobody listened */
      if (priv->mode == SD_QUEUE_MODE_BROADCAST)
        ring_copy_into (&priv->ring, &subscription->ring);

      g_ptr_array_add (priv->subscriptions, subscription);
    }

  g_assert (!subscription->live);
  subscription->live = TRUE;
  subscription->wake_above = G_MAXUINT;  /* the first poll comes right after setup */
  priv->n_live++;
  g_mutex_unlock (&priv->lock);

  return subscription;
}

/* The end of a generation: gives back @n messages taken but not handled (owned) */
static void
queue_pause (SdQueue       *self,
             Subscription  *subscription,
             SdMessage    **messages,
             guint          n)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  Wakes wakes = { { NULL, }, NULL, 0, NULL };

  queue_lock (&priv->lock);
  g_assert (subscription->live);
  subscription->live = FALSE;
  subscription->wake_above = G_MAXUINT;
  priv->n_live--;
  g_atomic_int_set (&subscription->batch_left, 0);
  give_back_locked (priv, subscription, messages, n, &wakes);
  admit_waiters_locked (priv, TRUE, &wakes);
  g_mutex_unlock (&priv->lock);

  wakes_run (&wakes);
}

/* The trigger is going away: its subscription ends; @n messages it took but did not hand
 * out (owned) go back first */
static void
queue_unsubscribe (SdQueue       *self,
                   Subscription  *subscription,
                   SdMessage    **messages,
                   guint          n)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  Wakes wakes = { { NULL, }, NULL, 0, NULL };

  queue_lock (&priv->lock);
  if (subscription->live)
    {
      subscription->live = FALSE;
      priv->n_live--;
    }
  subscription->trigger = NULL;
  g_atomic_int_set (&subscription->batch_left, 0);
  give_back_locked (priv, subscription, messages, n, &wakes);

  /* The last broadcast subscriber leaves what it did not take for the next one (what was
   * kept before it subscribed went to it as well) */
  if (priv->mode == SD_QUEUE_MODE_BROADCAST && priv->subscriptions->len == 1)
    {
      ring_drain (&priv->ring);
      ring_move_into (&subscription->ring, &priv->ring);
    }

  g_ptr_array_remove_fast (priv->subscriptions, subscription);
  priv->wake_cursor = 0;
  admit_waiters_locked (priv, TRUE, &wakes);
  g_mutex_unlock (&priv->lock);

  wakes_run (&wakes);
}

/* Gives one message back (owned) outside a generation: a scaled dispatch that did not
 * complete */
static void
queue_give_back (SdQueue      *self,
                 Subscription *subscription,
                 SdMessage    *message)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  Wakes wakes = { { NULL, }, NULL, 0, NULL };

  queue_lock (&priv->lock);
  give_back_locked (priv, subscription, &message, 1, &wakes);
  g_mutex_unlock (&priv->lock);

  wakes_run (&wakes);
}

/*
 * Takes up to @max messages for @subscription into @out. Then, if the queue still holds
 * items for @subscription, its trigger is woken once it holds more than @wake_above
 * (G_MAXUINT: never); if it holds none, with @arm, by the next push; without, not at all:
 * the trigger takes again before it waits. Returns the number taken and, in @pushes, the
 * queue's push count it saw.
 */
static guint
queue_take (SdQueue       *self,
            Subscription  *subscription,
            SdMessage    **out,
            guint          max,
            guint          wake_above,
            gboolean       arm,
            int           *pushes)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  Wakes wakes = { { NULL, }, NULL, 0, NULL };
  Ring *ring;
  guint n;

  queue_lock (&priv->lock);

  if (priv->mode == SD_QUEUE_MODE_WORK)
    {
      ring = &priv->ring;
      /* Leave a fair share to the other consumers */
      if (priv->n_live > 1)
        max = MIN (max, MAX (1, ring->len / priv->n_live));
    }
  else
    ring = &subscription->ring;

  n = ring_pop_many (ring, out, max);
  g_atomic_int_set (&subscription->batch_left, (int) n);

  if (ring->len > 0)
    subscription->wake_above = wake_above;
  else
    subscription->wake_above = arm ? 0 : G_MAXUINT;

  if (pushes != NULL)
    *pushes = g_atomic_int_get (&priv->pushes);

  admit_waiters_locked (priv, FALSE, &wakes);

  /* Work mode: left-overs another idle consumer can take */
  if (priv->mode == SD_QUEUE_MODE_WORK && ring->len > 0 && n > 0)
    wake_one_locked (priv, &wakes);

  g_mutex_unlock (&priv->lock);

  if G_UNLIKELY (wakes.n > 0 || wakes.admitted != NULL)
    wakes_run (&wakes);

  return n;
}

/* How many items wait for @subscription (work mode: for all consumers) */
static guint
queue_backlog (SdQueue      *self,
               Subscription *subscription)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (self);
  guint backlog;

  queue_lock (&priv->lock);
  backlog = priv->mode == SD_QUEUE_MODE_WORK ? priv->ring.len : subscription->ring.len;
  g_mutex_unlock (&priv->lock);

  return backlog;
}

/* ---- scaling ---- */

static Scaler *
scaler_ref (Scaler *scaler)
{
  g_atomic_int_inc (&scaler->ref_count);
  return scaler;
}

static void
scaler_unref (Scaler *scaler)
{
  if (!g_atomic_int_dec_and_test (&scaler->ref_count))
    return;

  g_assert (scaler->cool_down == NULL);
  g_assert (scaler->pool == NULL);
  g_clear_object (&scaler->policy);
  g_clear_object (&scaler->clock);
  g_clear_pointer (&scaler->main_context, g_main_context_unref);
  g_clear_object (&scaler->context);
  g_clear_object (&scaler->trigger);
  g_free (scaler);
}

static void
scaler_set_concurrency (Scaler *scaler,
                        guint   concurrency)
{
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (scaler->trigger);

  if (scaler->concurrency == concurrency)
    return;

  scaler->concurrency = concurrency;
  if (scaler->pool != NULL)
    g_thread_pool_set_max_threads (scaler->pool, (int) concurrency, NULL);

  g_atomic_int_set (&priv->concurrency, concurrency);
  g_object_notify_by_pspec (G_OBJECT (scaler->trigger), trigger_properties[PROP_CONCURRENCY]);
}

static gboolean cool_down_cb (gpointer data);

/* (Re)starts the cool-down: after it, the concurrency may shrink one step */
static void
scaler_arm_cool_down (Scaler *scaler)
{
  if (scaler->cool_down != NULL)
    {
      g_source_destroy (scaler->cool_down);
      g_clear_pointer (&scaler->cool_down, g_source_unref);
    }

  if (scaler->concurrency <= sd_scaling_policy_get_initial (scaler->policy))
    return;

  scaler->cool_down = sd_clock_create_timeout_source (scaler->clock,
                                                      sd_scaling_policy_get_cool_down_ms (scaler->policy));
  g_source_set_static_name (scaler->cool_down, "[sd] queue trigger cool-down");
  g_source_set_callback (scaler->cool_down, cool_down_cb, scaler, NULL);
  g_source_attach (scaler->cool_down, scaler->main_context);
}

static gboolean
cool_down_cb (gpointer data)
{
  Scaler *scaler = data;
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (scaler->trigger);
  guint smaller = sd_scaling_policy_compute_shrink (scaler->policy, scaler->concurrency);
  guint backlog = queue_backlog (priv->source, priv->subscription);

  g_clear_pointer (&scaler->cool_down, g_source_unref);

  /* Low enough for the smaller concurrency: shrink one step */
  if ((guint64) backlog <= (guint64) sd_scaling_policy_get_threshold (scaler->policy) * smaller)
    scaler_set_concurrency (scaler, smaller);

  scaler_arm_cool_down (scaler);

  return G_SOURCE_REMOVE;
}

/* A scaled dispatch ended (any thread) */
static void
scaler_finish_one (Scaler    *scaler,
                   SdMessage *message,
                   gboolean   handled)
{
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (scaler->trigger);

  /* Stopped before it was handled: back to the queue for the next generation */
  if (!handled && g_cancellable_is_cancelled (G_CANCELLABLE (scaler->context)))
    queue_give_back (priv->source, priv->subscription, sd_message_ref (message));

  g_atomic_int_add (&scaler->in_flight, -1);
  if (g_atomic_int_get (&scaler->active))
    sd_trigger_wake (SD_TRIGGER (scaler->trigger));
}

typedef struct
{
  gboolean  done;
  gboolean  handled;
} WorkerWait;

static void
worker_dispatch_done_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      data)
{
  WorkerWait *wait = data;

  wait->handled = sd_trigger_dispatch_finish (SD_TRIGGER (object), result, NULL);
  wait->done = TRUE;
}

static void
worker_context_free (gpointer data)
{
  g_main_context_unref (data);
}

/* A synchronous handler in a worker thread: the dispatch runs on a context of the thread's
 * own, iterated until it completes (retry delays included) */
static void
worker_run (gpointer data,
            gpointer user_data)
{
  static GPrivate worker_context = G_PRIVATE_INIT (worker_context_free);
  Scaler *scaler = user_data;
  g_autoptr(SdMessage) message = data;
  GMainContext *context = g_private_get (&worker_context);
  WorkerWait wait = { FALSE, FALSE };

  if (context == NULL)
    {
      context = g_main_context_new ();
      g_private_set (&worker_context, context);
    }

  g_main_context_push_thread_default (context);
  sd_trigger_dispatch_async (SD_TRIGGER (scaler->trigger), scaler->context, message,
                             G_CANCELLABLE (scaler->context), worker_dispatch_done_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  scaler_finish_one (scaler, message, wait.handled);
  scaler_unref (scaler);
}

typedef struct
{
  Scaler    *scaler;   /* (owned) */
  SdMessage *message;  /* (owned) */
} LaneDispatch;

static void
lane_dispatch_done_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      data)
{
  LaneDispatch *dispatch = data;
  gboolean handled = sd_trigger_dispatch_finish (SD_TRIGGER (object), result, NULL);

  scaler_finish_one (dispatch->scaler, dispatch->message, handled);
  scaler_unref (dispatch->scaler);
  sd_message_unref (dispatch->message);
  g_free (dispatch);
}

/* Starts @message (owned) in a free slot */
static void
scaler_start (Scaler    *scaler,
              SdMessage *message)
{
  g_atomic_int_inc (&scaler->in_flight);

  if (scaler->pool != NULL)
    {
      /* The worker's reference, taken before it can run */
      scaler_ref (scaler);
      g_thread_pool_push (scaler->pool, message, NULL);
      return;
    }

  {
    LaneDispatch *dispatch = g_new (LaneDispatch, 1);

    dispatch->scaler = scaler_ref (scaler);
    dispatch->message = message;
    sd_trigger_dispatch_async (SD_TRIGGER (scaler->trigger), scaler->context, message,
                               G_CANCELLABLE (scaler->context), lane_dispatch_done_cb, dispatch);
  }
}

/*
 * The poll of a scaling trigger: grows if the backlog says so, fills the free slots and
 * returns no message (the dispatches run on their own; each completion wakes the trigger,
 * which polls again).
 */
static void
scaler_poll (Scaler *scaler)
{
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (scaler->trigger);
  SdMessage *taken[BATCH_MAX];
  guint threshold = sd_scaling_policy_get_threshold (scaler->policy);
  guint max = MAX (sd_scaling_policy_get_max (scaler->policy), sd_scaling_policy_get_initial (scaler->policy));
  guint backlog = queue_backlog (priv->source, priv->subscription);
  guint in_flight = (guint) g_atomic_int_get (&scaler->in_flight);
  guint free_slots, wake_above, n;
  gboolean grow_more = FALSE;

  /* One growth step per poll, so that every step is seen */
  if ((guint64) backlog > (guint64) threshold * scaler->concurrency && scaler->concurrency < max)
    {
      scaler_set_concurrency (scaler, sd_scaling_policy_compute_grow (scaler->policy, scaler->concurrency));
      scaler_arm_cool_down (scaler);
      grow_more = scaler->concurrency < max &&
                  (guint64) backlog > (guint64) threshold * scaler->concurrency;
    }

  free_slots = scaler->concurrency > in_flight ? scaler->concurrency - in_flight : 0;

  /* With every slot busy, a push wakes the trigger only when it could grow */
  wake_above = scaler->concurrency < max ? threshold * scaler->concurrency : G_MAXUINT;
  n = queue_take (priv->source, priv->subscription, taken, MIN (free_slots, BATCH_MAX),
                  wake_above, TRUE, NULL);
  g_atomic_int_set (&priv->subscription->batch_left, 0);

  for (guint i = 0; i < n; i++)
    scaler_start (scaler, taken[i]);

  if (grow_more)
    sd_trigger_wake (SD_TRIGGER (scaler->trigger));
}

static void
scaler_stop (Scaler *scaler)
{
  g_atomic_int_set (&scaler->active, FALSE);

  if (scaler->cool_down != NULL)
    {
      g_source_destroy (scaler->cool_down);
      g_clear_pointer (&scaler->cool_down, g_source_unref);
    }

  /* Queued dispatches still run: they see the cancelled context and give their message
   * back. Running handlers finish in the background; nothing waits for them here. */
  if (scaler->pool != NULL)
    g_thread_pool_free (g_steal_pointer (&scaler->pool), FALSE, FALSE);
}

/* ---- the trigger ---- */

/*
 * The messages of a queue usually share their payload, whose reference count producers
 * raise: if the trigger dropped each message after its handler, that count's cache line
 * would travel between the two CPUs twice per message. So the trigger keeps a second
 * reference to the messages it hands out and drops them together before its next take (and
 * before it sleeps or stops): at most one batch is kept a little longer.
 */
static void
release_handled (SdQueueTriggerPrivate *priv)
{
  for (guint i = 0; i < priv->n_handled; i++)
    sd_message_unref (priv->handled[i]);
  priv->n_handled = 0;
}

static void
sd_queue_trigger_dispose (GObject *object)
{
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (SD_QUEUE_TRIGGER (object));

  /* A generation holds a reference: only a generation that never tore down leaves these */
  if (priv->scaler != NULL)
    {
      scaler_stop (priv->scaler);
      g_clear_pointer (&priv->scaler, scaler_unref);
    }

  release_handled (priv);

  if (priv->subscription != NULL)
    {
      queue_unsubscribe (priv->source, g_steal_pointer (&priv->subscription),
                         priv->batch + priv->batch_pos, priv->batch_len - priv->batch_pos);
      priv->batch_pos = priv->batch_len = 0;
    }

  g_clear_object (&priv->source);
  g_clear_object (&priv->scaling_policy);

  G_OBJECT_CLASS (sd_queue_trigger_parent_class)->dispose (object);
}

static void
sd_queue_trigger_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SdQueueTrigger *self = SD_QUEUE_TRIGGER (object);
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (self);

  switch ((SdQueueTriggerProperty) prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, priv->source);
      break;

    case PROP_SCALING_POLICY:
      g_value_set_object (value, priv->scaling_policy);
      break;

    case PROP_CONCURRENCY:
      g_value_set_uint (value, sd_queue_trigger_get_concurrency (self));
      break;

    case N_TRIGGER_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_queue_trigger_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SdQueueTrigger *self = SD_QUEUE_TRIGGER (object);
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (self);

  switch ((SdQueueTriggerProperty) prop_id)
    {
    case PROP_SOURCE:
      priv->source = g_value_dup_object (value);
      break;

    case PROP_SCALING_POLICY:
      sd_queue_trigger_set_scaling_policy (self, g_value_get_object (value));
      break;

    case PROP_CONCURRENCY:
    case N_TRIGGER_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
sd_queue_trigger_setup (SdTrigger  *trigger,
                        SdContext  *context,
                        GError    **error)
{
  SdQueueTrigger *self = SD_QUEUE_TRIGGER (trigger);
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (self);

  if (priv->source == NULL)
    {
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                   _("The queue trigger %s has no source"), sd_service_get_name (SD_SERVICE (trigger)));
      return FALSE;
    }

  g_assert (priv->scaler == NULL);
  g_assert (priv->batch_pos == priv->batch_len);

  if (priv->scaling_policy != NULL)
    {
      Scaler *scaler = g_new0 (Scaler, 1);
      SdScalingPolicy *policy = priv->scaling_policy;

      scaler->ref_count = 1;
      scaler->trigger = g_object_ref (self);
      scaler->context = g_object_ref (context);
      scaler->main_context = g_main_context_ref_thread_default ();
      scaler->clock = g_object_ref (sd_context_get_clock (context));
      scaler->policy = g_object_new (SD_TYPE_SCALING_POLICY,
                                     "initial", sd_scaling_policy_get_initial (policy),
                                     "max", sd_scaling_policy_get_max (policy),
                                     "factor", sd_scaling_policy_get_factor (policy),
                                     "threshold", sd_scaling_policy_get_threshold (policy),
                                     "cool-down-ms", sd_scaling_policy_get_cool_down_ms (policy),
                                     NULL);
      scaler->active = TRUE;

      if (SD_TRIGGER_GET_CLASS (trigger)->handle_async == NULL)
        {
          scaler->pool = g_thread_pool_new (worker_run, scaler,
                                            (int) sd_scaling_policy_get_initial (policy),
                                            FALSE, error);
          if (scaler->pool == NULL)
            {
              scaler_stop (scaler);
              scaler_unref (scaler);
              return FALSE;
            }
        }

      priv->scaler = scaler;
      scaler_set_concurrency (scaler, sd_scaling_policy_get_initial (policy));
    }

  priv->subscription = queue_subscribe (priv->source, self, priv->subscription);

  return TRUE;
}

static void
sd_queue_trigger_teardown (SdTrigger *trigger,
                           SdContext *context)
{
  SdQueueTrigger *self = SD_QUEUE_TRIGGER (trigger);
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (self);

  /* Every message taken and not handed out goes back, in order */
  release_handled (priv);
  queue_pause (priv->source, priv->subscription, priv->batch + priv->batch_pos,
               priv->batch_len - priv->batch_pos);
  priv->batch_pos = priv->batch_len = 0;

  if (priv->scaler != NULL)
    {
      Scaler *scaler = g_steal_pointer (&priv->scaler);
      guint initial = sd_scaling_policy_get_initial (scaler->policy);

      scaler_stop (scaler);
      scaler_unref (scaler);

      if ((guint) g_atomic_int_get (&priv->concurrency) != initial)
        {
          g_atomic_int_set (&priv->concurrency, initial);
          g_object_notify_by_pspec (G_OBJECT (self), trigger_properties[PROP_CONCURRENCY]);
        }
    }
}

/*
 * A trigger keeping up with a fast producer empties its queue every few items. Going to
 * sleep then costs both sides far more than the items themselves (the producer wakes the
 * trigger's lane; the lane completes a wait), and taking the items one by one as they come
 * makes both sides fight for the queue's lock. So a trigger that finds its queue empty right
 * after a batch first watches the queue's push count for a moment, without the lock, as an
 * adaptive mutex spins before it sleeps:
 *
 * - it waits for the next push at most its budget, between SPIN_MIN_US and SPIN_MAX_US: the
 *   budget doubles each time the watch ended with items for the trigger and halves each
 *   time it did not (nothing came, or another consumer of a work queue took it), so that a
 *   producer pushing now and then costs the trigger's CPU next to nothing;
 * - once items come again, it lets up to COALESCE_ITEMS of them gather, for at most
 *   COALESCE_US, and takes them together.
 *
 * It only happens with more than one CPU, and only while items flow: an idle trigger sleeps
 * at once.
 */
#define SPIN_MAX_US 8
#define SPIN_MIN_US 1
#define COALESCE_ITEMS 32
#define COALESCE_US 2
#define SPIN_PAUSES 16

/* Waits up to @budget_us microseconds for a push after the count @pushes, then lets a few
 * more gather */
static void
spin_for_push (SdQueue *queue,
               int      pushes,
               gint64   budget_us)
{
  SdQueuePrivate *priv = sd_queue_get_instance_private (queue);
  gint64 deadline = g_get_monotonic_time () + budget_us;
  gboolean came = FALSE;

  for (;;)
    {
      int seen = g_atomic_int_get (&priv->pushes) - pushes;

      if (seen >= COALESCE_ITEMS)
        return;

      if (seen > 0 && !came)
        {
          /* The first came: from now on, gather */
          came = TRUE;
          deadline = g_get_monotonic_time () + COALESCE_US;
        }
      else if (g_get_monotonic_time () >= deadline)
        return;

      /* Each look at the count takes its line from the producer: not too often */
      for (guint i = 0; i < SPIN_PAUSES; i++)
        cpu_relax ();
    }
}

/* Takes the next batch into priv->batch; 0 when the queue has nothing for the trigger,
 * which is then woken by the next push */
static guint
take_batch (SdQueueTriggerPrivate *priv)
{
  int pushes;
  guint n;

  release_handled (priv);
  n = queue_take (priv->source, priv->subscription, priv->batch, BATCH_MAX, G_MAXUINT,
                  FALSE, &pushes);

  if (n == 0)
    {
      gboolean watched = priv->streaming && can_spin ();

      if (watched)
        spin_for_push (priv->source, pushes, priv->spin_budget_us);

      /* The last take before a wait asks for a wake */
      n = queue_take (priv->source, priv->subscription, priv->batch, BATCH_MAX, G_MAXUINT,
                      TRUE, NULL);

      /* The watch paid if it ended with items for this trigger: in a work queue, another
       * consumer may have taken them first */
      if (watched && n > 0)
        priv->spin_budget_us = MIN (priv->spin_budget_us * 2, SPIN_MAX_US);
      else if (watched)
        priv->spin_budget_us = MAX (priv->spin_budget_us / 2, SPIN_MIN_US);
    }

  priv->streaming = n > 0;

  return n;
}

/* The hot path: hands out the batch; takes the next one under one lock */
static SdMessage *
sd_queue_trigger_poll (SdTrigger *trigger,
                       SdContext *context)
{
  /* Called by the trigger base for this kind only: no type check per message */
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private ((SdQueueTrigger *) trigger);
  SdMessage *message;

  if G_UNLIKELY (priv->batch_pos == priv->batch_len)
    {
      if (priv->scaler != NULL)
        {
          scaler_poll (priv->scaler);
          return NULL;
        }

      priv->batch_pos = 0;
      priv->batch_len = take_batch (priv);
      if (priv->batch_len == 0)
        return NULL;
      for (guint i = 0; i < MIN (priv->batch_len, PREFETCH_AHEAD); i++)
        prefetch (priv->batch[i]);
    }

  /* The trigger base gets the batch's reference; a second one stays in priv->handled until
   * release_handled() */
  message = priv->batch[priv->batch_pos++];
  /* The producer wrote the messages on another CPU: fetch the next ones while this one is
   * handled */
  if (priv->batch_pos + PREFETCH_AHEAD - 1 < priv->batch_len)
    prefetch (priv->batch[priv->batch_pos + PREFETCH_AHEAD - 1]);
  g_atomic_int_set (&priv->subscription->batch_left, (int) (priv->batch_len - priv->batch_pos));

  if (priv->n_handled < G_N_ELEMENTS (priv->handled))
    {
      priv->handled[priv->n_handled++] = message;
      return sd_message_ref (message);
    }

  return message;
}

/* A message taken but not handled when the generation stops: first in line again */
static void
sd_queue_trigger_requeue (SdTrigger *trigger,
                          SdMessage *message)
{
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (SD_QUEUE_TRIGGER (trigger));

  if (priv->subscription == NULL)
    return;

  if (priv->batch_pos > 0)
    {
      priv->batch[--priv->batch_pos] = sd_message_ref (message);
      return;
    }

  if (priv->batch_len < G_N_ELEMENTS (priv->batch))
    {
      memmove (priv->batch + 1, priv->batch, priv->batch_len * sizeof (SdMessage *));
      priv->batch[0] = sd_message_ref (message);
      priv->batch_len++;
      return;
    }

  queue_give_back (priv->source, priv->subscription, sd_message_ref (message));
}

static void
sd_queue_trigger_class_init (SdQueueTriggerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdTriggerClass *trigger_class = SD_TRIGGER_CLASS (klass);

  object_class->dispose = sd_queue_trigger_dispose;
  object_class->get_property = sd_queue_trigger_get_property;
  object_class->set_property = sd_queue_trigger_set_property;

  trigger_class->setup = sd_queue_trigger_setup;
  trigger_class->teardown = sd_queue_trigger_teardown;
  trigger_class->poll = sd_queue_trigger_poll;
  trigger_class->requeue = sd_queue_trigger_requeue;

  /**
   * SdQueueTrigger:source:
   *
   * The queue whose items the trigger handles, injected by the daemon (a subclass narrows
   * it to its own queue type with sd_trigger_type_set_source()).
   *
   * Since: 1.0
   */
  trigger_properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         SD_TYPE_QUEUE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * SdQueueTrigger:scaling-policy:
   *
   * How many messages the trigger may handle at once, or %NULL to handle them one at a
   * time, in order. Read when a generation starts.
   *
   * Since: 1.0
   */
  trigger_properties[PROP_SCALING_POLICY] =
    g_param_spec_object ("scaling-policy", NULL, NULL,
                         SD_TYPE_SCALING_POLICY,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdQueueTrigger:concurrency:
   *
   * How many messages the trigger handles at once right now: 1 without a scaling policy,
   * else between the policy's initial and max values. Notified on the trigger's lane
   * whenever it grows or shrinks.
   *
   * Since: 1.0
   */
  trigger_properties[PROP_CONCURRENCY] =
    g_param_spec_uint ("concurrency", NULL, NULL,
                       1, G_MAXUINT, 1,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_TRIGGER_PROPS, trigger_properties);
}

static void
sd_queue_trigger_init (SdQueueTrigger *self)
{
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (self);

  priv->concurrency = 1;
  priv->spin_budget_us = SPIN_MAX_US;
}

/**
 * sd_queue_trigger_get_source:
 * @self: a #SdQueueTrigger
 *
 * Gets #SdQueueTrigger:source.
 *
 * Returns: (transfer none) (nullable): the queue
 *
 * Since: 1.0
 */
SdQueue *
sd_queue_trigger_get_source (SdQueueTrigger *self)
{
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_QUEUE_TRIGGER (self), NULL);

  return priv->source;
}

/**
 * sd_queue_trigger_get_scaling_policy:
 * @self: a #SdQueueTrigger
 *
 * Gets #SdQueueTrigger:scaling-policy.
 *
 * Returns: (transfer none) (nullable): the scaling policy
 *
 * Since: 1.0
 */
SdScalingPolicy *
sd_queue_trigger_get_scaling_policy (SdQueueTrigger *self)
{
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_QUEUE_TRIGGER (self), NULL);

  return priv->scaling_policy;
}

/**
 * sd_queue_trigger_set_scaling_policy:
 * @self: a #SdQueueTrigger
 * @policy: (nullable): a scaling policy, or %NULL to handle one message at a time
 *
 * Sets #SdQueueTrigger:scaling-policy. It applies from the next generation.
 *
 * Since: 1.0
 */
void
sd_queue_trigger_set_scaling_policy (SdQueueTrigger  *self,
                                     SdScalingPolicy *policy)
{
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (self);

  g_return_if_fail (SD_IS_QUEUE_TRIGGER (self));
  g_return_if_fail (policy == NULL || SD_IS_SCALING_POLICY (policy));

  if (g_set_object (&priv->scaling_policy, policy))
    g_object_notify_by_pspec (G_OBJECT (self), trigger_properties[PROP_SCALING_POLICY]);
}

/**
 * sd_queue_trigger_get_concurrency:
 * @self: a #SdQueueTrigger
 *
 * Gets #SdQueueTrigger:concurrency. Safe to call from any thread.
 *
 * Returns: how many messages the trigger handles at once
 *
 * Since: 1.0
 */
guint
sd_queue_trigger_get_concurrency (SdQueueTrigger *self)
{
  SdQueueTriggerPrivate *priv = sd_queue_trigger_get_instance_private (self);

  g_return_val_if_fail (SD_IS_QUEUE_TRIGGER (self), 1);

  return (guint) g_atomic_int_get (&priv->concurrency);
}
