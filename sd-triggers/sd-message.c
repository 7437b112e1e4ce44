/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-message.h"

#include <string.h>

#include "sd-triggers-message-private.h"
#include "sd-triggers-i18n-private.h"

/**
 * SdMessage:
 *
 * One event a trigger delivers: a payload and its causal identity.
 *
 * A message is a reference-counted boxed type rather than a #GObject: triggers move millions
 * of them a second, and a message costs one small allocation, recycled from thread to
 * thread.
 *
 * The payload is a #GVariant or a #GObject; it is shared by every consumer (a queue in
 * broadcast mode hands the same message to each trigger) and never copied, so it must be
 * treated as immutable.
 *
 * Every message has an identity that follows it through chains of triggers:
 *
 * - an id, a UUID version 7 (time-ordered);
 * - the id of its parent: the message being handled, on the same thread, when this one was
 *   created (a handler pushing to a queue makes the queued message a child of the one it
 *   handles);
 * - the id of its origin: the root of the chain;
 * - its source, the name of the service whose handler created it (%NULL outside handlers);
 * - a sequence number, counting the messages that source created.
 *
 * The trigger logs each dispatch with the structured fields `SD_MESSAGE_ID`,
 * `SD_PARENT_ID`, `SD_ORIGIN_ID`, `SD_SOURCE` and `SD_INSTANCE`.
 *
 * Since: 1.0
 */

/* Laid out for the consumer of a queue: freeing a message or reading its payload and
 * sequence touches the first cache line only; the ids fill the second. */
struct _SdMessage
{
  gatomicrefcount ref_count;
  gboolean   has_parent;
  guint64    sequence;
  GVariant  *payload;        /* (owned) (nullable) */
  GObject   *object;         /* (owned) (nullable) */
  char      *source;         /* (owned) (nullable) */
  gint64     created;        /* wall-clock microseconds */
  char      *ids;            /* (owned) (nullable) (atomic): the ids formatted on demand,
                              * ID_LEN bytes each: id, then for a child parent and origin */

  guint8     id[16];
  guint8     parent_id[16];  /* children only */
  guint8     origin_id[16];  /* children only: a root is its own origin */
};

/* A UUID in its 36-character form, with its nul */
#define ID_LEN 37

G_DEFINE_BOXED_TYPE (SdMessage, sd_message, sd_message_ref, sd_message_unref)

static GPrivate dispatch_scope;
/* The count of messages created outside any source, on a cache line of its own: every
 * producer thread outside a service bumps it */
static struct
{
  _Alignas (64) gsize value;  /* (atomic) */
} unsourced_sequence;

/*
 * Message storage is recycled. A queue moves millions of messages a second from a producer
 * thread to a consumer thread, a pattern malloc() serves poorly: the consumer frees into its
 * own thread's caches while the producer always allocates from the slow path.
 *
 * Each thread keeps a magazine of up to MAGAZINE_SIZE free shells and allocates from it and
 * frees into it without a lock. A thread whose magazine is full hands it to a shared depot
 * and starts an empty one; a thread whose magazine is empty takes a full one from the depot:
 * one lock per MAGAZINE_SIZE messages on each side. The depot keeps at most DEPOT_MAX
 * magazines (32 KB of messages); beyond that, shells go back to malloc(). A thread's
 * magazine goes to the depot (or is freed) when the thread ends.
 *
 * Under AddressSanitizer the shells at rest are poisoned, so that a use after the last
 * unref is still reported.
 */
#define MAGAZINE_SIZE 32
#define SHELL_ALIGNMENT 64  /* a cache line: see the layout of SdMessage */
#define DEPOT_MAX 8

#if defined(__SANITIZE_ADDRESS__)
# define SHELL_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define SHELL_ASAN 1
# endif
#endif

#if defined(SHELL_ASAN)
# include <sanitizer/asan_interface.h>
# define SHELL_POISON(shell)   ASAN_POISON_MEMORY_REGION ((shell), sizeof (SdMessage))
# define SHELL_UNPOISON(shell) ASAN_UNPOISON_MEMORY_REGION ((shell), sizeof (SdMessage))
#else
# define SHELL_POISON(shell)   ((void) (shell))
# define SHELL_UNPOISON(shell) ((void) (shell))
#endif

typedef struct _Magazine Magazine;
struct _Magazine
{
  Magazine  *next;                    /* in the depot's lists */
  guint      n;
  SdMessage *shells[MAGAZINE_SIZE];  /* (owned) [0, n) */
};

static GMutex depot_lock;
static Magazine *depot_full;   /* (owned) (lock depot_lock): magazines holding shells */
static Magazine *depot_empty;  /* (owned) (lock depot_lock): spare empty magazines */
static guint depot_n_full;     /* (lock depot_lock) */
static guint depot_n_empty;    /* (lock depot_lock) */

