/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A program under test, run as a child process whose standard output is read line by line
 * on the thread-default main context. Every wait iterates that context until what it waits
 * for happens; a guard (SD_TEST_CHILD_GUARD_SECONDS from the spawn) fails the test instead
 * of hanging it. */

#define SD_TEST_CHILD_GUARD_SECONDS 30

typedef struct _SdTestChild SdTestChild;

SdTestChild *sd_test_child_spawn         (const char * const *argv);
void         sd_test_child_free          (SdTestChild        *child);

void         sd_test_child_send_signal   (SdTestChild        *child,
                                          int                 signum);
guint        sd_test_child_wait_line     (SdTestChild        *child,
                                          const char         *needle);
guint        sd_test_child_line_index    (SdTestChild        *child,
                                          const char         *needle);
int          sd_test_child_find_line     (SdTestChild        *child,
                                          const char         *needle);
const char  *sd_test_child_get_line      (SdTestChild        *child,
                                          guint               index);
void         sd_test_child_wait_exit     (SdTestChild        *child);
gboolean     sd_test_child_exited        (SdTestChild        *child,
                                          int                *exit_status);
char        *sd_test_child_dup_output    (SdTestChild        *child);

const char  *sd_test_program_path        (const char         *env_name,
                                          const char         *fallback);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdTestChild, sd_test_child_free)

G_END_DECLS
