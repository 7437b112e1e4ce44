/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sd.h>

G_BEGIN_DECLS

/* What a test service does in each generation. */
typedef enum {
  SD_TEST_IDLE,          /* handshake, then wait for the stop request */
  SD_TEST_FAIL,          /* handshake, then fail at once (every generation) */
  SD_TEST_FAIL_TWICE,    /* fail in the first two generations, then idle */
  SD_TEST_CLEAN_EXIT,    /* handshake, then return success at once */
  SD_TEST_FATAL,         /* fail with SD_SERVICE_ERROR_FATAL before the handshake */
  SD_TEST_NO_HANDSHAKE,  /* wait for the stop request without ever saying HEALTHY */
  SD_TEST_IGNORE_STOP,   /* handshake, then never return */
  SD_TEST_SHELF,         /* count generations on the shelf; shelve on NEED_RELOAD */
  SD_TEST_FAIL_LATE,     /* fail at once in generations 1 and 2, later ones after `run_ms` */
  SD_TEST_FAIL_ONCE,     /* fail in generation 1, then idle */
  SD_TEST_FORWARD,       /* hand run_async()'s own callback to the wait for shutdown */
} SdTestMode;

#define SD_TYPE_TEST_SERVICE (sd_test_service_get_type ())
G_DECLARE_FINAL_TYPE (SdTestService, sd_test_service, SD, TEST_SERVICE, SdService)

#define SD_TYPE_TEST_BLOCKING (sd_test_blocking_get_type ())
G_DECLARE_FINAL_TYPE (SdTestBlocking, sd_test_blocking, SD, TEST_BLOCKING, SdService)

/* Both test services expose what they saw; tests read the fields directly. */
typedef struct
{
  SdTestMode       mode;
  guint            handshake_delay_ms;
  guint            run_ms;
  GThread         *thread;            /* thread of the last run / run_async call */
  GMainContext    *main_context;      /* thread-default context during that call */
  char            *thread_name;
  SdServiceState   start_state;       /* state the last generation started in */
  guint            generations;
  gint64           shelf_count;       /* what the last generation found on the shelf, -1: none */
  char            *previous_error;
  gboolean         saw_current;       /* sd_context_get_current() matched during the call */
} SdTestRecord;

struct _SdTestService
{
  SdService    parent_instance;
  SdTestRecord record;
};

struct _SdTestBlocking
{
  SdService    parent_instance;
  SdTestRecord record;
};

SdService *sd_test_service_new   (const char  *name,
                                  guint        priority,
                                  SdTestMode   mode);
SdService *sd_test_blocking_new  (const char  *name,
                                  guint        priority,
                                  SdTestMode   mode);
SdTestRecord *sd_test_record     (SdService   *service);

/* Lets blocking services stuck in SD_TEST_IGNORE_STOP return (called at test teardown). */
void       sd_test_release_stuck (void);

/* A daemon with an empty registry, the testing restart policy and no signal handling. */
SdDaemon  *sd_test_daemon_new    (void);
void       sd_test_add           (SdDaemon    *daemon,
                                  SdService   *service);

/* Records every "name:state" transition of a daemon, in order, with its monotonic time. */
typedef struct
{
  GPtrArray *events;  /* (element-type utf8) */
  GArray    *times;   /* (element-type gint64) */
} SdTestRecorder;

SdTestRecorder *sd_test_recorder_new   (SdDaemon       *daemon);
void            sd_test_recorder_free  (SdTestRecorder *recorder);
int             sd_test_recorder_index (SdTestRecorder *recorder,
                                        const char     *event,
                                        guint           nth);
guint           sd_test_recorder_count (SdTestRecorder *recorder,
                                        const char     *event);
char           *sd_test_recorder_dump  (SdTestRecorder *recorder);

typedef gboolean (*SdTestPredicate) (gpointer data);

/* Iterates the default main context until @predicate holds; fails the test after a
 * generous guard (a hang, not a timing assertion). */
void       sd_test_wait          (SdTestPredicate predicate,
                                  gpointer        data);
void       sd_test_wait_state    (SdService      *service,
                                  SdServiceState  state);
void       sd_test_run_async     (SdDaemon       *daemon,
                                  gboolean       *finished);
void       sd_test_shutdown_and_wait (SdDaemon   *daemon,
                                  gboolean       *finished);

/* Calls sd_daemon_<op>_service_async() (op: start, stop, restart, reload) and waits. */
gboolean   sd_test_op            (SdDaemon       *daemon,
                                  const char     *op,
                                  const char     *name,
                                  GError        **error);

/* Log capture: warnings are recorded instead of aborting the test. */
void       sd_test_init          (int            *argc,
                                  char         ***argv);
gboolean   sd_test_log_contains  (const char     *needle);
void       sd_test_log_clear     (void);

G_END_DECLS
