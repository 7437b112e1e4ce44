/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sd-test-child.h"

#include <signal.h>
#include <stdarg.h>
#include <string.h>

struct _SdTestChild
{
  char             *name;         /* (owned) */
  GSubprocess      *process;      /* (owned) */
  GDataInputStream *output;       /* (owned) */
  GCancellable     *cancellable;  /* (owned) */
  GPtrArray        *lines;        /* (owned) (element-type utf8) */
  GSource          *guard;        /* (owned) */
  guint             n_pending;    /* asynchronous operations that still hold the child */
  gboolean          eof;
  gboolean          exited;
  gboolean          timed_out;
};

static void read_next_line (SdTestChild *child);

static void
dump_output (SdTestChild *child)
{
  g_test_message ("output of %s so far (%u lines):", child->name, child->lines->len);
  for (guint i = 0; i < child->lines->len; i++)
    g_test_message ("  | %s", (const char *) g_ptr_array_index (child->lines, i));
}

/* Ends the test: stops the child first so that no process outlives the failure. */
G_GNUC_PRINTF (4, 5) G_GNUC_NORETURN static void
child_fail (SdTestChild *child,
            const char  *file,
            int          line,
            const char  *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (!child->exited)
    g_subprocess_force_exit (child->process);
  dump_output (child);

  g_assertion_message (G_LOG_DOMAIN, file, line, G_STRFUNC, message);
  g_abort ();
}

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SdTestChild *child = user_data;
  g_autoptr(GError) error = NULL;
  char *line;

  child->n_pending--;
  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result,
                                                    NULL, &error);
  if (line == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_test_message ("reading the output of %s failed: %s", child->name, error->message);
      child->eof = TRUE;
      return;
    }

  g_ptr_array_add (child->lines, line);
  if (g_test_verbose ())
    g_test_message ("%s | %s", child->name, line);

  read_next_line (child);
}

static void
read_next_line (SdTestChild *child)
{
  child->n_pending++;
  g_data_input_stream_read_line_async (child->output, G_PRIORITY_DEFAULT, child->cancellable,
                                       read_line_cb, child);
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SdTestChild *child = user_data;

  child->n_pending--;
  /* Fails only when cancelled */
  if (g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL))
    child->exited = TRUE;
}

static gboolean
guard_cb (gpointer user_data)
{
  SdTestChild *child = user_data;

  child->timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

/**
 * sd_test_child_spawn:
 * @argv: the program and its arguments
 *
 * Starts @argv with its standard output piped to the test, and starts reading it.
 */
SdTestChild *
sd_test_child_spawn (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  SdTestChild *child;

  g_assert_nonnull (argv);
  g_assert_nonnull (argv[0]);

  child = g_new0 (SdTestChild, 1);
  child->name = g_path_get_basename (argv[0]);
  child->lines = g_ptr_array_new_with_free_func (g_free);
  child->cancellable = g_cancellable_new ();

  child->process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);

  child->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->process));
  read_next_line (child);

  child->n_pending++;
  g_subprocess_wait_async (child->process, child->cancellable, wait_cb, child);

  child->guard = g_timeout_source_new_seconds (SD_TEST_CHILD_GUARD_SECONDS);
  g_source_set_callback (child->guard, guard_cb, child, NULL);
  g_source_attach (child->guard, g_main_context_get_thread_default ());

  return child;
}

/**
 * sd_test_child_free:
 * @child: a child
 *
 * Kills the child if it still runs and frees everything.
 */
void
sd_test_child_free (SdTestChild *child)
{
  if (child == NULL)
    return;

  if (!child->exited)
    g_subprocess_force_exit (child->process);

  g_cancellable_cancel (child->cancellable);
  while (child->n_pending > 0)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  g_source_destroy (child->guard);
  g_source_unref (child->guard);
  g_clear_object (&child->output);
  g_clear_object (&child->process);
  g_clear_object (&child->cancellable);
  g_ptr_array_unref (child->lines);
  g_free (child->name);
  g_free (child);
}

void
sd_test_child_send_signal (SdTestChild *child,
                           int          signum)
{
  if (child->exited)
    child_fail (child, __FILE__, __LINE__,
                "%s exited before it could be sent signal %d", child->name, signum);

  g_test_message ("sending %s to %s", g_strsignal (signum), child->name);
  g_subprocess_send_signal (child->process, signum);
}

