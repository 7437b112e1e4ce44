/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-context.h"

#include "sd-clock.h"
#include "sd-restart-policy.h"
#include "sd-context-private.h"
#include "sd-i18n-private.h"
#include "sd-service.h"

/**
 * SdContext:
 *
 * What one generation (one run) of a service sees of its supervisor.
 *
 * A context is handed to `run()` or `run_async()` and stays valid until the generation
 * returns. It tells the generation when to stop — sd_context_is_shutdown(), the
 * interruptible sd_context_sleep(), sd_context_wait_shutdown_async(), the
 * #GCancellable of sd_context_get_cancellable() — and in which state it started
 * (sd_context_get_state(): %SD_SERVICE_STATE_INITIALIZING, %SD_SERVICE_STATE_RESTORING after a
 * reload, %SD_SERVICE_STATE_RECOVERING after an error, with sd_context_get_previous_error()).
 *
 * **Handshake.** A generation is HEALTHY once it says so with sd_context_done(); the first
 * call of sd_context_is_shutdown(), sd_context_sleep() or a wait for shutdown does it
 * implicitly. Startup waves wait for this handshake. Called when the generation was asked to
 * stop (%SD_SERVICE_STATE_NEED_RELOAD, %SD_SERVICE_STATE_SHUTTING_DOWN), sd_context_done()
 * acknowledges it and the state becomes %SD_SERVICE_STATE_TERMINATED.
 *
 * **Shelf.** sd_context_shelve() sets a #GVariant aside under a key; it survives restarts,
 * reloads and stop/start of the service, and the next generation takes it back with
 * sd_context_unshelve().
 *
 * Code deeper in the call stack finds the context of the generation it runs in with
 * sd_context_get_current().
 *
 * A context is itself the #GCancellable of its generation (one object less per running
 * service): sd_context_get_cancellable() returns it as such, and it can be passed to any GIO
 * call directly. Cancelling it by hand ends the generation as a stop request would, without
 * telling the supervisor why.
 *
 * All functions of a context are safe to call from any thread.
 *
 * Since: 1.0
 */

struct _SdShelf
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  GHashTable      *values;  /* (owned) (lock lock) (element-type utf8 GVariant) */
};

/* One caller of sd_context_wait_shutdown_async(). A waiter costs one small allocation and
 * no GTask: an idle asynchronous service should cost next to nothing. */
typedef struct _SdWaiter SdWaiter;

/* Only a waiter with a cancellable of its own needs these */
typedef struct
{
  SdContext           *context;       /* (unowned) */
  GCancellable        *cancellable;   /* (owned) */
  gulong               handler_id;
} SdWaiterCancel;

struct _SdWaiter
{
  SdWaiter            *next;
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  GMainContext        *main_context;  /* (owned): where the callback runs */
  SdWaiterCancel      *cancel;        /* (owned) (nullable) */
};

struct _SdContext
{
  GCancellable     parent_instance;

  SdService       *service;         /* (owned) */
  gpointer         unit;            /* (unowned): an opaque token of the daemon */
  SdClock         *clock;           /* (owned) */
  SdRestartPolicy *policy;          /* (owned) */
  SdShelf         *shelf;           /* (owned) (nullable) (atomic): created by the first shelve */
  SdEventQueue    *events;          /* (owned) */
  GFunc            handshake_func;
  GError          *previous_error;  /* (owned) (nullable) */
  SdWaiter        *waiters;         /* (owned) (lock waiters_lock) */
  guint            generation;
  int              state;           /* (atomic) SdServiceState */
  int              handshaken;      /* (atomic) */
};

G_DEFINE_FINAL_TYPE (SdContext, sd_context, G_TYPE_CANCELLABLE)

/* Guards the waiter lists of all contexts: they change twice per wait, so one lock shared by
 * every context costs nothing and keeps each context small. */
static GMutex waiters_lock;

/* The result handed to the callback of sd_context_wait_shutdown_async(), made when the wait
 * completes. */
#define SD_TYPE_WAIT_RESULT (sd_wait_result_get_type ())
G_DECLARE_FINAL_TYPE (SdWaitResult, sd_wait_result, SD, WAIT_RESULT, GObject)

