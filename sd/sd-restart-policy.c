/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-restart-policy.h"

#include <math.h>

/**
 * SdRestartPolicy:
 *
 * How a daemon recovers from failures and how long it waits for services.
 *
 * All durations are in milliseconds and the property names say so. The restart delay after
 * the n-th consecutive failure is
 *
 *     delay(n) = min (max-delay-ms, initial-delay-ms × multiplier^(n-1))
 *
 * with the jitter applied to that result (it is not compounded): with a jitter of 0.1 the
 * delay is spread uniformly over ±10 % of it. A generation that ran for at least
 * #SdRestartPolicy:reset-after-ms resets n to zero.
 *
 * The restart budget works like systemd's `StartLimitBurst=`/`StartLimitIntervalSec=`: when
 * a service would start more than #SdRestartPolicy:start-limit-burst times within
 * #SdRestartPolicy:start-limit-interval-ms it goes to %SD_SERVICE_STATE_FAILED instead. It
 * is off (burst 0) by default.
 *
 * | property | default | testing preset |
 * |---|---|---|
 * | initial-delay-ms | 1000 | 100 |
 * | max-delay-ms | 300000 | 2000 |
 * | multiplier | 2.0 | 2.0 |
 * | jitter | 0.1 | 0.0 |
 * | reset-after-ms | 60000 | 5000 |
 * | wave-spawn-timeout-ms | 5000 | 500 |
 * | wave-stop-timeout-ms | 30000 | 2000 |
 * | provider-init-timeout-ms | 5000 | 500 |
 * | trigger-max-retries | -1 | -1 |
 * | start-limit-burst | 0 | 0 |
 * | start-limit-interval-ms | 10000 | 10000 |
 *
 * The random source of the jitter can be seeded with sd_restart_policy_set_random_seed() so
 * that tests see the same delays on every run.
 *
 * A policy may be changed while a daemon runs; the new values apply to the next delay or
 * timeout the daemon computes.
 *
 * Since: 1.0
 */

struct _SdRestartPolicy
{
  GObject parent_instance;

  guint64  initial_delay_ms;
  guint64  max_delay_ms;
  double   multiplier;
  double   jitter;
  guint64  reset_after_ms;
  guint64  wave_spawn_timeout_ms;
  guint64  wave_stop_timeout_ms;
  guint64  provider_init_timeout_ms;
  int      trigger_max_retries;
  guint    start_limit_burst;
  guint64  start_limit_interval_ms;

  GMutex   rand_lock;
  GRand   *rand; /* (owned) (lock rand_lock) */
};

enum {
  PROP_0,
  PROP_INITIAL_DELAY_MS,
  PROP_MAX_DELAY_MS,
  PROP_MULTIPLIER,
  PROP_JITTER,
  PROP_RESET_AFTER_MS,
  PROP_WAVE_SPAWN_TIMEOUT_MS,
  PROP_WAVE_STOP_TIMEOUT_MS,
  PROP_PROVIDER_INIT_TIMEOUT_MS,
  PROP_TRIGGER_MAX_RETRIES,
  PROP_START_LIMIT_BURST,
  PROP_START_LIMIT_INTERVAL_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SdRestartPolicy, sd_restart_policy, G_TYPE_OBJECT)

static void
sd_restart_policy_finalize (GObject *object)
{
  SdRestartPolicy *self = SD_RESTART_POLICY (object);

  g_clear_pointer (&self->rand, g_rand_free);
  g_mutex_clear (&self->rand_lock);

  G_OBJECT_CLASS (sd_restart_policy_parent_class)->finalize (object);
}

