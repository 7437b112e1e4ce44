/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-scaling-policy.h"

#include <math.h>

/**
 * SdScalingPolicy:
 *
 * How far a queue trigger may scale: how many messages it handles at once.
 *
 * A #SdQueueTrigger with a scaling policy starts each generation with
 * #SdScalingPolicy:initial concurrent handlers. When the backlog of its queue — the items
 * waiting for it — exceeds #SdScalingPolicy:threshold items per active slot, the concurrency
 * grows by #SdScalingPolicy:factor, up to #SdScalingPolicy:max. Once
 * #SdScalingPolicy:cool-down-ms milliseconds of the daemon's clock passed without growth and
 * the backlog is small enough for a smaller concurrency, it shrinks by the same factor, one
 * step per cool-down, back to the initial value.
 *
 * When every slot is busy the trigger stops taking items from its queue: the queue fills up
 * and producers see %SD_QUEUE_ERROR_FULL or wait in sd_queue_push_async(). Nothing is lost.
 *
 * The defaults are: initial 1, max 64, factor 2, threshold 5, cool-down 30 000 ms. A trigger
 * reads its policy when a generation starts; changes apply from the next generation.
 *
 * Since: 1.0
 */

struct _SdScalingPolicy
{
  GObject parent_instance;

  guint   initial;
  guint   max;
  double  factor;
  guint   threshold;
  guint64 cool_down_ms;
};

typedef enum {
  PROP_INITIAL = 1,
  PROP_MAX,
  PROP_FACTOR,
  PROP_THRESHOLD,
  PROP_COOL_DOWN_MS,
  N_PROPS
} SdScalingPolicyProperty;

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SdScalingPolicy, sd_scaling_policy, G_TYPE_OBJECT)