struct _SdWaitResult
{
  GObject    parent_instance;
  SdContext *context;    /* (owned) */
  SdWaiter  *waiter;     /* (owned) */
  gpointer   user_data;
  gboolean   cancelled;
};

static void sd_wait_result_async_result_init (GAsyncResultIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SdWaitResult, sd_wait_result, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_RESULT,
                                                      sd_wait_result_async_result_init))

static GPrivate current_context;

static void
sd_context_finalize (GObject *object)
{
  SdContext *self = SD_CONTEXT (object);

  g_assert (self->waiters == NULL);

  g_clear_object (&self->service);
  g_clear_object (&self->clock);
  g_clear_object (&self->policy);
  g_clear_pointer (&self->shelf, _sd_shelf_unref);
  g_clear_pointer (&self->events, _sd_event_queue_unref);
  g_clear_error (&self->previous_error);

  G_OBJECT_CLASS (sd_context_parent_class)->finalize (object);
}

static void
sd_context_class_init (SdContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sd_context_finalize;
}

static void
sd_context_init (SdContext *self)
{
}

SdShelf *
_sd_shelf_new (void)
{
  SdShelf *self = g_new0 (SdShelf, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);

  return self;
}

SdShelf *
_sd_shelf_ref (SdShelf *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
_sd_shelf_unref (SdShelf *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->values, g_hash_table_unref);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
_sd_shelf_insert (SdShelf    *self,
                  const char *key,
                  GVariant   *value)
{
  g_mutex_lock (&self->lock);
  if (self->values == NULL)
    self->values = g_hash_table_new_full (g_str_hash, g_str_equal,
                                          g_free, (GDestroyNotify) g_variant_unref);
  g_hash_table_replace (self->values, g_strdup (key), g_variant_ref_sink (value));
  g_mutex_unlock (&self->lock);
}

GVariant *
_sd_shelf_lookup (SdShelf    *self,
                  const char *key)
{
  GVariant *value = NULL;

  g_mutex_lock (&self->lock);
  if (self->values != NULL)
    value = g_hash_table_lookup (self->values, key);
  if (value != NULL)
    g_variant_ref (value);
  g_mutex_unlock (&self->lock);

  return value;
}

GVariant *
_sd_shelf_steal (SdShelf    *self,
                 const char *key)
{
  gpointer stolen_key = NULL;
  gpointer value = NULL;

  g_mutex_lock (&self->lock);
  if (self->values != NULL)
    g_hash_table_steal_extended (self->values, key, &stolen_key, &value);
  g_mutex_unlock (&self->lock);

  g_free (stolen_key);

  return value;
}

guint
_sd_shelf_size (SdShelf *self)
{
  guint size;

  g_mutex_lock (&self->lock);
  size = self->values ? g_hash_table_size (self->values) : 0;
  g_mutex_unlock (&self->lock);

  return size;
}

SdContext *
_sd_context_new (SdService      *service,
                 gpointer        unit,
                 guint           generation,
                 SdServiceState  initial_state,
                 SdClock        *clock,
                 SdRestartPolicy *policy,
                 SdShelf        *shelf,
                 const GError   *previous_error,
                 SdEventQueue   *events,
                 GFunc           handshake_func)
{
  SdContext *self;

  self = g_object_new (SD_TYPE_CONTEXT, NULL);
  self->service = g_object_ref (service);
  self->unit = unit;
  self->generation = generation;
  self->state = initial_state;
  self->clock = g_object_ref (clock);
  self->policy = g_object_ref (policy);
  self->shelf = shelf ? _sd_shelf_ref (shelf) : NULL;
  self->previous_error = previous_error ? g_error_copy (previous_error) : NULL;
  self->events = _sd_event_queue_ref (events);
  self->handshake_func = handshake_func;

  return self;
}

gpointer
_sd_context_get_unit (SdContext *self)
{
  return self->unit;
}

/* The shelf this generation used, if any: the daemon adopts it when the generation ends. */
SdShelf *
_sd_context_get_shelf (SdContext *self)
{
  return g_atomic_pointer_get (&self->shelf);
}

/* Most services never shelve anything: a shelf is made on first use, by whichever thread. */
static SdShelf *
context_ensure_shelf (SdContext *self)
{
  SdShelf *shelf = g_atomic_pointer_get (&self->shelf);

  if (shelf == NULL)
    {
      SdShelf *fresh = _sd_shelf_new ();

      if (g_atomic_pointer_compare_and_exchange (&self->shelf, NULL, fresh))
        shelf = fresh;
      else
        {
          _sd_shelf_unref (fresh);
          shelf = g_atomic_pointer_get (&self->shelf);
        }
    }

  return shelf;
}

/* Runs @func on the daemon's thread; dropped (with @destroy) once the daemon finished. */
gboolean
_sd_context_post (SdContext      *self,
                  GFunc           func,
                  gpointer        data,
                  GDestroyNotify  destroy)
{
  return _sd_event_queue_push (self->events, func, data, destroy);
}

static void sd_waiter_free (SdWaiter *waiter);

static void
sd_wait_result_finalize (GObject *object)
{
  g_clear_object (&SD_WAIT_RESULT (object)->context);
  g_clear_pointer (&SD_WAIT_RESULT (object)->waiter, sd_waiter_free);

  G_OBJECT_CLASS (sd_wait_result_parent_class)->finalize (object);
}

static gpointer
sd_wait_result_get_user_data (GAsyncResult *result)
{
  return SD_WAIT_RESULT (result)->user_data;
}

static GObject *
sd_wait_result_get_source_object (GAsyncResult *result)
{
  return g_object_ref (G_OBJECT (SD_WAIT_RESULT (result)->context));
}

static gboolean
sd_wait_result_is_tagged (GAsyncResult *result,
                          gpointer      source_tag)
{
  return source_tag == sd_context_wait_shutdown_async;
}

static void
sd_wait_result_async_result_init (GAsyncResultIface *iface)
{
  iface->get_user_data = sd_wait_result_get_user_data;
  iface->get_source_object = sd_wait_result_get_source_object;
  iface->is_tagged = sd_wait_result_is_tagged;
}

static void
sd_wait_result_class_init (SdWaitResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_wait_result_finalize;
}

static void
sd_wait_result_init (SdWaitResult *self)
{
}

static void
sd_waiter_free (SdWaiter *waiter)
{
  if (waiter->cancel != NULL)
    {
      g_clear_object (&waiter->cancel->cancellable);
      g_free (waiter->cancel);
    }
  g_main_context_unref (waiter->main_context);
  g_free (waiter);
}

static gboolean
waiter_dispatch_cb (gpointer data)
{
  SdWaitResult *result = data;

  result->waiter->callback (G_OBJECT (result->context), G_ASYNC_RESULT (result),
                            result->user_data);

  return G_SOURCE_REMOVE;
}

/* Calls the waiter's callback on its main context, never from within the caller's stack.
 * Takes ownership of @waiter. */
static void
waiter_complete (SdWaiter  *waiter,
                 SdContext *context,
                 gboolean   cancelled)
{
  SdWaitResult *result;
  GSource *source;

  result = g_object_new (SD_TYPE_WAIT_RESULT, NULL);
  result->context = g_object_ref (context);
  result->user_data = waiter->user_data;
  result->cancelled = cancelled;
  result->waiter = waiter;

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[sd] wait for shutdown");
  g_source_set_callback (source, waiter_dispatch_cb, result, g_object_unref);
  g_source_attach (source, waiter->main_context);
  g_source_unref (source);
}

static void
complete_waiters (SdContext *self)
{
  SdWaiter *waiters;

  g_mutex_lock (&waiters_lock);
  waiters = g_steal_pointer (&self->waiters);
  g_mutex_unlock (&waiters_lock);

  while (waiters != NULL)
    {
      SdWaiter *waiter = waiters;

      waiters = waiter->next;
      if (waiter->cancel != NULL && waiter->cancel->handler_id != 0)
        g_cancellable_disconnect (waiter->cancel->cancellable, waiter->cancel->handler_id);
      waiter_complete (waiter, self, FALSE);
    }
}

/*
 * Called by the daemon to end the generation: sets @state (NEED_RELOAD or SHUTTING_DOWN)
 * unless the generation already acknowledged an earlier request, cancels the cancellable
 * and wakes everything that waits for shutdown.
 */
void
_sd_context_request_stop (SdContext      *self,
                          SdServiceState  state)
{
  int old;

  do
    {
      old = g_atomic_int_get (&self->state);
      if (old == SD_SERVICE_STATE_TERMINATED)
        break;
    }
  while (!g_atomic_int_compare_and_exchange (&self->state, old, state));

  g_cancellable_cancel (G_CANCELLABLE (self));
  complete_waiters (self);
}

SdContext *
_sd_context_push_current (SdContext *self)
{
  SdContext *previous = g_private_get (&current_context);

  g_private_set (&current_context, self);

  return previous;
}

void
_sd_context_pop_current (SdContext *previous)
{
  g_private_set (&current_context, previous);
}

static void
implicit_done (SdContext *self)
{
  if (g_atomic_int_get (&self->handshaken))
    return;

  sd_context_done (self);
}

/**
 * sd_context_get_current:
 *
 * Gets the context of the generation running on the calling thread: during the whole
 * `run()` of a blocking service, and during the call of `run_async()` of an asynchronous
 * one. Code called from deeper in the call stack uses it to reach the shelf, the clock or
 * the shutdown flag without passing the context around.
 *
 * Returns: (transfer none) (nullable): the current context, or %NULL
 *
 * Since: 1.0
 */
SdContext *
sd_context_get_current (void)
{
  return g_private_get (&current_context);
}

/**
 * sd_context_get_service:
 * @self: a #SdContext
 *
 * Gets the service this generation belongs to.
 *
 * Returns: (transfer none): the service
 *
 * Since: 1.0
 */
SdService *
sd_context_get_service (SdContext *self)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), NULL);

  return self->service;
}

