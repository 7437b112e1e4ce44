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
 * of them a second, and a message costs one small allocation.
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

struct _SdMessage
{
  gatomicrefcount ref_count;

  guint8     id[16];
  guint8     parent_id[16];
  guint8     origin_id[16];
  gboolean   has_parent;
  char      *source;         /* (owned) (nullable) */
  guint64    sequence;
  gint64     created;        /* wall-clock microseconds */
  GVariant  *payload;        /* (owned) (nullable) */
  GObject   *object;         /* (owned) (nullable) */
  char      *id_str;         /* (owned) (nullable) (atomic): formatted on demand */
  char      *parent_str;     /* (owned) (nullable) (atomic) */
  char      *origin_str;     /* (owned) (nullable) (atomic) */
};

G_DEFINE_BOXED_TYPE (SdMessage, sd_message, sd_message_ref, sd_message_unref)

static GPrivate dispatch_scope;
static gsize unsourced_sequence;  /* (atomic) */

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
  g_free (self->id_str);
  g_free (self->parent_str);
  g_free (self->origin_str);
  g_free (self);
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

/* A fast per-thread generator for the random bits of the ids (xorshift64*) */
static guint64
next_random (void)
{
  static GPrivate state_key;
  guint64 *state = g_private_get (&state_key);
  guint64 x;

  if G_UNLIKELY (state == NULL)
    {
      /* One word per thread for its life: the threads that create messages are few */
      state = g_new (guint64, 1);
      *state = ((guint64) g_random_int () << 32) ^ g_random_int () ^ (guint64) g_get_monotonic_time ();
      if (*state == 0)
        *state = 0x9e3779b97f4a7c15ull;
      g_private_set (&state_key, state);
    }

  x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;

  return x * 0x2545f4914f6cdd1dull;
}

/* UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits */
static void
make_uuid_v7 (guint8  uuid[16],
              gint64  now_us)
{
  guint64 ms = (guint64) (now_us / 1000);
  guint64 r1 = next_random ();
  guint64 r2 = next_random ();

  for (guint i = 0; i < 6; i++)
    uuid[i] = (guint8) (ms >> (40 - 8 * i));
  memcpy (uuid + 6, &r1, 2);
  memcpy (uuid + 8, &r2, 8);
  uuid[6] = (uuid[6] & 0x0f) | 0x70;  /* version 7 */
  uuid[8] = (uuid[8] & 0x3f) | 0x80;  /* variant 10 */
}

static char *
format_uuid (const guint8 uuid[16])
{
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
                          uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
}

/* Formats @uuid into *@slot once, whichever thread asks first */
static const char *
cached_string (char         **slot,
               const guint8   uuid[16])
{
  char *str = g_atomic_pointer_get (slot);

  if (str == NULL)
    {
      char *fresh = format_uuid (uuid);

      if (g_atomic_pointer_compare_and_exchange (slot, NULL, fresh))
        str = fresh;
      else
        {
          g_free (fresh);
          str = g_atomic_pointer_get (slot);
        }
    }

  return str;
}

static SdMessage *
message_new (SdMessage *parent)
{
  SdDispatchScope *scope = g_private_get (&dispatch_scope);
  SdMessage *self;

  self = g_new0 (SdMessage, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->created = g_get_real_time ();
  make_uuid_v7 (self->id, self->created);

  if (parent == NULL && scope != NULL)
    parent = scope->message;

  if (parent != NULL)
    {
      self->has_parent = TRUE;
      memcpy (self->parent_id, parent->id, 16);
      memcpy (self->origin_id, parent->origin_id, 16);
    }
  else
    {
      memcpy (self->origin_id, self->id, 16);
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
      self->sequence = g_atomic_pointer_add (&unsourced_sequence, 1) + 1;
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
    self->payload = g_variant_ref_sink (payload);

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
    self->payload = g_variant_ref_sink (payload);

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

  return cached_string (&self->id_str, self->id);
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

  return self->has_parent ? cached_string (&self->parent_str, self->parent_id) : NULL;
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

  if (!self->has_parent)
    return sd_message_get_id (self);

  return cached_string (&self->origin_str, self->origin_id);
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