static void
sd_scaling_policy_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SdScalingPolicy *self = SD_SCALING_POLICY (object);

  switch ((SdScalingPolicyProperty) prop_id)
    {
    case PROP_INITIAL:
      g_value_set_uint (value, self->initial);
      break;

    case PROP_MAX:
      g_value_set_uint (value, self->max);
      break;

    case PROP_FACTOR:
      g_value_set_double (value, self->factor);
      break;

    case PROP_THRESHOLD:
      g_value_set_uint (value, self->threshold);
      break;

    case PROP_COOL_DOWN_MS:
      g_value_set_uint64 (value, self->cool_down_ms);
      break;

    case N_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_scaling_policy_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SdScalingPolicy *self = SD_SCALING_POLICY (object);

  switch ((SdScalingPolicyProperty) prop_id)
    {
    case PROP_INITIAL:
      sd_scaling_policy_set_initial (self, g_value_get_uint (value));
      break;

    case PROP_MAX:
      sd_scaling_policy_set_max (self, g_value_get_uint (value));
      break;

    case PROP_FACTOR:
      sd_scaling_policy_set_factor (self, g_value_get_double (value));
      break;

    case PROP_THRESHOLD:
      sd_scaling_policy_set_threshold (self, g_value_get_uint (value));
      break;

    case PROP_COOL_DOWN_MS:
      sd_scaling_policy_set_cool_down_ms (self, g_value_get_uint64 (value));
      break;

    case N_PROPS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_scaling_policy_class_init (SdScalingPolicyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = sd_scaling_policy_get_property;
  object_class->set_property = sd_scaling_policy_set_property;

  /**
   * SdScalingPolicy:initial:
   *
   * How many messages the trigger handles at once when a generation starts, and the floor
   * it shrinks back to. At most #SdScalingPolicy:max.
   *
   * Since: 1.0
   */
  properties[PROP_INITIAL] =
    g_param_spec_uint ("initial", NULL, NULL,
                       1, 4096, 1,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdScalingPolicy:max:
   *
   * The most messages the trigger handles at once.
   *
   * Since: 1.0
   */
  properties[PROP_MAX] =
    g_param_spec_uint ("max", NULL, NULL,
                       1, 4096, 64,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdScalingPolicy:factor:
   *
   * By how much the concurrency grows (multiplied) or shrinks (divided) in one step. A step
   * always changes the concurrency by at least one.
   *
   * Since: 1.0
   */
  properties[PROP_FACTOR] =
    g_param_spec_double ("factor", NULL, NULL,
                         1.0, 64.0, 2.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdScalingPolicy:threshold:
   *
   * How many waiting items per active slot make the trigger grow: it grows when the backlog
   * exceeds threshold × concurrency.
   *
   * Since: 1.0
   */
  properties[PROP_THRESHOLD] =
    g_param_spec_uint ("threshold", NULL, NULL,
                       0, G_MAXUINT, 5,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdScalingPolicy:cool-down-ms:
   *
   * How long, in milliseconds of the daemon's clock, the concurrency stays up after it last
   * grew or shrank before it shrinks one step, provided the backlog is small enough.
   *
   * Since: 1.0
   */
  properties[PROP_COOL_DOWN_MS] =
    g_param_spec_uint64 ("cool-down-ms", NULL, NULL,
                         1, G_MAXUINT64, 30000,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sd_scaling_policy_init (SdScalingPolicy *self)
{
  self->initial = 1;
  self->max = 64;
  self->factor = 2.0;
  self->threshold = 5;
  self->cool_down_ms = 30000;
}

/**
 * sd_scaling_policy_new:
 *
 * Creates a scaling policy with the default values.
 *
 * Returns: (transfer full): a new #SdScalingPolicy
 *
 * Since: 1.0
 */
SdScalingPolicy *
sd_scaling_policy_new (void)
{
  return g_object_new (SD_TYPE_SCALING_POLICY, NULL);
}

/**
 * sd_scaling_policy_get_initial:
 * @self: a #SdScalingPolicy
 *
 * Gets #SdScalingPolicy:initial.
 *
 * Returns: the initial concurrency
 *
 * Since: 1.0
 */
guint
sd_scaling_policy_get_initial (SdScalingPolicy *self)
{
  g_return_val_if_fail (SD_IS_SCALING_POLICY (self), 1);

  return self->initial;
}

/**
 * sd_scaling_policy_set_initial:
 * @self: a #SdScalingPolicy
 * @initial: the initial concurrency, at least 1
 *
 * Sets #SdScalingPolicy:initial.
 *
 * Since: 1.0
 */
void
sd_scaling_policy_set_initial (SdScalingPolicy *self,
                               guint            initial)
{
  g_return_if_fail (SD_IS_SCALING_POLICY (self));
  g_return_if_fail (initial >= 1);

  if (self->initial == initial)
    return;

  self->initial = initial;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INITIAL]);
}

/**
 * sd_scaling_policy_get_max:
 * @self: a #SdScalingPolicy
 *
 * Gets #SdScalingPolicy:max.
 *
 * Returns: the largest concurrency
 *
 * Since: 1.0
 */
guint
sd_scaling_policy_get_max (SdScalingPolicy *self)
{
  g_return_val_if_fail (SD_IS_SCALING_POLICY (self), 1);

  return self->max;
}

/**
 * sd_scaling_policy_set_max:
 * @self: a #SdScalingPolicy
 * @max: the largest concurrency, at least 1
 *
 * Sets #SdScalingPolicy:max.
 *
 * Since: 1.0
 */
void
sd_scaling_policy_set_max (SdScalingPolicy *self,
                           guint            max)
{
  g_return_if_fail (SD_IS_SCALING_POLICY (self));
  g_return_if_fail (max >= 1);

  if (self->max == max)
    return;

  self->max = max;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX]);
}

/**
 * sd_scaling_policy_get_factor:
 * @self: a #SdScalingPolicy
 *
 * Gets #SdScalingPolicy:factor.
 *
 * Returns: the growth factor
 *
 * Since: 1.0
 */
double
sd_scaling_policy_get_factor (SdScalingPolicy *self)
{
  g_return_val_if_fail (SD_IS_SCALING_POLICY (self), 2.0);

  return self->factor;
}

/**
 * sd_scaling_policy_set_factor:
 * @self: a #SdScalingPolicy
 * @factor: the growth factor, at least 1
 *
 * Sets #SdScalingPolicy:factor.
 *
 * Since: 1.0
 */
void
sd_scaling_policy_set_factor (SdScalingPolicy *self,
                              double           factor)
{
  g_return_if_fail (SD_IS_SCALING_POLICY (self));
  g_return_if_fail (factor >= 1.0);

  if (self->factor == factor)
    return;

  self->factor = factor;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FACTOR]);
}

/**
 * sd_scaling_policy_get_threshold:
 * @self: a #SdScalingPolicy
 *
 * Gets #SdScalingPolicy:threshold.
 *
 * Returns: the waiting items per slot that make the trigger grow
 *
 * Since: 1.0
 */
guint
sd_scaling_policy_get_threshold (SdScalingPolicy *self)
{
  g_return_val_if_fail (SD_IS_SCALING_POLICY (self), 5);

  return self->threshold;
}

/**
 * sd_scaling_policy_set_threshold:
 * @self: a #SdScalingPolicy
 * @threshold: waiting items per slot
 *
 * Sets #SdScalingPolicy:threshold.
 *
 * Since: 1.0
 */
void
sd_scaling_policy_set_threshold (SdScalingPolicy *self,
                                 guint            threshold)
{
  g_return_if_fail (SD_IS_SCALING_POLICY (self));

  if (self->threshold == threshold)
    return;

  self->threshold = threshold;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THRESHOLD]);
}