/**
 * sd_context_get_name:
 * @self: a #SdContext
 *
 * Gets the name of the service this generation belongs to.
 *
 * Returns: (transfer none): the service name
 *
 * Since: 1.0
 */
const char *
sd_context_get_name (SdContext *self)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), NULL);

  return sd_service_get_name (self->service);
}

/**
 * sd_context_get_generation:
 * @self: a #SdContext
 *
 * Gets the number of this generation: 1 for the first run of the service, increasing with
 * each restart.
 *
 * Returns: the generation number
 *
 * Since: 1.0
 */
guint
sd_context_get_generation (SdContext *self)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), 0);

  return self->generation;
}

/**
 * sd_context_get_clock:
 * @self: a #SdContext
 *
 * Gets the daemon's clock, which a service should use for its own timing so that tests
 * with a virtual clock control it too.
 *
 * Returns: (transfer none): the clock
 *
 * Since: 1.0
 */
SdClock *
sd_context_get_clock (SdContext *self)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), NULL);

  return self->clock;
}

/**
 * sd_context_get_restart_policy:
 * @self: a #SdContext
 *
 * Gets the daemon's restart policy, for code that retries on its own with the same backoff
 * (a trigger's retry interceptor does).
 *
 * Returns: (transfer none): the restart policy
 *
 * Since: 1.0
 */
