/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-context-private.h"
#include "sd-lane-private.h"
#include "sd-service-private.h"
#include "sd-types.h"

G_BEGIN_DECLS

/* Where a unit is in its supervision cycle (the service's visible state is separate). */
typedef enum {
  SD_UNIT_IDLE,      /* not started yet in this run */
  SD_UNIT_RUNNING,   /* a generation is live */
  SD_UNIT_STOPPING,  /* a generation was asked to stop and is still live */
  SD_UNIT_BACKOFF,   /* waiting for a restart */
  SD_UNIT_DOWN,      /* no generation and none scheduled */
} SdUnitPhase;

/* Why the live generation was asked to stop: decides what follows its end. */
typedef enum {
  SD_STOP_NONE,
  SD_STOP_RELOAD,    /* then a RESTORING generation, at once */
  SD_STOP_RESTART,   /* then an INITIALIZING generation, at once */
  SD_STOP_OPERATOR,  /* then STOPPED */
  SD_STOP_SHUTDOWN,  /* then TERMINATED */
} SdStopReason;

typedef enum {
  SD_OP_START,
  SD_OP_STOP,
  SD_OP_RESTART,
  SD_OP_RELOAD,
} SdOpKind;

/*
 * SdUnit:
 *
 * The supervisor's record of one service in one daemon. Every field is owned by the thread
 * that runs the daemon; generations talk to it only through the daemon's event queue.
 */
/* The parts of a unit that most services never need, allocated on first use. */
typedef struct
{
  GThread        *thread;          /* (owned) (nullable): the blocking generation's thread */
  GError         *previous_error;  /* (owned) (nullable): how the last generation failed */
  gint64         *start_times;     /* (owned) (nullable): ring of start times for the budget */
  GSList         *ops;             /* (owned) (element-type SdOp): pending operator calls */
  guint           n_start_times;
  guint           start_times_len;
} SdUnitExtra;

struct _SdUnit
{
  SdDaemon       *daemon;          /* (unowned) */
  SdService      *service;         /* (owned) */
  SdLaneRuntime  *lane;            /* (owned) (nullable): async services, once started */
  SdContext      *context;         /* (owned) (nullable): the live generation */
  GSource        *timer;           /* (owned) (nullable): backoff or stop timeout */
  SdShelf        *shelf;           /* (owned) (nullable): from the first generation on */
  SdUnitExtra    *extra;           /* (owned) (nullable) */
  gint64          started_at;      /* monotonic time the live generation started */
  guint           generation;
  guint           n_restarts;
  guint           failures;        /* consecutive failures, for the backoff */
  guint8          phase;           /* SdUnitPhase */
  guint8          stop_reason;     /* SdStopReason */
  guint8          backoff_state;   /* SdServiceState of the pending restart */
  guint8          wave_pending : 1;
  guint8          stop_pending : 1;
};

SdUnit   *_sd_unit_new          (SdDaemon     *daemon,
                                 SdService    *service);
void      _sd_unit_free         (SdUnit       *unit);
void      _sd_unit_start        (SdUnit       *unit);
gboolean  _sd_unit_stop         (SdUnit       *unit,
                                 SdStopReason  reason);
gboolean  _sd_unit_reload       (SdUnit       *unit,
                                 GError      **error);
void      _sd_unit_add_op       (SdUnit       *unit,
                                 SdOpKind      kind,
                                 GTask        *task,
                                 guint         after_generation);
void      _sd_unit_fail_ops     (SdUnit       *unit,
                                 gboolean      keep_stops,
                                 const GError *error);
gboolean  _sd_unit_is_settled   (SdUnit       *unit);
void      _sd_unit_abandon      (SdUnit       *unit);

G_END_DECLS
