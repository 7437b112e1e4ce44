/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A trigger kind of its own, written only on the public API of libsd-1 and
 * libsd-triggers-1 (docs/writing-a-trigger-kind.md walks through it):
 *
 * - "ExampleLineSource" is the provider the kind consumes: it owns the input — the file
 *   named by SD_EXAMPLE_LINES_FILE ("-" for standard input), or a generated line every
 *   half second — and the lines read but not handled yet;
 * - "ExampleLineTrigger" is the kind: each generation's setup starts a reader thread that
 *   reads lines, hands them to the source and calls sd_trigger_wake(); poll turns one
 *   line into a message; requeue gives back a line taken but not handled; teardown stops
 *   the reader. At the end of the input it asks for the STOP transition;
 * - "line-printer" is a trigger of that kind whose handler prints each line and counts it
 *   in a second provider, "ExampleLineStats";
 * - "line-stats" is a plain service that reports the count when it stops: it has a higher
 *   priority, so it starts before the printer and stops after it.
 *
 *   [SD_EXAMPLE_LINES_FILE=PATH|-] sd-example-custom-trigger [--duration=SECONDS]
 *   Ctrl-C              stop the services, lowest priority first
 */

#include <sd-triggers.h>

#include <gio/gunixinputstream.h>

/* ---- the source: a provider that owns the input and the lines read ---- */

#define EXAMPLE_TYPE_LINE_SOURCE (example_line_source_get_type ())
G_DECLARE_FINAL_TYPE (ExampleLineSource, example_line_source, EXAMPLE, LINE_SOURCE, SdProvider)

struct _ExampleLineSource
{
  SdProvider        parent_instance;

  char             *description;  /* (owned) */
  GDataInputStream *input;        /* (owned) (nullable): NULL for the generated lines */
  guint64           n_read;       /* only touched by the reader thread of the generation */

  GMutex            lock;
  GQueue            lines;        /* (lock lock) (element-type GVariant) (owned): (ts) */
};

static void example_line_source_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ExampleLineSource, example_line_source, SD_TYPE_PROVIDER,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      example_line_source_initable_iface_init))

static void
example_line_source_finalize (GObject *object)
{
  ExampleLineSource *self = EXAMPLE_LINE_SOURCE (object);

  g_queue_clear_full (&self->lines, (GDestroyNotify) g_variant_unref);
  g_clear_object (&self->input);
  g_free (self->description);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (example_line_source_parent_class)->finalize (object);
}

/* Opens the input before the first wave; a file that cannot be opened fails startup */
static gboolean
example_line_source_init_input (GInitable     *initable,
                                GCancellable  *cancellable,
                                GError       **error)
{
  ExampleLineSource *self = EXAMPLE_LINE_SOURCE (initable);
  const char *path = g_getenv ("SD_EXAMPLE_LINES_FILE");
  g_autoptr(GInputStream) stream = NULL;

  if (path == NULL || *path == '\0')
    {
      self->description = g_strdup ("generated lines");
      return TRUE;
    }

  if (g_str_equal (path, "-"))
    {
      stream = g_unix_input_stream_new (0, FALSE);
      self->description = g_strdup ("standard input");
    }
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GError) local_error = NULL;

      stream = G_INPUT_STREAM (g_file_read (file, cancellable, &local_error));
      if (stream == NULL)
        {
          g_set_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL,
                       "Cannot read the lines of %s: %s", path, local_error->message);
          return FALSE;
        }
      self->description = g_strdup (path);
    }

  self->input = g_data_input_stream_new (stream);
  g_data_input_stream_set_newline_type (self->input, G_DATA_STREAM_NEWLINE_TYPE_ANY);

  return TRUE;
}

static void
example_line_source_initable_iface_init (GInitableIface *iface)
{
  iface->init = example_line_source_init_input;
}

static void
example_line_source_class_init (ExampleLineSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = example_line_source_finalize;
}

static void
example_line_source_init (ExampleLineSource *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->lines);
}