SdRestartPolicy *
sd_context_get_restart_policy (SdContext *self)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), NULL);

  return self->policy;
}

/**
 * sd_context_get_cancellable:
 * @self: a #SdContext
 *
 * Gets the cancellable of this generation — the context itself. It is cancelled when the
 * generation must stop: daemon shutdown, an operator's stop or restart, or a reload.
 *
 * Returns: (transfer none): the cancellable
 *
 * Since: 1.0
 */
GCancellable *
sd_context_get_cancellable (SdContext *self)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), NULL);

  return G_CANCELLABLE (self);
}

/**
 * sd_context_get_state:
 * @self: a #SdContext
 *
 * Gets the state of this generation: the state it started in
 * (%SD_SERVICE_STATE_INITIALIZING, %SD_SERVICE_STATE_RESTORING or
 * %SD_SERVICE_STATE_RECOVERING), then %SD_SERVICE_STATE_HEALTHY after the handshake, and
 * %SD_SERVICE_STATE_NEED_RELOAD or %SD_SERVICE_STATE_SHUTTING_DOWN when it must stop.
 *
 * Returns: the state of the generation
 *
 * Since: 1.0
 */
SdServiceState
sd_context_get_state (SdContext *self)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), SD_SERVICE_STATE_TERMINATED);

  return g_atomic_int_get (&self->state);
}