static void
sd_restart_policy_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SdRestartPolicy *self = SD_RESTART_POLICY (object);

  switch (prop_id)
    {
    case PROP_INITIAL_DELAY_MS:
      g_value_set_uint64 (value, self->initial_delay_ms);
      break;

    case PROP_MAX_DELAY_MS:
      g_value_set_uint64 (value, self->max_delay_ms);
      break;

    case PROP_MULTIPLIER:
      g_value_set_double (value, self->multiplier);
      break;

    case PROP_JITTER:
      g_value_set_double (value, self->jitter);
      break;

    case PROP_RESET_AFTER_MS:
      g_value_set_uint64 (value, self->reset_after_ms);
      break;

    case PROP_WAVE_SPAWN_TIMEOUT_MS:
      g_value_set_uint64 (value, self->wave_spawn_timeout_ms);
      break;

    case PROP_WAVE_STOP_TIMEOUT_MS:
      g_value_set_uint64 (value, self->wave_stop_timeout_ms);
      break;

    case PROP_PROVIDER_INIT_TIMEOUT_MS:
      g_value_set_uint64 (value, self->provider_init_timeout_ms);
      break;

    case PROP_TRIGGER_MAX_RETRIES:
      g_value_set_int (value, self->trigger_max_retries);
      break;

    case PROP_START_LIMIT_BURST:
      g_value_set_uint (value, self->start_limit_burst);
      break;

    case PROP_START_LIMIT_INTERVAL_MS:
      g_value_set_uint64 (value, self->start_limit_interval_ms);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_restart_policy_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SdRestartPolicy *self = SD_RESTART_POLICY (object);

  switch (prop_id)
    {
    case PROP_INITIAL_DELAY_MS:
      sd_restart_policy_set_initial_delay_ms (self, g_value_get_uint64 (value));
      break;

    case PROP_MAX_DELAY_MS:
      sd_restart_policy_set_max_delay_ms (self, g_value_get_uint64 (value));
      break;

    case PROP_MULTIPLIER:
      sd_restart_policy_set_multiplier (self, g_value_get_double (value));
      break;

    case PROP_JITTER:
      sd_restart_policy_set_jitter (self, g_value_get_double (value));
      break;

    case PROP_RESET_AFTER_MS:
      sd_restart_policy_set_reset_after_ms (self, g_value_get_uint64 (value));
      break;

    case PROP_WAVE_SPAWN_TIMEOUT_MS:
      sd_restart_policy_set_wave_spawn_timeout_ms (self, g_value_get_uint64 (value));
      break;

    case PROP_WAVE_STOP_TIMEOUT_MS:
      sd_restart_policy_set_wave_stop_timeout_ms (self, g_value_get_uint64 (value));
      break;

    case PROP_PROVIDER_INIT_TIMEOUT_MS:
      sd_restart_policy_set_provider_init_timeout_ms (self, g_value_get_uint64 (value));
      break;

    case PROP_TRIGGER_MAX_RETRIES:
      sd_restart_policy_set_trigger_max_retries (self, g_value_get_int (value));
      break;

    case PROP_START_LIMIT_BURST:
      sd_restart_policy_set_start_limit_burst (self, g_value_get_uint (value));
      break;

    case PROP_START_LIMIT_INTERVAL_MS:
      sd_restart_policy_set_start_limit_interval_ms (self, g_value_get_uint64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sd_restart_policy_class_init (SdRestartPolicyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sd_restart_policy_finalize;
  object_class->get_property = sd_restart_policy_get_property;
  object_class->set_property = sd_restart_policy_set_property;

  /**
   * SdRestartPolicy:initial-delay-ms:
   *
   * Delay before the first restart after a failure, in milliseconds.
   *
   * Since: 1.0
   */
  properties[PROP_INITIAL_DELAY_MS] =
    g_param_spec_uint64 ("initial-delay-ms", NULL, NULL,
                     1, G_MAXUINT64, 1000,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRestartPolicy:max-delay-ms:
   *
   * Upper bound of the restart delay before jitter, in milliseconds.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_DELAY_MS] =
    g_param_spec_uint64 ("max-delay-ms", NULL, NULL,
                     1, G_MAXUINT64, 300000,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRestartPolicy:multiplier:
   *
   * Factor between two successive restart delays.
   *
   * Since: 1.0
   */
  properties[PROP_MULTIPLIER] =
    g_param_spec_double ("multiplier", NULL, NULL,
                     1.0, 1000.0, 2.0,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRestartPolicy:jitter:
   *
   * Relative random spread applied to each delay (0.1 means ±10 %).
   *
   * Since: 1.0
   */
  properties[PROP_JITTER] =
    g_param_spec_double ("jitter", NULL, NULL,
                     0.0, 1.0, 0.1,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRestartPolicy:reset-after-ms:
   *
   * A generation that ran this long resets the backoff, in milliseconds.
   *
   * Since: 1.0
   */
  properties[PROP_RESET_AFTER_MS] =
    g_param_spec_uint64 ("reset-after-ms", NULL, NULL,
                     0, G_MAXUINT64, 60000,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRestartPolicy:wave-spawn-timeout-ms:
   *
   * How long a startup wave waits for its services to become healthy, in milliseconds.
   *
   * Since: 1.0
   */
  properties[PROP_WAVE_SPAWN_TIMEOUT_MS] =
    g_param_spec_uint64 ("wave-spawn-timeout-ms", NULL, NULL,
                     0, G_MAXUINT64, 5000,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRestartPolicy:wave-stop-timeout-ms:
   *
   * How long a stopping generation may take before it is abandoned, in milliseconds.
   *
   * Since: 1.0
   */
  properties[PROP_WAVE_STOP_TIMEOUT_MS] =
    g_param_spec_uint64 ("wave-stop-timeout-ms", NULL, NULL,
                     0, G_MAXUINT64, 30000,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRestartPolicy:provider-init-timeout-ms:
   *
   * How long a retryable provider initialisation is retried, in milliseconds.
   *
   * Since: 1.0
   */
  properties[PROP_PROVIDER_INIT_TIMEOUT_MS] =
    g_param_spec_uint64 ("provider-init-timeout-ms", NULL, NULL,
                     0, G_MAXUINT64, 5000,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRestartPolicy:trigger-max-retries:
   *
   * How often a failed trigger handler is retried; -1 for no limit.
   *
   * Since: 1.0
   */
  properties[PROP_TRIGGER_MAX_RETRIES] =
    g_param_spec_int ("trigger-max-retries", NULL, NULL,
                     -1, G_MAXINT, -1,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRestartPolicy:start-limit-burst:
   *
   * Starts allowed within start-limit-interval-ms before the service fails; 0 turns the limit off.
   *
   * Since: 1.0
   */
  properties[PROP_START_LIMIT_BURST] =
    g_param_spec_uint ("start-limit-burst", NULL, NULL,
                     0, G_MAXUINT, 0,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * SdRestartPolicy:start-limit-interval-ms:
   *
   * The window of the start limit, in milliseconds.
   *
   * Since: 1.0
   */
  properties[PROP_START_LIMIT_INTERVAL_MS] =
    g_param_spec_uint64 ("start-limit-interval-ms", NULL, NULL,
                     1, G_MAXUINT64, 10000,
                     (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sd_restart_policy_init (SdRestartPolicy *self)
{
  self->initial_delay_ms = 1000;
  self->max_delay_ms = 300000;
  self->multiplier = 2.0;
  self->jitter = 0.1;
  self->reset_after_ms = 60000;
  self->wave_spawn_timeout_ms = 5000;
  self->wave_stop_timeout_ms = 30000;
  self->provider_init_timeout_ms = 5000;
  self->trigger_max_retries = -1;
  self->start_limit_burst = 0;
  self->start_limit_interval_ms = 10000;

  g_mutex_init (&self->rand_lock);
  self->rand = g_rand_new ();
}

/**
 * sd_restart_policy_new:
 *
 * Creates a restart policy with the production defaults listed in the description of
 * #SdRestartPolicy.
 *
 * Returns: (transfer full): a new #SdRestartPolicy
 *
 * Since: 1.0
 */
SdRestartPolicy *
sd_restart_policy_new (void)
{
  return g_object_new (SD_TYPE_RESTART_POLICY, NULL);
}

/**
 * sd_restart_policy_new_for_testing:
 *
 * Creates a restart policy with short values for tests: delays of 100 ms doubling up to
 * 2000 ms, no jitter, reset after 5000 ms, wave spawn timeout 500 ms, stop timeout 2000 ms
 * and provider initialisation timeout 500 ms.
 *
 * Returns: (transfer full): a new #SdRestartPolicy
 *
 * Since: 1.0
 */
SdRestartPolicy *
sd_restart_policy_new_for_testing (void)
{
  return g_object_new (SD_TYPE_RESTART_POLICY,
                       "initial-delay-ms", (guint64) 100,
                       "max-delay-ms", (guint64) 2000,
                       "jitter", (double) 0.0,
                       "reset-after-ms", (guint64) 5000,
                       "wave-spawn-timeout-ms", (guint64) 500,
                       "wave-stop-timeout-ms", (guint64) 2000,
                       "provider-init-timeout-ms", (guint64) 500,
                       NULL);
}

/**
 * sd_restart_policy_copy:
 * @self: a #SdRestartPolicy
 *
 * Creates a new policy with the same values as @self. The copy has a random source of its
 * own, unseeded.
 *
 * Returns: (transfer full): a new #SdRestartPolicy
 *
 * Since: 1.0
 */
SdRestartPolicy *
sd_restart_policy_copy (SdRestartPolicy *self)
{
  SdRestartPolicy *copy;

  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), NULL);

  copy = sd_restart_policy_new ();
  copy->initial_delay_ms = self->initial_delay_ms;
  copy->max_delay_ms = self->max_delay_ms;
  copy->multiplier = self->multiplier;
  copy->jitter = self->jitter;
  copy->reset_after_ms = self->reset_after_ms;
  copy->wave_spawn_timeout_ms = self->wave_spawn_timeout_ms;
  copy->wave_stop_timeout_ms = self->wave_stop_timeout_ms;
  copy->provider_init_timeout_ms = self->provider_init_timeout_ms;
  copy->trigger_max_retries = self->trigger_max_retries;
  copy->start_limit_burst = self->start_limit_burst;
  copy->start_limit_interval_ms = self->start_limit_interval_ms;

  return copy;
}

/**
 * sd_restart_policy_get_initial_delay_ms:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:initial-delay-ms.
 *
 * Returns: the value of #SdRestartPolicy:initial-delay-ms
 *
 * Since: 1.0
 */
guint64
sd_restart_policy_get_initial_delay_ms (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->initial_delay_ms;
}

/**
 * sd_restart_policy_set_initial_delay_ms:
 * @self: a #SdRestartPolicy
 * @initial_delay_ms: the new value, from 1 to %G_MAXUINT64
 *
 * Sets #SdRestartPolicy:initial-delay-ms.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_initial_delay_ms (SdRestartPolicy *self,
                                        guint64         initial_delay_ms)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));
  g_return_if_fail (initial_delay_ms >= 1);

  if (self->initial_delay_ms == initial_delay_ms)
    return;

  self->initial_delay_ms = initial_delay_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INITIAL_DELAY_MS]);
}

/**
 * sd_restart_policy_get_max_delay_ms:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:max-delay-ms.
 *
 * Returns: the value of #SdRestartPolicy:max-delay-ms
 *
 * Since: 1.0
 */
guint64
sd_restart_policy_get_max_delay_ms (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->max_delay_ms;
}

/**
 * sd_restart_policy_set_max_delay_ms:
 * @self: a #SdRestartPolicy
 * @max_delay_ms: the new value, from 1 to %G_MAXUINT64
 *
 * Sets #SdRestartPolicy:max-delay-ms.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_max_delay_ms (SdRestartPolicy *self,
                                    guint64         max_delay_ms)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));
  g_return_if_fail (max_delay_ms >= 1);

  if (self->max_delay_ms == max_delay_ms)
    return;

  self->max_delay_ms = max_delay_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_DELAY_MS]);
}

/**
 * sd_restart_policy_get_multiplier:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:multiplier.
 *
 * Returns: the value of #SdRestartPolicy:multiplier
 *
 * Since: 1.0
 */
double
sd_restart_policy_get_multiplier (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->multiplier;
}

/**
 * sd_restart_policy_set_multiplier:
 * @self: a #SdRestartPolicy
 * @multiplier: the new value, from 1.0 to 1000.0
 *
 * Sets #SdRestartPolicy:multiplier.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_multiplier (SdRestartPolicy *self,
                                  double          multiplier)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));
  g_return_if_fail (multiplier >= 1.0 && multiplier <= 1000.0);

  if (self->multiplier == multiplier)
    return;

  self->multiplier = multiplier;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MULTIPLIER]);
}

/**
 * sd_restart_policy_get_jitter:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:jitter.
 *
 * Returns: the value of #SdRestartPolicy:jitter
 *
 * Since: 1.0
 */
double
sd_restart_policy_get_jitter (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->jitter;
}

/**
 * sd_restart_policy_set_jitter:
 * @self: a #SdRestartPolicy
 * @jitter: the new value, from 0.0 to 1.0
 *
 * Sets #SdRestartPolicy:jitter.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_jitter (SdRestartPolicy *self,
                              double          jitter)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));
  g_return_if_fail (jitter >= 0.0 && jitter <= 1.0);

  if (self->jitter == jitter)
    return;

  self->jitter = jitter;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JITTER]);
}

/**
 * sd_restart_policy_get_reset_after_ms:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:reset-after-ms.
 *
 * Returns: the value of #SdRestartPolicy:reset-after-ms
 *
 * Since: 1.0
 */
guint64
sd_restart_policy_get_reset_after_ms (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->reset_after_ms;
}

/**
 * sd_restart_policy_set_reset_after_ms:
 * @self: a #SdRestartPolicy
 * @reset_after_ms: the new value, from 0 to %G_MAXUINT64
 *
 * Sets #SdRestartPolicy:reset-after-ms.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_reset_after_ms (SdRestartPolicy *self,
                                      guint64         reset_after_ms)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));

  if (self->reset_after_ms == reset_after_ms)
    return;

  self->reset_after_ms = reset_after_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESET_AFTER_MS]);
}

/**
 * sd_restart_policy_get_wave_spawn_timeout_ms:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:wave-spawn-timeout-ms.
 *
 * Returns: the value of #SdRestartPolicy:wave-spawn-timeout-ms
 *
 * Since: 1.0
 */
guint64
sd_restart_policy_get_wave_spawn_timeout_ms (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->wave_spawn_timeout_ms;
}

/**
 * sd_restart_policy_set_wave_spawn_timeout_ms:
 * @self: a #SdRestartPolicy
 * @timeout_ms: the new value, from 0 to %G_MAXUINT64
 *
 * Sets #SdRestartPolicy:wave-spawn-timeout-ms.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_wave_spawn_timeout_ms (SdRestartPolicy *self,
                                             guint64         timeout_ms)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));

  if (self->wave_spawn_timeout_ms == timeout_ms)
    return;

  self->wave_spawn_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAVE_SPAWN_TIMEOUT_MS]);
}

/**
 * sd_restart_policy_get_wave_stop_timeout_ms:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:wave-stop-timeout-ms.
 *
 * Returns: the value of #SdRestartPolicy:wave-stop-timeout-ms
 *
 * Since: 1.0
 */
guint64
sd_restart_policy_get_wave_stop_timeout_ms (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->wave_stop_timeout_ms;
}

/**
 * sd_restart_policy_set_wave_stop_timeout_ms:
 * @self: a #SdRestartPolicy
 * @timeout_ms: the new value, from 0 to %G_MAXUINT64
 *
 * Sets #SdRestartPolicy:wave-stop-timeout-ms.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_wave_stop_timeout_ms (SdRestartPolicy *self,
                                            guint64         timeout_ms)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));

  if (self->wave_stop_timeout_ms == timeout_ms)
    return;

  self->wave_stop_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAVE_STOP_TIMEOUT_MS]);
}

/**
 * sd_restart_policy_get_provider_init_timeout_ms:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:provider-init-timeout-ms.
 *
 * Returns: the value of #SdRestartPolicy:provider-init-timeout-ms
 *
 * Since: 1.0
 */
guint64
sd_restart_policy_get_provider_init_timeout_ms (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->provider_init_timeout_ms;
}

/**
 * sd_restart_policy_set_provider_init_timeout_ms:
 * @self: a #SdRestartPolicy
 * @timeout_ms: the new value, from 0 to %G_MAXUINT64
 *
 * Sets #SdRestartPolicy:provider-init-timeout-ms.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_provider_init_timeout_ms (SdRestartPolicy *self,
                                                guint64         timeout_ms)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));

  if (self->provider_init_timeout_ms == timeout_ms)
    return;

  self->provider_init_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROVIDER_INIT_TIMEOUT_MS]);
}

/**
 * sd_restart_policy_get_trigger_max_retries:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:trigger-max-retries.
 *
 * Returns: the value of #SdRestartPolicy:trigger-max-retries
 *
 * Since: 1.0
 */
int
sd_restart_policy_get_trigger_max_retries (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->trigger_max_retries;
}

/**
 * sd_restart_policy_set_trigger_max_retries:
 * @self: a #SdRestartPolicy
 * @max_retries: the new value, from -1 to %G_MAXINT
 *
 * Sets #SdRestartPolicy:trigger-max-retries.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_trigger_max_retries (SdRestartPolicy *self,
                                           int             max_retries)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));
  g_return_if_fail (max_retries >= -1);

  if (self->trigger_max_retries == max_retries)
    return;

  self->trigger_max_retries = max_retries;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRIGGER_MAX_RETRIES]);
}

/**
 * sd_restart_policy_get_start_limit_burst:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:start-limit-burst.
 *
 * Returns: the value of #SdRestartPolicy:start-limit-burst
 *
 * Since: 1.0
 */
guint
sd_restart_policy_get_start_limit_burst (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->start_limit_burst;
}

/**
 * sd_restart_policy_set_start_limit_burst:
 * @self: a #SdRestartPolicy
 * @burst: the new value, from 0 to %G_MAXUINT
 *
 * Sets #SdRestartPolicy:start-limit-burst.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_start_limit_burst (SdRestartPolicy *self,
                                         guint           burst)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));

  if (self->start_limit_burst == burst)
    return;

  self->start_limit_burst = burst;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_LIMIT_BURST]);
}

/**
 * sd_restart_policy_get_start_limit_interval_ms:
 * @self: a #SdRestartPolicy
 *
 * Gets #SdRestartPolicy:start-limit-interval-ms.
 *
 * Returns: the value of #SdRestartPolicy:start-limit-interval-ms
 *
 * Since: 1.0
 */
guint64
sd_restart_policy_get_start_limit_interval_ms (SdRestartPolicy *self)
{
  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  return self->start_limit_interval_ms;
}

/**
 * sd_restart_policy_set_start_limit_interval_ms:
 * @self: a #SdRestartPolicy
 * @interval_ms: the new value, from 1 to %G_MAXUINT64
 *
 * Sets #SdRestartPolicy:start-limit-interval-ms.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_start_limit_interval_ms (SdRestartPolicy *self,
                                               guint64         interval_ms)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));
  g_return_if_fail (interval_ms >= 1);

  if (self->start_limit_interval_ms == interval_ms)
    return;

  self->start_limit_interval_ms = interval_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_LIMIT_INTERVAL_MS]);
}

/**
 * sd_restart_policy_set_random_seed:
 * @self: a #SdRestartPolicy
 * @seed: the seed
 *
 * Seeds the random source that spreads delays by #SdRestartPolicy:jitter, so that a test
 * sees the same sequence of delays on every run.
 *
 * Since: 1.0
 */
void
sd_restart_policy_set_random_seed (SdRestartPolicy *self,
                                   guint32          seed)
{
  g_return_if_fail (SD_IS_RESTART_POLICY (self));

  g_mutex_lock (&self->rand_lock);
  g_rand_set_seed (self->rand, seed);
  g_mutex_unlock (&self->rand_lock);
}

/**
 * sd_restart_policy_get_base_delay_ms:
 * @self: a #SdRestartPolicy
 * @attempt: the number of the consecutive failure, starting at 1
 *
 * Computes the restart delay after the @attempt-th consecutive failure before jitter:
 * `min (max-delay-ms, initial-delay-ms × multiplier^(attempt-1))`. An @attempt of 0 is
 * treated as 1.
 *
 * Returns: the delay in milliseconds
 *
 * Since: 1.0
 */
guint64
sd_restart_policy_get_base_delay_ms (SdRestartPolicy *self,
                                     guint            attempt)
{
  double delay;

  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  delay = (double) self->initial_delay_ms;
  for (guint i = 1; i < attempt && delay < (double) self->max_delay_ms; i++)
    delay *= self->multiplier;

  if (delay >= (double) self->max_delay_ms)
    return self->max_delay_ms;

  return (guint64) llround (delay);
}

/**
 * sd_restart_policy_compute_delay_ms:
 * @self: a #SdRestartPolicy
 * @attempt: the number of the consecutive failure, starting at 1
 *
 * Computes the restart delay after the @attempt-th consecutive failure: the base delay of
 * sd_restart_policy_get_base_delay_ms() spread uniformly by ±#SdRestartPolicy:jitter of
 * itself, using the policy's random source.
 *
 * Returns: the delay in milliseconds
 *
 * Since: 1.0
 */
guint64
sd_restart_policy_compute_delay_ms (SdRestartPolicy *self,
                                    guint            attempt)
{
  guint64 base;
  double spread;

  g_return_val_if_fail (SD_IS_RESTART_POLICY (self), 0);

  base = sd_restart_policy_get_base_delay_ms (self, attempt);
  if (self->jitter <= 0.0)
    return base;

  g_mutex_lock (&self->rand_lock);
  spread = g_rand_double_range (self->rand, -self->jitter, self->jitter);
  g_mutex_unlock (&self->rand_lock);

  return (guint64) MAX (0, llround ((double) base * (1.0 + spread)));
}