static void
magazine_free (Magazine *magazine)
{
  for (guint i = 0; i < magazine->n; i++)
    {
      SHELL_UNPOISON (magazine->shells[i]);
      g_aligned_free (magazine->shells[i]);
    }
  g_free (magazine);
}

/* Takes @magazine back into the depot, or frees it; returns a spare empty magazine if
 * @want_empty and the depot has one */
static Magazine *
depot_exchange (Magazine *magazine,
                gboolean  want_empty)
{
  Magazine *spare = NULL;
  Magazine *drop = NULL;

  g_mutex_lock (&depot_lock);
  if (magazine != NULL && magazine->n > 0 && depot_n_full < DEPOT_MAX)
    {
      magazine->next = depot_full;
      depot_full = magazine;
      depot_n_full++;
    }
  else if (magazine != NULL && magazine->n == 0 && depot_n_empty < DEPOT_MAX)
    {
      magazine->next = depot_empty;
      depot_empty = magazine;
      depot_n_empty++;
    }
  else
    drop = magazine;

  if (want_empty && depot_empty != NULL)
    {
      spare = depot_empty;
      depot_empty = spare->next;
      depot_n_empty--;
    }
  g_mutex_unlock (&depot_lock);

  if (drop != NULL)
    magazine_free (drop);

  return spare;
}

/* A full magazine from the depot, or NULL */
static Magazine *
depot_take_full (void)
{
  Magazine *magazine;

  g_mutex_lock (&depot_lock);
  magazine = depot_full;
  if (magazine != NULL)
    {
      depot_full = magazine->next;
      depot_n_full--;
    }
  g_mutex_unlock (&depot_lock);

  return magazine;
}

/* What each thread that creates or frees messages keeps */
typedef struct
{
  guint64   random;    /* xorshift64* state of the ids' random bits, never 0 */
  Magazine *magazine;  /* (owned) (nullable) */
} ThreadCache;

static void
thread_cache_free (gpointer data)
{
  ThreadCache *cache = data;

  if (cache->magazine != NULL)
    depot_exchange (cache->magazine, FALSE);
  g_free (cache);
}

static GPrivate thread_cache = G_PRIVATE_INIT (thread_cache_free);

static ThreadCache *
thread_cache_get (void)
{
  ThreadCache *cache = g_private_get (&thread_cache);

  if G_UNLIKELY (cache == NULL)
    {
      cache = g_new0 (ThreadCache, 1);
      cache->random = ((guint64) g_random_int () << 32) ^ g_random_int () ^ (guint64) g_get_monotonic_time ();
      if (cache->random == 0)
        cache->random = 0x9e3779b97f4a7c15ull;
      g_private_set (&thread_cache, cache);
    }

  return cache;
}

/* Storage for a message, not cleared */
static SdMessage *
shell_alloc (ThreadCache *cache)
{
  Magazine *magazine = cache->magazine;
  SdMessage *shell;

  if G_UNLIKELY (magazine == NULL || magazine->n == 0)
    {
      Magazine *full = depot_take_full ();

      if (full == NULL)
        return g_aligned_alloc (1, sizeof (SdMessage), SHELL_ALIGNMENT);

      /* The empty magazine becomes a spare in the depot */
      if (magazine != NULL)
        depot_exchange (magazine, FALSE);
      cache->magazine = magazine = full;
    }

  shell = magazine->shells[--magazine->n];
  SHELL_UNPOISON (shell);

  /* The next shell was last written on the thread that freed it: start fetching it now */
#if defined(__GNUC__) && !defined(SHELL_ASAN)
  if (magazine->n > 0)
    __builtin_prefetch (magazine->shells[magazine->n - 1], 1);
#endif

  return shell;
}

static void
shell_free (SdMessage *shell)
{
  ThreadCache *cache = thread_cache_get ();
  Magazine *magazine = cache->magazine;

  if G_UNLIKELY (magazine == NULL || magazine->n == MAGAZINE_SIZE)
    {
      /* A full magazine goes to the depot; start an empty one */
      Magazine *empty = depot_exchange (magazine, TRUE);

      if (empty == NULL)
        empty = g_new0 (Magazine, 1);
      cache->magazine = magazine = empty;
    }

  SHELL_POISON (shell);
  magazine->shells[magazine->n++] = shell;
}

/**
 * sd_message_ref:
 * @self: a #SdMessage
 *
 * Takes a reference on @self. Safe from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
SdMessage *
sd_message_ref (SdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * sd_message_unref:
 * @self: (transfer full): a #SdMessage
 *
 * Drops a reference on @self, freeing it with its payload when it was the last. Safe from
 * any thread.
 *
 * Since: 1.0
 */