/**
 * sd_context_get_previous_error:
 * @self: a #SdContext
 *
 * Gets the error the previous generation failed with, if it failed.
 *
 * Returns: (transfer none) (nullable): the previous error, or %NULL
 *
 * Since: 1.0
 */
const GError *
sd_context_get_previous_error (SdContext *self)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), NULL);

  return self->previous_error;
}

/**
 * sd_context_done:
 * @self: a #SdContext
 *
 * The handshake: tells the supervisor that the generation is up
 * (%SD_SERVICE_STATE_INITIALIZING, %SD_SERVICE_STATE_RESTORING or
 * %SD_SERVICE_STATE_RECOVERING become %SD_SERVICE_STATE_HEALTHY), or, after a stop or
 * reload request, that it has finished its work (%SD_SERVICE_STATE_NEED_RELOAD and
 * %SD_SERVICE_STATE_SHUTTING_DOWN become %SD_SERVICE_STATE_TERMINATED). Calling it in any
 * other state does nothing.
 *
 * Since: 1.0
 */
void
sd_context_done (SdContext *self)
{
  int old;
  int new;

  g_return_if_fail (SD_IS_CONTEXT (self));

  g_atomic_int_set (&self->handshaken, TRUE);

  do
    {
      old = g_atomic_int_get (&self->state);
      switch ((SdServiceState) old)
        {
        case SD_SERVICE_STATE_INITIALIZING:
        case SD_SERVICE_STATE_RESTORING:
        case SD_SERVICE_STATE_RECOVERING:
          new = SD_SERVICE_STATE_HEALTHY;
          break;

        case SD_SERVICE_STATE_NEED_RELOAD:
        case SD_SERVICE_STATE_SHUTTING_DOWN:
          new = SD_SERVICE_STATE_TERMINATED;
          break;

        case SD_SERVICE_STATE_HEALTHY:
        case SD_SERVICE_STATE_TERMINATED:
        case SD_SERVICE_STATE_STOPPED:
        case SD_SERVICE_STATE_FAILED:
        default:
          return;
        }
    }
  while (!g_atomic_int_compare_and_exchange (&self->state, old, new));

  _sd_event_queue_push (self->events, self->handshake_func,
                        g_object_ref (self), g_object_unref);
}

/**
 * sd_context_is_shutdown:
 * @self: a #SdContext
 *
 * Whether the generation must stop: the daemon shuts down, an operator stops or restarts
 * the service, or a reload was requested (sd_context_get_state() tells which). The first
 * call completes the handshake (see sd_context_done()).
 *
 * Returns: %TRUE if the generation should return
 *
 * Since: 1.0
 */
gboolean
sd_context_is_shutdown (SdContext *self)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), TRUE);

  implicit_done (self);

  return g_cancellable_is_cancelled (G_CANCELLABLE (self));
}

/**
 * sd_context_sleep:
 * @self: a #SdContext
 * @duration_ms: how long to sleep, in milliseconds of the daemon's clock
 *
 * Blocks the calling thread for @duration_ms, or until the generation must stop. The first
 * call completes the handshake (see sd_context_done()). Meant for blocking services; an
 * asynchronous service uses a timeout source from sd_clock_create_timeout_source().
 *
 * Returns: %TRUE if the full duration passed, %FALSE if the sleep was interrupted because
 *   the generation must stop
 *
 * Since: 1.0
 */