/**
 * sd_scaling_policy_get_cool_down_ms:
 * @self: a #SdScalingPolicy
 *
 * Gets #SdScalingPolicy:cool-down-ms.
 *
 * Returns: the cool-down, in milliseconds
 *
 * Since: 1.0
 */
guint64
sd_scaling_policy_get_cool_down_ms (SdScalingPolicy *self)
{
  g_return_val_if_fail (SD_IS_SCALING_POLICY (self), 30000);

  return self->cool_down_ms;
}

/**
 * sd_scaling_policy_set_cool_down_ms:
 * @self: a #SdScalingPolicy
 * @cool_down_ms: the cool-down, in milliseconds, at least 1
 *
 * Sets #SdScalingPolicy:cool-down-ms.
 *
 * Since: 1.0
 */
void
sd_scaling_policy_set_cool_down_ms (SdScalingPolicy *self,
                                    guint64          cool_down_ms)
{
  g_return_if_fail (SD_IS_SCALING_POLICY (self));
  g_return_if_fail (cool_down_ms >= 1);

  if (self->cool_down_ms == cool_down_ms)
    return;

  self->cool_down_ms = cool_down_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COOL_DOWN_MS]);
}

/**
 * sd_scaling_policy_compute_grow:
 * @self: a #SdScalingPolicy
 * @concurrency: the current concurrency
 *
 * Computes the concurrency one growth step above @concurrency: multiplied by
 * #SdScalingPolicy:factor (rounded up, and at least one more), at most
 * #SdScalingPolicy:max.
 *
 * Returns: the grown concurrency
 *
 * Since: 1.0
 */
guint
sd_scaling_policy_compute_grow (SdScalingPolicy *self,
                                guint            concurrency)
{
  double grown;
  guint max;

  g_return_val_if_fail (SD_IS_SCALING_POLICY (self), concurrency);

  max = MAX (self->max, self->initial);
  if (concurrency >= max)
    return max;

  grown = ceil ((double) concurrency * self->factor);
  if (grown >= (double) max)
    return max;

  return MAX ((guint) grown, concurrency + 1);
}

/**
 * sd_scaling_policy_compute_shrink:
 * @self: a #SdScalingPolicy
 * @concurrency: the current concurrency
 *
 * Computes the concurrency one shrink step below @concurrency: divided by
 * #SdScalingPolicy:factor (rounded down, and at least one less), at least
 * #SdScalingPolicy:initial.
 *
 * Returns: the shrunk concurrency
 *
 * Since: 1.0
 */
guint
sd_scaling_policy_compute_shrink (SdScalingPolicy *self,
                                  guint            concurrency)
{
  guint shrunk;

  g_return_val_if_fail (SD_IS_SCALING_POLICY (self), concurrency);

  if (concurrency <= self->initial)
    return self->initial;

  shrunk = (guint) floor ((double) concurrency / self->factor);
  shrunk = MIN (shrunk, concurrency - 1);

  return MAX (shrunk, self->initial);
}