/* Sleeps @ms or until @cancellable is cancelled; FALSE if it was */
static gboolean
sleep_cancellable (GCancellable *cancellable,
                   guint         ms)
{
  GPollFD fd;

  if (g_cancellable_make_pollfd (cancellable, &fd))
    {
      g_poll (&fd, 1, (int) ms);
      g_cancellable_release_fd (cancellable);
    }
  else
    g_usleep (ms * G_TIME_SPAN_MILLISECOND);

  return !g_cancellable_is_cancelled (cancellable);
}

/* Reads the next line; blocking, on the reader thread. NULL at the end of the input, on an
 * error and when cancelled (the three are told apart by @error). */
static char *
example_line_source_read (ExampleLineSource  *self,
                          GCancellable       *cancellable,
                          GError            **error)
{
  if (self->input == NULL)
    {
      if (!sleep_cancellable (cancellable, 500))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
          return NULL;
        }
      return g_strdup_printf ("generated line %" G_GUINT64_FORMAT, self->n_read + 1);
    }

  return g_data_input_stream_read_line_utf8 (self->input, NULL, cancellable, error);
}

/* Keeps a line until a trigger takes it; any thread */
static void
example_line_source_push (ExampleLineSource *self,
                          GVariant          *line,
                          gboolean           at_head)
{
  g_mutex_lock (&self->lock);
  if (at_head)
    g_queue_push_head (&self->lines, g_variant_ref_sink (line));
  else
    g_queue_push_tail (&self->lines, g_variant_ref_sink (line));
  g_mutex_unlock (&self->lock);
}

/* Takes the oldest line, or NULL; any thread */
static GVariant *
example_line_source_take (ExampleLineSource *self)
{
  GVariant *line;

  g_mutex_lock (&self->lock);
  line = g_queue_pop_head (&self->lines);
  g_mutex_unlock (&self->lock);

  return line;
}

/* ---- the kind: a trigger that handles one message per line ---- */

#define EXAMPLE_TYPE_LINE_TRIGGER (example_line_trigger_get_type ())
G_DECLARE_DERIVABLE_TYPE (ExampleLineTrigger, example_line_trigger, EXAMPLE, LINE_TRIGGER, SdTrigger)

struct _ExampleLineTriggerClass
{
  SdTriggerClass parent_class;
};

typedef struct
{
  ExampleLineSource *source;      /* (owned) (nullable): injected by the daemon */

  /* The reader of the current generation, between setup and teardown */
  GThread           *reader;      /* (owned) (nullable) */
  GCancellable      *cancellable; /* (owned) (nullable) */
} ExampleLineTriggerPrivate;

enum {
  PROP_TRIGGER_0,
  PROP_TRIGGER_SOURCE,
  N_TRIGGER_PROPS
};

static GParamSpec *trigger_properties[N_TRIGGER_PROPS];

G_DEFINE_TYPE_WITH_PRIVATE (ExampleLineTrigger, example_line_trigger, SD_TYPE_TRIGGER)

static void
example_line_trigger_dispose (GObject *object)
{
  ExampleLineTriggerPrivate *priv =
    example_line_trigger_get_instance_private (EXAMPLE_LINE_TRIGGER (object));

  g_assert (priv->reader == NULL);
  g_clear_object (&priv->source);

  G_OBJECT_CLASS (example_line_trigger_parent_class)->dispose (object);
}