gboolean
sd_context_sleep (SdContext *self,
                  guint64    duration_ms)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), FALSE);

  implicit_done (self);

  return sd_clock_sleep (self->clock, duration_ms, G_CANCELLABLE (self));
}

/**
 * sd_context_wait_shutdown:
 * @self: a #SdContext
 *
 * Blocks the calling thread until the generation must stop. The call completes the
 * handshake (see sd_context_done()).
 *
 * Since: 1.0
 */
void
sd_context_wait_shutdown (SdContext *self)
{
  g_return_if_fail (SD_IS_CONTEXT (self));

  implicit_done (self);

  while (!g_cancellable_is_cancelled (G_CANCELLABLE (self)))
    sd_clock_sleep (self->clock, G_MAXUINT32, G_CANCELLABLE (self));
}

/* Removes @waiter from the list; FALSE if a stop completed it already. */
static gboolean
unlink_waiter (SdContext *self,
               SdWaiter  *waiter)
{
  gboolean found = FALSE;

  g_mutex_lock (&waiters_lock);
  for (SdWaiter **link = &self->waiters; *link != NULL; link = &(*link)->next)
    {
      if (*link == waiter)
        {
          *link = waiter->next;
          found = TRUE;
          break;
        }
    }
  g_mutex_unlock (&waiters_lock);

  return found;
}

static void
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      data)
{
  SdWaiter *waiter = data;

  SdContext *context = waiter->cancel->context;

  if (!unlink_waiter (context, waiter))
    return;

  /* Not disconnected here: g_cancellable_disconnect() must not run inside the handler; the
   * handler has no data of its own to free. */
  waiter->cancel->handler_id = 0;
  waiter_complete (waiter, context, TRUE);
}

/**
 * sd_context_wait_shutdown_async:
 * @self: a #SdContext
 * @cancellable: (nullable): a #GCancellable of the caller, or %NULL
 * @callback: (scope async): called once the generation must stop
 * @user_data: data for @callback
 *
 * Waits until the generation must stop, without blocking. The call completes the
 * handshake (see sd_context_done()). @callback runs on the thread-default main context of
 * the caller, never before this function returned. The idle asynchronous service is just
 * this:
 *
 * |[<!-- language="C" -->
 * static void
 * my_idle_run_async (SdService *service, SdContext *context, GCancellable *cancellable,
 *                    GAsyncReadyCallback callback, gpointer user_data)
 * {
 *   GTask *task = g_task_new (service, cancellable, callback, user_data);
 *   sd_context_wait_shutdown_async (context, NULL, on_shutdown, task);
 * }
 * ]|
 *
 * A service whose body only waits may hand its own callback over, and needs no
 * `run_finish()` of its own (the default one finishes the wait):
 *
 * |[<!-- language="C" -->
 * static void
 * my_idle_run_async (SdService *service, SdContext *context, GCancellable *cancellable,
 *                    GAsyncReadyCallback callback, gpointer user_data)
 * {
 *   // attach the service's sources to g_main_context_get_thread_default () here
 *   sd_context_wait_shutdown_async (context, NULL, callback, user_data);
 * }
 * ]|
 *
 * A waiting generation costs no CPU, no wake-ups, and a few dozen bytes.
 *
 * Since: 1.0
 */