void
sd_message_unref (SdMessage *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->source);
  g_clear_pointer (&self->payload, g_variant_unref);
  g_clear_object (&self->object);
  g_free (self->ids);
  shell_free (self);
}

const char *
_sd_triggers_gettext (const char *msgid)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
#if ENABLE_NLS
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
      g_once_init_leave (&initialized, 1);
    }

  return g_dgettext (GETTEXT_PACKAGE, msgid);
}

SdDispatchScope *
_sd_dispatch_scope_push (SdDispatchScope *scope)
{
  SdDispatchScope *previous = g_private_get (&dispatch_scope);

  g_private_set (&dispatch_scope, scope);

  return previous;
}

void
_sd_dispatch_scope_pop (SdDispatchScope *previous)
{
  g_private_set (&dispatch_scope, previous);
}

/* The random bits of the ids: xorshift64*, per thread */
static guint64
next_random (ThreadCache *cache)
{
  guint64 x = cache->random;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  cache->random = x;

  return x * 0x2545f4914f6cdd1dull;
}

/* UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits */
static void
make_uuid_v7 (ThreadCache *cache,
              guint8       uuid[16],
              gint64       now_us)
{
  guint64 ms = (guint64) (now_us / 1000);
  guint64 r1 = next_random (cache);
  guint64 r2 = next_random (cache);

  for (guint i = 0; i < 6; i++)
    uuid[i] = (guint8) (ms >> (40 - 8 * i));
  memcpy (uuid + 6, &r1, 2);
  memcpy (uuid + 8, &r2, 8);
  uuid[6] = (uuid[6] & 0x0f) | 0x70;  /* version 7 */
  uuid[8] = (uuid[8] & 0x3f) | 0x80;  /* variant 10 */
}

static void
format_uuid (const guint8 uuid[16],
             char         out[ID_LEN])
{
  static const char hex[] = "0123456789abcdef";
  char *p = out;

  for (guint i = 0; i < 16; i++)
    {
      if (i == 4 || i == 6 || i == 8 || i == 10)
        *p++ = '-';
      *p++ = hex[uuid[i] >> 4];
      *p++ = hex[uuid[i] & 0xf];
    }
  *p = '\0';
}

/* The ids of @self formatted, once, whichever thread asks first */
static const char *
formatted_ids (SdMessage *self)
{
  char *ids = g_atomic_pointer_get (&self->ids);

  if (ids == NULL)
    {
      char *fresh = g_malloc (self->has_parent ? 3 * ID_LEN : ID_LEN);

      format_uuid (self->id, fresh);
      if (self->has_parent)
        {
          format_uuid (self->parent_id, fresh + ID_LEN);
          format_uuid (self->origin_id, fresh + 2 * ID_LEN);
        }

      if (g_atomic_pointer_compare_and_exchange (&self->ids, NULL, fresh))
        ids = fresh;
      else
        {
          g_free (fresh);
          ids = g_atomic_pointer_get (&self->ids);
        }
    }

  return ids;
}

/* g_variant_ref_sink() without its bit lock when @payload is not floating: a producer
 * pushing one shared payload should not serialize on it */
static inline GVariant *
payload_ref (GVariant *payload)
{
  return g_variant_is_floating (payload) ? g_variant_ref_sink (payload) : g_variant_ref (payload);
}

static SdMessage *
message_new (SdMessage *parent)
{
  SdDispatchScope *scope = g_private_get (&dispatch_scope);
  ThreadCache *cache = thread_cache_get ();
  SdMessage *self = shell_alloc (cache);

  /* Every field is set here: a recycled shell is not cleared first */
  g_atomic_ref_count_init (&self->ref_count);
  self->payload = NULL;
  self->object = NULL;
  self->source = NULL;
  self->ids = NULL;
  self->created = g_get_real_time ();
  make_uuid_v7 (cache, self->id, self->created);

  if (parent == NULL && scope != NULL)
    parent = scope->message;

  /* A root message is its own origin: parent_id and origin_id are only set for children */
  self->has_parent = parent != NULL;
  if (parent != NULL)
    {
      memcpy (self->parent_id, parent->id, 16);
      memcpy (self->origin_id, parent->has_parent ? parent->origin_id : parent->id, 16);
    }

  if (scope != NULL && scope->source != NULL)
    {
      self->source = g_strdup (scope->source);
      self->sequence = (guint64) g_atomic_pointer_add (scope->sequence, 1) + 1;
    }
  else
    {
      SdContext *context = sd_context_get_current ();

      if (context != NULL)
        self->source = g_strdup (sd_context_get_name (context));
      self->sequence = g_atomic_pointer_add (&unsourced_sequence.value, 1) + 1;
    }

  return self;
}