static void
example_line_trigger_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ExampleLineTriggerPrivate *priv =
    example_line_trigger_get_instance_private (EXAMPLE_LINE_TRIGGER (object));

  switch (prop_id)
    {
    case PROP_TRIGGER_SOURCE:
      g_value_set_object (value, priv->source);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
example_line_trigger_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ExampleLineTriggerPrivate *priv =
    example_line_trigger_get_instance_private (EXAMPLE_LINE_TRIGGER (object));

  switch (prop_id)
    {
    case PROP_TRIGGER_SOURCE:
      priv->source = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The reader thread of one generation: hands each line to the source and wakes the
 * trigger — from this thread, which sd_trigger_wake() allows */
static gpointer
reader_thread (gpointer data)
{
  ExampleLineTrigger *self = data;
  ExampleLineTriggerPrivate *priv = example_line_trigger_get_instance_private (self);
  ExampleLineSource *source = priv->source;
  g_autoptr(GError) error = NULL;

  for (;;)
    {
      g_autofree char *text = example_line_source_read (source, priv->cancellable, &error);

      if (text == NULL)
        break;

      source->n_read++;
      example_line_source_push (source, g_variant_new ("(ts)", source->n_read, text), FALSE);
      sd_trigger_wake (SD_TRIGGER (self));
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;

  if (error != NULL)
    g_print ("line-source: cannot read %s: %s\n", source->description, error->message);
  else
    g_print ("line-source: end of %s after %" G_GUINT64_FORMAT " lines\n",
             source->description, source->n_read);

  /* Nothing more will come: the generation ends cleanly once the lines are handled */
  sd_trigger_request_transition (SD_TRIGGER (self), SD_TRIGGER_TRANSITION_STOP);

  return NULL;
}

/* Once per generation, on the trigger's lane: start reading */
static gboolean
example_line_trigger_setup (SdTrigger  *trigger,
                            SdContext  *context,
                            GError    **error)
{
  ExampleLineTrigger *self = EXAMPLE_LINE_TRIGGER (trigger);
  ExampleLineTriggerPrivate *priv = example_line_trigger_get_instance_private (self);

  if (priv->source == NULL)
    {
      g_set_error (error, SD_SERVICE_ERROR, SD_SERVICE_ERROR_FATAL,
                   "The line trigger %s has no source", sd_service_get_name (SD_SERVICE (self)));
      return FALSE;
    }

  priv->cancellable = g_cancellable_new ();
  priv->reader = g_thread_try_new ("line-reader", reader_thread, self, error);
  if (priv->reader == NULL)
    {
      g_clear_object (&priv->cancellable);
      return FALSE;
    }

  g_print ("%s: set up (generation %u), reading %s\n",
           sd_service_get_name (SD_SERVICE (self)), sd_context_get_generation (context),
           priv->source->description);

  return TRUE;
}

/* Undoes setup: at the end of each generation, and before a reload */
static void
example_line_trigger_teardown (SdTrigger *trigger,
                               SdContext *context)
{
  ExampleLineTriggerPrivate *priv =
    example_line_trigger_get_instance_private (EXAMPLE_LINE_TRIGGER (trigger));

  /* The cancellable ends a wait for the next line; the lines read stay in the source */
  g_cancellable_cancel (priv->cancellable);
  g_thread_join (g_steal_pointer (&priv->reader));
  g_clear_object (&priv->cancellable);

  g_print ("%s: torn down\n", sd_service_get_name (SD_SERVICE (trigger)));
}

/* A message for the oldest line, or NULL: the trigger then waits for sd_trigger_wake() */
static SdMessage *
example_line_trigger_poll (SdTrigger *trigger,
                           SdContext *context)
{
  ExampleLineTriggerPrivate *priv =
    example_line_trigger_get_instance_private (EXAMPLE_LINE_TRIGGER (trigger));
  g_autoptr(GVariant) line = example_line_source_take (priv->source);

  if (line == NULL)
    return NULL;

  return sd_message_new (line);
}

/* A line taken but not handled because the generation stops goes back to the front */
static void
example_line_trigger_requeue (SdTrigger *trigger,
                              SdMessage *message)
{
  ExampleLineTriggerPrivate *priv =
    example_line_trigger_get_instance_private (EXAMPLE_LINE_TRIGGER (trigger));

  example_line_source_push (priv->source, sd_message_get_payload (message), TRUE);
}

static void
example_line_trigger_class_init (ExampleLineTriggerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SdTriggerClass *trigger_class = SD_TRIGGER_CLASS (klass);

  object_class->dispose = example_line_trigger_dispose;
  object_class->get_property = example_line_trigger_get_property;
  object_class->set_property = example_line_trigger_set_property;

  trigger_class->setup = example_line_trigger_setup;
  trigger_class->teardown = example_line_trigger_teardown;
  trigger_class->poll = example_line_trigger_poll;
  trigger_class->requeue = example_line_trigger_requeue;

  /* The dependency: a construct-only property of a provider type, filled by the daemon */
  trigger_properties[PROP_TRIGGER_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         EXAMPLE_TYPE_LINE_SOURCE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_TRIGGER_PROPS, trigger_properties);

  /* At the end of the input the generation ends cleanly, for good */
  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "restart-mode", SD_RESTART_MODE_ON_FAILURE,
                                NULL);
}

static void
example_line_trigger_init (ExampleLineTrigger *self)
{
}

/* ---- stats: a provider the handler uses ---- */

#define EXAMPLE_TYPE_LINE_STATS (example_line_stats_get_type ())
G_DECLARE_FINAL_TYPE (ExampleLineStats, example_line_stats, EXAMPLE, LINE_STATS, SdProvider)

struct _ExampleLineStats
{
  SdProvider parent_instance;

  guint      n_lines;  /* (atomic) */
  guint      n_chars;  /* (atomic) */
};

G_DEFINE_FINAL_TYPE (ExampleLineStats, example_line_stats, SD_TYPE_PROVIDER)

static void
example_line_stats_class_init (ExampleLineStatsClass *klass)
{
}

static void
example_line_stats_init (ExampleLineStats *self)
{
}

/* ---- line-printer: a trigger of the kind, with a handler ---- */

#define EXAMPLE_TYPE_LINE_PRINTER (example_line_printer_get_type ())
G_DECLARE_FINAL_TYPE (ExampleLinePrinter, example_line_printer, EXAMPLE, LINE_PRINTER, ExampleLineTrigger)

struct _ExampleLinePrinter
{
  ExampleLineTrigger  parent_instance;

  ExampleLineStats   *stats;  /* (owned): injected by the daemon */
};

enum {
  PROP_PRINTER_0,
  PROP_PRINTER_STATS,
};

G_DEFINE_FINAL_TYPE (ExampleLinePrinter, example_line_printer, EXAMPLE_TYPE_LINE_TRIGGER)

static void
example_line_printer_dispose (GObject *object)
{
  g_clear_object (&EXAMPLE_LINE_PRINTER (object)->stats);

  G_OBJECT_CLASS (example_line_printer_parent_class)->dispose (object);
}

static void
example_line_printer_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_PRINTER_STATS:
      g_value_set_object (value, EXAMPLE_LINE_PRINTER (object)->stats);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
example_line_printer_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_PRINTER_STATS:
      EXAMPLE_LINE_PRINTER (object)->stats = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The handler: once per line, on the trigger's lane */
static gboolean
example_line_printer_handle (SdTrigger  *trigger,
                             SdMessage  *message,
                             GError    **error)
{
  ExampleLinePrinter *self = EXAMPLE_LINE_PRINTER (trigger);
  guint64 number;
  const char *text;

  g_variant_get (sd_message_get_payload (message), "(t&s)", &number, &text);
  g_print ("%s: line %" G_GUINT64_FORMAT ": \"%s\" (message %s)\n",
           sd_service_get_name (SD_SERVICE (self)), number, text, sd_message_get_id (message));

  g_atomic_int_inc (&self->stats->n_lines);
  g_atomic_int_add (&self->stats->n_chars, (int) g_utf8_strlen (text, -1));

  return TRUE;
}

static void
example_line_printer_class_init (ExampleLinePrinterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = example_line_printer_dispose;
  object_class->get_property = example_line_printer_get_property;
  object_class->set_property = example_line_printer_set_property;
  SD_TRIGGER_CLASS (klass)->handle = example_line_printer_handle;

  g_object_class_install_property (object_class, PROP_PRINTER_STATS,
    g_param_spec_object ("stats", NULL, NULL, EXAMPLE_TYPE_LINE_STATS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "name", "line-printer",
                                "priority", (guint) SD_PRIORITY_DEFAULT,
                                NULL);
}

static void
example_line_printer_init (ExampleLinePrinter *self)
{
}

/* ---- line-stats: reports the count when it stops, after the printer ---- */

#define EXAMPLE_TYPE_LINE_REPORT (example_line_report_get_type ())
G_DECLARE_FINAL_TYPE (ExampleLineReport, example_line_report, EXAMPLE, LINE_REPORT, SdService)

struct _ExampleLineReport
{
  SdService         parent_instance;

  ExampleLineStats *stats;  /* (owned): injected by the daemon */
};

enum {
  PROP_REPORT_0,
  PROP_REPORT_STATS,
};

G_DEFINE_FINAL_TYPE (ExampleLineReport, example_line_report, SD_TYPE_SERVICE)

static gboolean
example_line_report_run (SdService  *service,
                         SdContext  *context,
                         GError    **error)
{
  ExampleLineReport *self = EXAMPLE_LINE_REPORT (service);

  g_print ("line-stats: counting\n");
  sd_context_wait_shutdown (context);
  g_print ("line-stats: %u lines, %u characters\n",
           (guint) g_atomic_int_get (&self->stats->n_lines),
           (guint) g_atomic_int_get (&self->stats->n_chars));

  return TRUE;
}

static void
example_line_report_dispose (GObject *object)
{
  g_clear_object (&EXAMPLE_LINE_REPORT (object)->stats);

  G_OBJECT_CLASS (example_line_report_parent_class)->dispose (object);
}

static void
example_line_report_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_REPORT_STATS:
      g_value_set_object (value, EXAMPLE_LINE_REPORT (object)->stats);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
example_line_report_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_REPORT_STATS:
      EXAMPLE_LINE_REPORT (object)->stats = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
example_line_report_class_init (ExampleLineReportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = example_line_report_dispose;
  object_class->get_property = example_line_report_get_property;
  object_class->set_property = example_line_report_set_property;
  SD_SERVICE_CLASS (klass)->run = example_line_report_run;

  g_object_class_install_property (object_class, PROP_REPORT_STATS,
    g_param_spec_object ("stats", NULL, NULL, EXAMPLE_TYPE_LINE_STATS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  sd_service_type_set_defaults (G_TYPE_FROM_CLASS (klass),
                                "name", "line-stats",
                                "priority", (guint) SD_PRIORITY_STORAGE,
                                NULL);
}

static void
example_line_report_init (ExampleLineReport *self)
{
}

/* ---- the program ---- */

static void
on_service_state_changed (SdDaemon       *daemon,
                          SdService      *service,
                          SdServiceState  old_state,
                          SdServiceState  new_state,
                          gpointer        user_data)
{
  g_print ("[state] %s: %s -> %s\n",
           sd_service_get_name (service),
           sd_service_state_to_string (old_state),
           sd_service_state_to_string (new_state));
}

static void
on_ready (SdDaemon *daemon,
          gpointer  user_data)
{
  g_print ("== all services started (Ctrl-C stops) ==\n");
}

static gboolean
on_duration_elapsed (gpointer user_data)
{
  SdDaemon *daemon = user_data;

  g_print ("== duration elapsed: shutting down ==\n");
  sd_daemon_shutdown (daemon);

  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(SdDaemon) daemon = NULL;
  g_autoptr(GSource) duration_source = NULL;
  g_autoptr(GError) error = NULL;
  int duration = 0;
  const GOptionEntry entries[] = {
    { "duration", 'd', 0, G_OPTION_ARG_INT, &duration,
      "Shut down by itself after SECONDS", "SECONDS" },
    { NULL }
  };

  option_context = g_option_context_new ("- a trigger kind of its own: one message per line");
  g_option_context_set_description (option_context,
                                    "SD_EXAMPLE_LINES_FILE=PATH reads the lines of PATH, "
                                    "SD_EXAMPLE_LINES_FILE=- those of standard input;\n"
                                    "without it, a line is generated every half second.\n");
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  /* Only the services of this program: the providers come with them, by type */
  daemon = sd_daemon_new_with_registry (sd_registry_new ());
  if (!sd_daemon_add_service_type (daemon, EXAMPLE_TYPE_LINE_REPORT, &error) ||
      !sd_daemon_add_service_type (daemon, EXAMPLE_TYPE_LINE_PRINTER, &error) ||
      !sd_daemon_build (daemon, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_signal_connect (daemon, "service-state-changed", G_CALLBACK (on_service_state_changed), NULL);
  g_signal_connect (daemon, "ready", G_CALLBACK (on_ready), NULL);

  if (duration > 0)
    {
      duration_source = g_timeout_source_new_seconds (duration);
      g_source_set_callback (duration_source, on_duration_elapsed, daemon, NULL);
      g_source_attach (duration_source, NULL);
    }

  if (!sd_daemon_run (daemon, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_print ("== all services stopped ==\n");

  return sd_daemon_get_exit_status (daemon);
}