void
sd_context_wait_shutdown_async (SdContext           *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  SdWaiter *waiter;
  gboolean stopped;

  g_return_if_fail (SD_IS_CONTEXT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (callback != NULL);

  implicit_done (self);

  waiter = g_new0 (SdWaiter, 1);
  waiter->callback = callback;
  waiter->user_data = user_data;
  waiter->main_context = g_main_context_ref_thread_default ();
  if (cancellable != NULL)
    {
      waiter->cancel = g_new0 (SdWaiterCancel, 1);
      waiter->cancel->context = self;
      waiter->cancel->cancellable = g_object_ref (cancellable);
    }

  g_mutex_lock (&waiters_lock);
  stopped = g_cancellable_is_cancelled (G_CANCELLABLE (self));
  if (!stopped)
    {
      waiter->next = self->waiters;
      self->waiters = waiter;
    }
  g_mutex_unlock (&waiters_lock);

  if (stopped)
    {
      waiter_complete (waiter, self, FALSE);
      return;
    }

  if (cancellable != NULL)
    {
      gulong handler_id;

      /* A cancellable that is already cancelled runs the handler right here */
      handler_id = g_cancellable_connect (cancellable, G_CALLBACK (wait_cancelled_cb), waiter, NULL);
      if (handler_id != 0)
        {
          gboolean waiting;

          g_mutex_lock (&waiters_lock);
          waiting = FALSE;
          for (SdWaiter *w = self->waiters; w != NULL && !waiting; w = w->next)
            waiting = w == waiter;
          if (waiting)
            waiter->cancel->handler_id = handler_id;
          g_mutex_unlock (&waiters_lock);

          /* A stop completed the waiter in the meantime: nobody else disconnects */
          if (!waiting)
            g_cancellable_disconnect (cancellable, handler_id);
        }
    }
}

/**
 * sd_context_wait_shutdown_finish:
 * @self: a #SdContext
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Completes sd_context_wait_shutdown_async().
 *
 * Returns: %TRUE once the generation must stop; %FALSE with %G_IO_ERROR_CANCELLED if the
 *   caller's cancellable was cancelled first
 *
 * Since: 1.0
 */
gboolean
sd_context_wait_shutdown_finish (SdContext     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (SD_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (SD_IS_WAIT_RESULT (result), FALSE);
  g_return_val_if_fail (SD_WAIT_RESULT (result)->context == self, FALSE);

  if (SD_WAIT_RESULT (result)->cancelled)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("The wait for shutdown was cancelled"));
      return FALSE;
    }

  return TRUE;
}

/*
 * _sd_context_finish_wait:
 *
 * Finishes @result if it came from sd_context_wait_shutdown_async(); returns FALSE without
 * touching @error when it did not (and sets @handled accordingly).
 */
gboolean
_sd_context_finish_wait (GAsyncResult  *result,
                         gboolean      *handled,
                         GError       **error)
{
  *handled = SD_IS_WAIT_RESULT (result);
  if (!*handled)
    return FALSE;

  return sd_context_wait_shutdown_finish (SD_WAIT_RESULT (result)->context, result, error);
}

/**
 * sd_context_shelve:
 * @self: a #SdContext
 * @key: the key
 * @value: the value; a floating reference is sunk
 *
 * Sets @value aside under @key. The shelf belongs to the service, not to the generation:
 * the next generation — after a restart, a reload or a stop and start — takes it back with
 * sd_context_unshelve(). A value already shelved under @key is replaced.
 *
 * Since: 1.0
 */
void
sd_context_shelve (SdContext  *self,
                   const char *key,
                   GVariant   *value)
{
  g_return_if_fail (SD_IS_CONTEXT (self));
  g_return_if_fail (key != NULL);
  g_return_if_fail (value != NULL);

  _sd_shelf_insert (context_ensure_shelf (self), key, value);
}

/**
 * sd_context_unshelve:
 * @self: a #SdContext
 * @key: the key
 *
 * Takes the value shelved under @key off the shelf.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL if nothing is shelved under @key
 *
 * Since: 1.0
 */
GVariant *
sd_context_unshelve (SdContext  *self,
                     const char *key)
{
  SdShelf *shelf;

  g_return_val_if_fail (SD_IS_CONTEXT (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  shelf = g_atomic_pointer_get (&self->shelf);

  return shelf ? _sd_shelf_steal (shelf, key) : NULL;
}

/**
 * sd_context_peek_shelf:
 * @self: a #SdContext
 * @key: the key
 *
 * Looks at the value shelved under @key and leaves it on the shelf.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL if nothing is shelved under @key
 *
 * Since: 1.0
 */
GVariant *
sd_context_peek_shelf (SdContext  *self,
                       const char *key)
{
  SdShelf *shelf;

  g_return_val_if_fail (SD_IS_CONTEXT (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  shelf = g_atomic_pointer_get (&self->shelf);

  return shelf ? _sd_shelf_lookup (shelf, key) : NULL;
}