/**
 * sd_message_new:
 * @payload: (nullable): the payload; a floating reference is sunk
 *
 * Creates a message. Created while a trigger handles a message, it is that message's child
 * and names the handling service as its source.
 *
 * Returns: (transfer full): a new #SdMessage
 *
 * Since: 1.0
 */
SdMessage *
sd_message_new (GVariant *payload)
{
  SdMessage *self = message_new (NULL);

  if (payload != NULL)
    self->payload = payload_ref (payload);

  return self;
}

/**
 * sd_message_new_for_object:
 * @object: (nullable): the payload object
 *
 * Creates a message whose payload is @object, shared by reference.
 *
 * Returns: (transfer full): a new #SdMessage
 *
 * Since: 1.0
 */
SdMessage *
sd_message_new_for_object (GObject *object)
{
  SdMessage *self;

  g_return_val_if_fail (object == NULL || G_IS_OBJECT (object), NULL);

  self = message_new (NULL);
  if (object != NULL)
    self->object = g_object_ref (object);

  return self;
}

/**
 * sd_message_new_child:
 * @parent: the parent message
 * @payload: (nullable): the payload; a floating reference is sunk
 *
 * Creates a message whose parent is @parent, whatever is being handled on this thread.
 *
 * Returns: (transfer full): a new #SdMessage
 *
 * Since: 1.0
 */
SdMessage *
sd_message_new_child (SdMessage *parent,
                      GVariant  *payload)
{
  SdMessage *self;

  g_return_val_if_fail (parent != NULL, NULL);

  self = message_new (parent);
  if (payload != NULL)
    self->payload = payload_ref (payload);

  return self;
}

/**
 * sd_message_get_current:
 *
 * Gets the message a trigger is handling on the calling thread.
 *
 * Returns: (transfer none) (nullable): the message, or %NULL
 *
 * Since: 1.0
 */
SdMessage *
sd_message_get_current (void)
{
  SdDispatchScope *scope = g_private_get (&dispatch_scope);

  return scope ? scope->message : NULL;
}

/**
 * sd_message_get_id:
 * @self: a #SdMessage
 *
 * Gets the id of the message, a UUID version 7 in its 36-character form.
 *
 * Returns: (transfer none): the id
 *
 * Since: 1.0
 */
const char *
sd_message_get_id (SdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return formatted_ids (self);
}

/**
 * sd_message_get_parent_id:
 * @self: a #SdMessage
 *
 * Gets the id of the message that was being handled when this one was created.
 *
 * Returns: (transfer none) (nullable): the parent id, or %NULL for a root message
 *
 * Since: 1.0
 */
const char *
sd_message_get_parent_id (SdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->has_parent ? formatted_ids (self) + ID_LEN : NULL;
}

/**
 * sd_message_get_origin_id:
 * @self: a #SdMessage
 *
 * Gets the id of the root of the chain this message belongs to (its own id for a root).
 *
 * Returns: (transfer none): the origin id
 *
 * Since: 1.0
 */
const char *
sd_message_get_origin_id (SdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return formatted_ids (self) + (self->has_parent ? 2 * ID_LEN : 0);
}

/**
 * sd_message_get_source:
 * @self: a #SdMessage
 *
 * Gets the name of the service that created the message.
 *
 * Returns: (transfer none) (nullable): the source, or %NULL
 *
 * Since: 1.0
 */
const char *
sd_message_get_source (SdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->source;
}

/**
 * sd_message_get_sequence:
 * @self: a #SdMessage
 *
 * Gets the number of the message among those its source created, from 1.
 *
 * Returns: the sequence number
 *
 * Since: 1.0
 */
guint64
sd_message_get_sequence (SdMessage *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->sequence;
}

/**
 * sd_message_get_created:
 * @self: a #SdMessage
 *
 * Gets when the message was created, in wall-clock microseconds since the Unix epoch.
 *
 * Returns: the creation time
 *
 * Since: 1.0
 */
gint64
sd_message_get_created (SdMessage *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->created;
}

/**
 * sd_message_get_payload:
 * @self: a #SdMessage
 *
 * Gets the #GVariant payload.
 *
 * Returns: (transfer none) (nullable): the payload, or %NULL
 *
 * Since: 1.0
 */
GVariant *
sd_message_get_payload (SdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->payload;
}

/**
 * sd_message_get_object:
 * @self: a #SdMessage
 *
 * Gets the #GObject payload.
 *
 * Returns: (transfer none) (nullable): the payload object, or %NULL
 *
 * Since: 1.0
 */
GObject *
sd_message_get_object (SdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->object;
}
