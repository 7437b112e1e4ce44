/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-lane-private.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sd-log-private.h"

/* How much the high-priority lane raises its thread's scheduling priority (nice value). */
#define HIGH_PRIORITY_NICE (-10)

/* Linux limits thread names to 15 bytes plus the terminating NUL. */
#define THREAD_NAME_MAX 15

struct _SdLaneRuntime
{
  gatomicrefcount  ref_count;
  SdLane           kind;
  char            *name;     /* (owned) */
  GMainContext    *context;  /* (owned) */
  GMainLoop       *loop;     /* (owned) (nullable): NULL for the standard lane */
  GThread         *thread;   /* (owned) (nullable) */
  gboolean         stuck;    /* (atomic) an abandoned generation may block the thread */
};

static void
raise_priority (SdLaneRuntime *self)
{
  pid_t tid = (pid_t) syscall (SYS_gettid);

  if (setpriority (PRIO_PROCESS, (id_t) tid, HIGH_PRIORITY_NICE) != 0)
    _sd_log (G_LOG_LEVEL_DEBUG, NULL,
             "Lane %s keeps the normal scheduling priority: %s",
             self->name, g_strerror (errno));
}

static gpointer
lane_thread_func (gpointer data)
{
  SdLaneRuntime *self = data;

  g_main_context_push_thread_default (self->context);
  if (self->kind == SD_LANE_HIGH_PRIORITY)
    raise_priority (self);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);

  _sd_lane_runtime_unref (self);

  return NULL;
}

char *
_sd_thread_name_for (const char *prefix,
                     const char *name)
{
  g_autofree char *full = g_strconcat (prefix, name, NULL);
  const char *end;

  if (strlen (full) <= THREAD_NAME_MAX)
    return g_steal_pointer (&full);

  /* Cut on a character boundary */
  end = full + THREAD_NAME_MAX;
  while (end > full && !g_utf8_validate (full, end - full, NULL))
    end--;

  return g_strndup (full, end - full);
}

SdLaneRuntime *
_sd_lane_runtime_new_standard (GMainContext *daemon_context)
{
  SdLaneRuntime *self;

  self = g_new0 (SdLaneRuntime, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->kind = SD_LANE_STANDARD;
  self->name = g_strdup ("standard");
  self->context = g_main_context_ref (daemon_context);

  return self;
}

SdLaneRuntime *
_sd_lane_runtime_new_thread (SdLane      kind,
                             const char *name)
{
  g_autofree char *thread_name = NULL;
  SdLaneRuntime *self;

  g_assert (kind != SD_LANE_STANDARD);

  self = g_new0 (SdLaneRuntime, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  self->name = g_strdup (name);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);

  if (kind == SD_LANE_HIGH_PRIORITY)
    thread_name = g_strdup ("sd-high-prio");
  else
    thread_name = _sd_thread_name_for ("sd:", strchr (name, ':') ? strchr (name, ':') + 1 : name);

  self->thread = g_thread_new (thread_name, lane_thread_func, _sd_lane_runtime_ref (self));

  return self;
}

SdLaneRuntime *
_sd_lane_runtime_ref (SdLaneRuntime *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
_sd_lane_runtime_unref (SdLaneRuntime *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->thread, g_thread_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->name);
  g_free (self);
}

SdLane
_sd_lane_runtime_get_kind (SdLaneRuntime *self)
{
  return self->kind;
}

const char *
_sd_lane_runtime_get_name (SdLaneRuntime *self)
{
  return self->name;
}

GMainContext *
_sd_lane_runtime_get_context (SdLaneRuntime *self)
{
  return self->context;
}

void
_sd_lane_runtime_invoke (SdLaneRuntime  *self,
                         GSourceFunc     func,
                         gpointer        data,
                         GDestroyNotify  destroy)
{
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, func, data, destroy);
}

static gboolean
quit_loop_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
_sd_lane_runtime_mark_stuck (SdLaneRuntime *self)
{
  g_atomic_int_set (&self->stuck, TRUE);
}

/*
 * Stops the lane's thread. A thread that may be blocked by an abandoned generation is not
 * waited for: it is left to finish (or to die with the process) so that shutdown never
 * blocks on user code.
 */
void
_sd_lane_runtime_stop (SdLaneRuntime *self)
{
  GThread *thread;

  if (self->loop == NULL)
    return;

  /* Quit from inside the loop: a g_main_loop_quit() that came before the thread entered
   * g_main_loop_run() would be forgotten. */
  g_main_context_invoke_full (self->context, G_PRIORITY_HIGH, quit_loop_cb,
                              g_main_loop_ref (self->loop),
                              (GDestroyNotify) g_main_loop_unref);

  thread = g_steal_pointer (&self->thread);
  if (thread == NULL)
    return;

  if (g_atomic_int_get (&self->stuck))
    g_thread_unref (thread);
  else
    g_thread_join (thread);
}