/**
 * sd_test_child_find_line:
 * @child: a child
 * @needle: a substring
 *
 * Returns: the index of the first line read so far that contains @needle, or -1
 */
int
sd_test_child_find_line (SdTestChild *child,
                         const char  *needle)
{
  for (guint i = 0; i < child->lines->len; i++)
    {
      if (strstr (g_ptr_array_index (child->lines, i), needle) != NULL)
        return (int) i;
    }

  return -1;
}

/**
 * sd_test_child_wait_line:
 * @child: a child
 * @needle: a substring
 *
 * Iterates the main context until a line containing @needle has been read. Fails the test
 * if the output ends first or the guard expires.
 *
 * Returns: the index of that line
 */
guint
sd_test_child_wait_line (SdTestChild *child,
                         const char  *needle)
{
  GMainContext *context = g_main_context_get_thread_default ();
  guint searched = 0;

  for (;;)
    {
      for (; searched < child->lines->len; searched++)
        {
          if (strstr (g_ptr_array_index (child->lines, searched), needle) != NULL)
            return searched;
        }

      if (child->eof)
        child_fail (child, __FILE__, __LINE__,
                    "the output of %s ended without a line containing \"%s\"",
                    child->name, needle);
      if (child->timed_out)
        child_fail (child, __FILE__, __LINE__,
                    "no line containing \"%s\" from %s within %d s",
                    needle, child->name, SD_TEST_CHILD_GUARD_SECONDS);

      g_main_context_iteration (context, TRUE);
    }
}

const char *
sd_test_child_get_line (SdTestChild *child,
                        guint        index)
{
  g_assert_cmpuint (index, <, child->lines->len);

  return g_ptr_array_index (child->lines, index);
}

/**
 * sd_test_child_wait_exit:
 * @child: a child
 *
 * Iterates the main context until the child has exited and all its output has been read.
 * Fails the test if the guard expires first.
 */
void
sd_test_child_wait_exit (SdTestChild *child)
{
  GMainContext *context = g_main_context_get_thread_default ();

  while (!child->exited || !child->eof)
    {
      if (child->timed_out)
        child_fail (child, __FILE__, __LINE__,
                    "%s did not exit within %d s", child->name, SD_TEST_CHILD_GUARD_SECONDS);

      g_main_context_iteration (context, TRUE);
    }
}

/**
 * sd_test_child_exited:
 * @child: a child that has exited
 * @exit_status: (out): its exit status, if it exited normally
 *
 * Returns: %TRUE if the child exited normally, %FALSE if a signal killed it
 */
gboolean
sd_test_child_exited (SdTestChild *child,
                      int         *exit_status)
{
  g_assert_true (child->exited);

  if (!g_subprocess_get_if_exited (child->process))
    {
      g_test_message ("%s was killed by signal %d", child->name,
                      g_subprocess_get_term_sig (child->process));
      dump_output (child);
      return FALSE;
    }

  *exit_status = g_subprocess_get_exit_status (child->process);
  if (*exit_status != 0)
    g_test_message ("%s exited with status %d", child->name, *exit_status);

  return TRUE;
}

char *
sd_test_child_dup_output (SdTestChild *child)
{
  g_autoptr(GString) output = g_string_new (NULL);

  for (guint i = 0; i < child->lines->len; i++)
    g_string_append_printf (output, "%s\n", (const char *) g_ptr_array_index (child->lines, i));

  return g_string_free (g_steal_pointer (&output), FALSE);
}

/**
 * sd_test_program_path:
 * @env_name: an environment variable that may name the program
 * @fallback: the path of the program in the build tree
 *
 * Returns: (transfer none): the program to run
 */
const char *
sd_test_program_path (const char *env_name,
                      const char *fallback)
{
  const char *path = g_getenv (env_name);

  return path != NULL && *path != '\0' ? path : fallback;
}

/* The index of a line that must have been read; fails the test (showing the output) if
 * there is none */
guint
sd_test_child_line_index (SdTestChild *child,
                          const char  *needle)
{
  int index = sd_test_child_find_line (child, needle);

  if (index < 0)
    {
      g_autofree char *output = sd_test_child_dup_output (child);

      g_test_message ("output:\n%s", output);
      g_test_fail_printf ("no line contains \"%s\"", needle);
    }
  g_assert_cmpint (index, >=, 0);

  return (guint) index;
}
