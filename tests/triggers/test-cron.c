/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <sd-triggers.h>

#include "sd-test-support.h"

/*
 * Fire times of cron expressions from fixed instants. Each row gives the zone the schedule
 * is computed in, the instant to start from and the fire times that follow one another
 * (each computed strictly after the previous one), with the UTC offset they must carry.
 */
typedef struct
{
  const char *name;
  const char *expression;
  const char *zone;
  const char *after;
  const char *expected[6];
} NextCase;

static const NextCase next_cases[] = {
  { "every-minute", "* * * * *", "UTC", "2026-01-01T00:00:00Z",
    { "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z" } },
  { "every-minute-microseconds", "* * * * *", "UTC", "2026-01-01T00:00:59.999999Z",
    { "2026-01-01T00:01:00Z" } },
  { "strictly-after", "0 0 * * *", "UTC", "2026-01-01T00:00:00Z",
    { "2026-01-02T00:00:00Z" } },
  { "hourly-field", "0 * * * *", "UTC", "2026-01-01T00:00:00Z",
    { "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z" } },
  { "step-star", "*/15 * * * *", "UTC", "2026-01-01T10:07:00Z",
    { "2026-01-01T10:15:00Z", "2026-01-01T10:30:00Z", "2026-01-01T10:45:00Z", "2026-01-01T11:00:00Z" } },
  { "step-range", "10-40/5 9 * * *", "UTC", "2026-01-01T09:38:00Z",
    { "2026-01-01T09:40:00Z", "2026-01-02T09:10:00Z" } },
  { "step-start", "5/10 * * * *", "UTC", "2026-01-01T12:50:00Z",
    { "2026-01-01T12:55:00Z", "2026-01-01T13:05:00Z", "2026-01-01T13:15:00Z" } },
  { "list-and-range", "0,30 8-9 * * *", "UTC", "2026-01-01T08:40:00Z",
    { "2026-01-01T09:00:00Z", "2026-01-01T09:30:00Z", "2026-01-02T08:00:00Z", "2026-01-02T08:30:00Z" } },
  { "weekdays-names", "0 9 * * MON-FRI", "UTC", "2026-01-02T10:00:00Z",
    { "2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z" } },
  { "first-of-month", "30 8 1 * *", "UTC", "2026-01-31T12:00:00Z",
    { "2026-02-01T08:30:00Z", "2026-03-01T08:30:00Z" } },
  { "day-31-skips-short-months", "0 0 31 * *", "UTC", "2026-01-31T00:00:00Z",
    { "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z" } },
  { "leap-day", "0 0 29 2 *", "UTC", "2026-03-01T00:00:00Z",
    { "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z" } },
  { "leap-day-skips-2100", "0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z",
    { "2104-02-29T00:00:00Z" } },
  { "leap-day-on-sunday", "0 0 29 2 */7", "UTC", "2026-01-01T00:00:00Z",
    { "2032-02-29T00:00:00Z" } },
  { "dom-dow-or", "0 12 1,15 * MON", "UTC", "2026-01-01T12:00:00Z",
    { "2026-01-05T12:00:00Z", "2026-01-12T12:00:00Z", "2026-01-15T12:00:00Z", "2026-01-19T12:00:00Z" } },
  { "friday-13th-or", "0 0 13 * FRI", "UTC", "2026-02-01T00:00:00Z",
    { "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z" } },
  { "dom-star-step-and-dow", "0 0 */10 * MON", "UTC", "2026-01-01T00:00:00Z",
    { "2026-05-11T00:00:00Z", "2026-06-01T00:00:00Z" } },
  { "dom-restricted-dow-star-step", "0 0 1 * */2", "UTC", "2026-01-01T00:00:00Z",
    { "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z" } },
  { "sunday-as-7", "0 0 * * 7", "UTC", "2026-01-01T00:00:00Z",
    { "2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z" } },
  { "sunday-as-0", "0 0 * * 0", "UTC", "2026-01-01T00:00:00Z",
    { "2026-01-04T00:00:00Z" } },
  { "names-lower-case", "0 0 * * sun", "UTC", "2026-01-01T00:00:00Z",
    { "2026-01-04T00:00:00Z" } },
  { "month-names-mixed-case", "0 0 1 jan,Jul *", "UTC", "2026-02-01T00:00:00Z",
    { "2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z" } },
  { "weekend-fri-sun", "0 0 * * FRI-SUN", "UTC", "2026-01-01T00:00:00Z",
    { "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z" } },
  { "weekend-5-7", "0 0 * * 5-7", "UTC", "2026-01-01T00:00:00Z",
    { "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z" } },
  { "weekend-list", "0 6 * * 6,0", "UTC", "2026-01-01T00:00:00Z",
    { "2026-01-03T06:00:00Z", "2026-01-04T06:00:00Z", "2026-01-10T06:00:00Z" } },
  { "month-range-step", "0 0 1 1-12/3 *", "UTC", "2026-02-15T00:00:00Z",
    { "2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z" } },
  { "seconds-step", "*/20 * * * * *", "UTC", "2026-01-01T00:00:05Z",
    { "2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z" } },
  { "seconds-daily", "30 0 0 * * *", "UTC", "2026-01-01T00:00:30Z",
    { "2026-01-02T00:00:30Z" } },
  { "seconds-weekly", "15 30 9 * * MON", "UTC", "2026-01-05T09:30:15Z",
    { "2026-01-12T09:30:15Z" } },
  { "seconds-list", "0,1,59 * * * * *", "UTC", "2026-01-01T00:00:01Z",
    { "2026-01-01T00:00:59Z", "2026-01-01T00:01:00Z", "2026-01-01T00:01:01Z" } },
  { "macro-yearly", "@yearly", "UTC", "2026-06-01T00:00:00Z",
    { "2027-01-01T00:00:00Z" } },
  { "macro-annually", "@annually", "UTC", "2026-01-01T00:00:00Z",
    { "2027-01-01T00:00:00Z" } },
  { "macro-monthly", "@monthly", "UTC", "2026-01-31T00:00:01Z",
    { "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z" } },
  { "macro-weekly", "@weekly", "UTC", "2026-01-04T00:00:00Z",
    { "2026-01-11T00:00:00Z" } },
  { "macro-daily", "@daily", "UTC", "2026-12-31T23:59:59Z",
    { "2027-01-01T00:00:00Z" } },
  { "macro-midnight", "@MIDNIGHT", "UTC", "2026-01-01T12:00:00Z",
    { "2026-01-02T00:00:00Z" } },
  { "macro-hourly", "@hourly", "UTC", "2026-12-31T23:30:00Z",
    { "2027-01-01T00:00:00Z", "2027-01-01T01:00:00Z" } },
  { "year-end", "59 23 31 12 *", "UTC", "2026-12-31T23:59:00Z",
    { "2027-12-31T23:59:00Z" } },
  { "offset-zone-kolkata", "0 9 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z",
    { "2026-01-01T09:00:00+05:30", "2026-01-02T09:00:00+05:30" } },
  { "offset-zone-kathmandu", "0 0 1 * *", "Asia/Kathmandu", "2026-01-15T00:00:00Z",
    { "2026-02-01T00:00:00+05:45" } },
  { "berlin-spring-skipped-time", "30 2 * * *", "Europe/Berlin", "2026-03-28T03:00:00+01:00",
    { "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00" } },
  { "berlin-spring-quarters", "*/15 * * * *", "Europe/Berlin", "2026-03-29T01:40:00+01:00",
    { "2026-03-29T01:45:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:15:00+02:00" } },
  { "berlin-spring-hourly", "0 * * * *", "Europe/Berlin", "2026-03-29T01:30:00+01:00",
    { "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00" } },
  { "berlin-spring-after-gap", "0 3 * * *", "Europe/Berlin", "2026-03-28T04:00:00+01:00",
    { "2026-03-29T03:00:00+02:00", "2026-03-30T03:00:00+02:00" } },
  { "berlin-spring-midnight", "0 0 * * *", "Europe/Berlin", "2026-03-28T12:00:00+01:00",
    { "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00" } },
  { "berlin-spring-seconds", "* * * * * *", "Europe/Berlin", "2026-03-29T01:59:58+01:00",
    { "2026-03-29T01:59:59+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:00:01+02:00" } },
  { "berlin-fall-repeated-time", "30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00+02:00",
    { "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00" } },
  { "berlin-fall-half-hours", "*/30 * * * *", "Europe/Berlin", "2026-10-25T01:10:00+02:00",
    { "2026-10-25T01:30:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T03:00:00+01:00", "2026-10-25T03:30:00+01:00" } },
  { "berlin-fall-second-pass", "*/30 * * * *", "Europe/Berlin", "2026-10-25T02:10:00+01:00",
    { "2026-10-25T03:00:00+01:00" } },
  { "berlin-fall-daily-once", "0 2 * * *", "Europe/Berlin", "2026-10-25T02:00:00+02:00",
    { "2026-10-26T02:00:00+01:00" } },
  { "new-york-spring-skipped-time", "30 2 * * *", "America/New_York", "2026-03-07T12:00:00-05:00",
    { "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00" } },
  { "new-york-fall-repeated-time", "30 1 * * *", "America/New_York", "2026-10-31T12:00:00-04:00",
    { "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00" } },
  { "new-york-fall-hourly", "0 * * * *", "America/New_York", "2026-11-01T00:30:00-04:00",
    { "2026-11-01T01:00:00-04:00", "2026-11-01T02:00:00-05:00", "2026-11-01T03:00:00-05:00" } },
  { "new-york-fall-second-pass", "*/20 1 * * *", "America/New_York", "2026-11-01T01:50:00-04:00",
    { "2026-11-02T01:00:00-05:00" } },
  { "lord-howe-spring-half-hour", "15 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00+10:30",
    { "2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00" } },
  { "lord-howe-fall-half-hour", "45 1 * * *", "Australia/Lord_Howe", "2026-04-04T12:00:00+11:00",
    { "2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30" } },
};

static GTimeZone *
time_zone_or_skip (const char *identifier)
{
  GTimeZone *tz = g_time_zone_new_identifier (identifier);

  if (tz == NULL)
    {
      g_autofree char *message = g_strdup_printf ("time zone %s is not installed (tzdata)",
                                                  identifier);
      g_test_skip (message);
    }
  return tz;
}

static void
test_cron_next (gconstpointer data)
{
  const NextCase *row = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCronExpression) expression = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) after = NULL;

  tz = time_zone_or_skip (row->zone);
  if (tz == NULL)
    return;

  expression = sd_cron_expression_parse (row->expression, &error);
  g_assert_no_error (error);
  g_assert_nonnull (expression);

  start = g_date_time_new_from_iso8601 (row->after, NULL);
  g_assert_nonnull (start);
  after = g_date_time_to_timezone (start, tz);

  for (guint i = 0; i < G_N_ELEMENTS (row->expected) && row->expected[i] != NULL; i++)
    {
      g_autoptr(GDateTime) expected = g_date_time_new_from_iso8601 (row->expected[i], NULL);
      g_autoptr(GDateTime) next = sd_cron_expression_next (expression, after);
      g_autofree char *next_text = NULL;

      g_assert_nonnull (expected);
      g_assert_nonnull (next);
      next_text = g_date_time_format_iso8601 (next);
      g_test_message ("%s after %s: %s", row->expression, row->after, next_text);

      if (!g_date_time_equal (next, expected) ||
          g_date_time_get_utc_offset (next) != g_date_time_get_utc_offset (expected))
        {
          g_autofree char *after_text = g_date_time_format_iso8601 (after);

          g_error ("“%s” in %s after %s: got %s, expected %s", row->expression, row->zone,
                   after_text, next_text, row->expected[i]);
        }

      /* in the zone of the schedule */
      g_assert_cmpstr (g_time_zone_get_identifier (g_date_time_get_timezone (next)), ==,
                       g_time_zone_get_identifier (tz));

      g_date_time_unref (after);
      after = g_steal_pointer (&next);
    }
}

/* Malformed expressions: each fails with the code and a message that names the field */
typedef struct
{
  const char  *expression;
  SdCronError  code;
  const char  *field;     /* NULL for errors of the whole expression */
  const char  *field_text;
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "0 25 * * *", SD_CRON_ERROR_INVALID_FIELD, "hour", "25" },
  { "60 * * * *", SD_CRON_ERROR_INVALID_FIELD, "minute", "60" },
  { "-1 * * * *", SD_CRON_ERROR_INVALID_FIELD, "minute", "-1" },
  { "a * * * *", SD_CRON_ERROR_INVALID_FIELD, "minute", "a" },
  { "*/0 * * * *", SD_CRON_ERROR_INVALID_FIELD, "minute", "*/0" },
  { "*/5/2 * * * *", SD_CRON_ERROR_INVALID_FIELD, "minute", "*/5/2" },
  { "40-20 * * * *", SD_CRON_ERROR_INVALID_FIELD, "minute", "40-20" },
  { "1,,2 * * * *", SD_CRON_ERROR_INVALID_FIELD, "minute", "1,,2" },
  { "0,5, * * * *", SD_CRON_ERROR_INVALID_FIELD, "minute", "0,5," },
  { "0 1- * * *", SD_CRON_ERROR_INVALID_FIELD, "hour", "1-" },
  { "0 JAN * * *", SD_CRON_ERROR_INVALID_FIELD, "hour", "JAN" },
  { "0 0 0 * *", SD_CRON_ERROR_INVALID_FIELD, "day of month", "0" },
  { "0 0 32 * *", SD_CRON_ERROR_INVALID_FIELD, "day of month", "32" },
  { "0 0 1-99999999999 * *", SD_CRON_ERROR_INVALID_FIELD, "day of month", "1-99999999999" },
  { "0 0 1 13 *", SD_CRON_ERROR_INVALID_FIELD, "month", "13" },
  { "0 0 1 0 *", SD_CRON_ERROR_INVALID_FIELD, "month", "0" },
  { "0 0 1 1-13 *", SD_CRON_ERROR_INVALID_FIELD, "month", "1-13" },
  { "0 0 1 FOO *", SD_CRON_ERROR_INVALID_FIELD, "month", "FOO" },
  { "0 0 1 JANUARY *", SD_CRON_ERROR_INVALID_FIELD, "month", "JANUARY" },
  { "0 0 * * 8", SD_CRON_ERROR_INVALID_FIELD, "day of week", "8" },
  { "0 0 * * MONDAY", SD_CRON_ERROR_INVALID_FIELD, "day of week", "MONDAY" },
  { "0 0 * * MON-", SD_CRON_ERROR_INVALID_FIELD, "day of week", "MON-" },
  { "0 0 * * SAT-MON", SD_CRON_ERROR_INVALID_FIELD, "day of week", "SAT-MON" },
  { "0 0 * * 1/0", SD_CRON_ERROR_INVALID_FIELD, "day of week", "1/0" },
  { "61 * * * * *", SD_CRON_ERROR_INVALID_FIELD, "second", "61" },
  { "*/x * * * * *", SD_CRON_ERROR_INVALID_FIELD, "second", "*/x" },
  { "0 60 * * * *", SD_CRON_ERROR_INVALID_FIELD, "minute", "60" },
  { "0 0 30 2 *", SD_CRON_ERROR_NEVER_FIRES, "day of month", "30" },
  { "0 0 31 4,6,9,11 *", SD_CRON_ERROR_NEVER_FIRES, "day of month", "31" },
  { "0 0 30,31 FEB *", SD_CRON_ERROR_NEVER_FIRES, "day of month", "30,31" },
  { "", SD_CRON_ERROR_INVALID_EXPRESSION, NULL, NULL },
  { "   ", SD_CRON_ERROR_INVALID_EXPRESSION, NULL, NULL },
  { "* * * *", SD_CRON_ERROR_INVALID_EXPRESSION, NULL, NULL },
  { "* * * * * * *", SD_CRON_ERROR_INVALID_EXPRESSION, NULL, NULL },
  { "@reboot", SD_CRON_ERROR_INVALID_EXPRESSION, NULL, NULL },
  { "@daily *", SD_CRON_ERROR_INVALID_EXPRESSION, NULL, NULL },
};

static void
test_cron_parse_errors (void)
{
  guint n_field_errors = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      const ErrorCase *row = &error_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(SdCronExpression) expression = sd_cron_expression_parse (row->expression,
                                                                          &error);
      g_autofree char *expected = NULL;

      g_test_message ("“%s”: %s", row->expression, error ? error->message : "(no error)");
      g_assert_null (expression);
      g_assert_error (error, SD_CRON_ERROR, (int) row->code);

      if (row->field != NULL)
        {
          expected = g_strdup_printf ("Invalid %s field “%s” in “%s”: ", row->field,
                                      row->field_text, row->expression);
          g_assert_true (g_str_has_prefix (error->message, expected));
          n_field_errors++;
        }
      else
        {
          g_autofree char *collapsed = g_strstrip (g_strdup (row->expression));

          expected = g_strdup_printf ("Invalid cron expression “%s”: ", collapsed);
          g_assert_true (g_str_has_prefix (error->message, expected));
        }
    }

  g_assert_cmpuint (n_field_errors, >=, 15);
}

/* The reasons themselves, for a few representative errors */
static void
test_cron_parse_error_messages (void)
{
  const struct {
    const char *expression;
    const char *message;
  } cases[] = {
    { "0 25 * * *", "Invalid hour field “25” in “0 25 * * *”: 25 is out of range 0–23" },
    { "0 0 * * 9", "Invalid day of week field “9” in “0 0 * * 9”: 9 is out of range 0–7" },
    { "0 0 1 FOO *",
      "Invalid month field “FOO” in “0 0 1 FOO *”: “FOO” is neither a month number nor a name "
      "(JAN–DEC)" },
    { "*/0 * * * *", "Invalid minute field “*/0” in “*/0 * * * *”: the step “0” is not a positive number" },
    { "40-20 * * * *", "Invalid minute field “40-20” in “40-20 * * * *”: the range “40-20” starts after it ends" },
    { "0 0 30 2 *", "Invalid day of month field “30” in “0 0 30 2 *”: none of the selected months has 30 days" },
    { "* * * *", "Invalid cron expression “* * * *”: expected 5 or 6 fields, found 4" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SdCronExpression) expression = sd_cron_expression_parse (cases[i].expression,
                                                                          &error);

      g_assert_null (expression);
      g_assert_nonnull (error);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* Text, blanks, seconds, boxed copies */
static void
test_cron_parse_basics (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCronExpression) expression = NULL;
  g_autoptr(SdCronExpression) again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_again = NULL;
  SdCronExpression *copy;

  expression = sd_cron_expression_parse ("  0\t9  * *   MON-FRI \n", &error);
  g_assert_no_error (error);
  text = sd_cron_expression_to_string (expression);
  g_assert_cmpstr (text, ==, "0 9 * * MON-FRI");
  g_assert_false (sd_cron_expression_has_seconds (expression));

  again = sd_cron_expression_parse (text, &error);
  g_assert_no_error (error);
  text_again = sd_cron_expression_to_string (again);
  g_assert_cmpstr (text_again, ==, text);

  copy = g_boxed_copy (SD_TYPE_CRON_EXPRESSION, expression);
  g_assert_true (copy == expression);
  g_boxed_free (SD_TYPE_CRON_EXPRESSION, copy);
  g_assert_true (G_TYPE_IS_BOXED (SD_TYPE_CRON_EXPRESSION));

  g_clear_pointer (&expression, sd_cron_expression_unref);
  expression = sd_cron_expression_parse ("*/10 * * * * *", &error);
  g_assert_no_error (error);
  g_assert_true (sd_cron_expression_has_seconds (expression));

  g_clear_pointer (&expression, sd_cron_expression_unref);
  expression = sd_cron_expression_parse ("@Daily", &error);
  g_assert_no_error (error);
  g_clear_pointer (&text, g_free);
  text = sd_cron_expression_to_string (expression);
  g_assert_cmpstr (text, ==, "@Daily");
  g_assert_false (sd_cron_expression_has_seconds (expression));
}

/* No fire time is left before the end of year 9999 */
static void
test_cron_next_end_of_time (void)
{
  g_autoptr(SdCronExpression) expression = sd_cron_expression_parse ("0 0 1 1 *", NULL);
  g_autoptr(GDateTime) after = g_date_time_new_utc (9999, 6, 1, 0, 0, 0);
  g_autoptr(GDateTime) next = sd_cron_expression_next (expression, after);
  g_autoptr(GDateTime) late = g_date_time_new_utc (9998, 6, 1, 0, 0, 0);
  g_autoptr(GDateTime) last = sd_cron_expression_next (expression, late);
  g_autoptr(GDateTime) expected = g_date_time_new_utc (9999, 1, 1, 0, 0, 0);

  g_assert_null (next);
  g_assert_nonnull (last);
  g_assert_true (g_date_time_equal (last, expected));
}

/* Walking a whole year of a DST zone hour by hour: every fire time is strictly later than
 * the previous one, and every local hour fires once — the skipped one at 03:00, the
 * repeated one only once */
static void
test_cron_next_walk_year (void)
{
  g_autoptr(GTimeZone) tz = time_zone_or_skip ("Europe/Berlin");
  g_autoptr(SdCronExpression) expression = sd_cron_expression_parse ("0 * * * *", NULL);
  g_autoptr(GDateTime) after = NULL;
  guint n_fires = 0;

  if (tz == NULL)
    return;

  after = g_date_time_new (tz, 2025, 12, 31, 23, 30, 0);
  for (;;)
    {
      g_autoptr(GDateTime) next = sd_cron_expression_next (expression, after);

      g_assert_nonnull (next);
      g_assert_cmpint (g_date_time_compare (next, after), >, 0);
      if (g_date_time_get_year (next) > 2026)
        break;
      g_assert_cmpint (g_date_time_get_minute (next), ==, 0);
      g_assert_cmpint (g_date_time_get_second (next), ==, 0);
      n_fires++;
      g_date_time_unref (after);
      after = g_steal_pointer (&next);
    }

  /* 365 days of 24 local hours: the skipped 02:00 fires at 03:00 — the same instant as 03:00
   * itself, so once for both — and the repeated 02:00 fires once */
  g_assert_cmpuint (n_fires, ==, 365 * 24 - 1);
}

/* ---- schedules and the cron trigger ---- */

/* A schedule type firing every second, read in Berlin time */
#define TEST_TYPE_EVERY_SECOND (test_every_second_get_type ())
G_DECLARE_FINAL_TYPE (TestEverySecond, test_every_second, TEST, EVERY_SECOND, SdCronSchedule)
struct _TestEverySecond { SdCronSchedule parent_instance; };
G_DEFINE_FINAL_TYPE (TestEverySecond, test_every_second, SD_TYPE_CRON_SCHEDULE)

static void
test_every_second_class_init (TestEverySecondClass *klass)
{
  sd_cron_schedule_type_set (G_TYPE_FROM_CLASS (klass), "* * * * * *", "Europe/Berlin");
}

static void
test_every_second_init (TestEverySecond *self)
{
}

/* A schedule type with a bad hour */
#define TEST_TYPE_BAD_HOUR (test_bad_hour_get_type ())
G_DECLARE_FINAL_TYPE (TestBadHour, test_bad_hour, TEST, BAD_HOUR, SdCronSchedule)
struct _TestBadHour { SdCronSchedule parent_instance; };
G_DEFINE_FINAL_TYPE (TestBadHour, test_bad_hour, SD_TYPE_CRON_SCHEDULE)

static void
test_bad_hour_class_init (TestBadHourClass *klass)
{
  sd_cron_schedule_type_set (G_TYPE_FROM_CLASS (klass), "0 25 * * *", NULL);
}

static void
test_bad_hour_init (TestBadHour *self)
{
}

/* Cron triggers recording the payloads they handle */
typedef struct
{
  GArray *fires;        /* (owned) (element-type gint64): payloads */
  GArray *handled_at;   /* (owned) (element-type gint64): wall-clock time of each call */
} Fires;

static void
fires_init (Fires *fires)
{
  fires->fires = g_array_new (FALSE, FALSE, sizeof (gint64));
  fires->handled_at = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
fires_clear (Fires *fires)
{
  g_clear_pointer (&fires->fires, g_array_unref);
  g_clear_pointer (&fires->handled_at, g_array_unref);
}

static void
fires_record (Fires     *fires,
              SdClock   *clock,
              SdMessage *message)
{
  GVariant *payload = sd_message_get_payload (message);
  gint64 fire_us, now_us;

  g_assert_nonnull (payload);
  g_assert_true (g_variant_is_of_type (payload, G_VARIANT_TYPE_INT64));
  fire_us = g_variant_get_int64 (payload);
  now_us = clock ? sd_clock_get_real_time (clock) : g_get_real_time ();
  g_array_append_val (fires->fires, fire_us);
  g_array_append_val (fires->handled_at, now_us);
}

#define TEST_TYPE_TICK_JOB (test_tick_job_get_type ())
G_DECLARE_FINAL_TYPE (TestTickJob, test_tick_job, TEST, TICK_JOB, SdCronTrigger)
struct _TestTickJob
{
  SdCronTrigger parent_instance;
  Fires         fires;
};
G_DEFINE_FINAL_TYPE (TestTickJob, test_tick_job, SD_TYPE_CRON_TRIGGER)

static gboolean
test_tick_job_handle (SdTrigger  *trigger,
                      SdMessage  *message,
                      GError    **error)
{
  fires_record (&TEST_TICK_JOB (trigger)->fires, NULL, message);
  return TRUE;
}

static void
test_tick_job_finalize (GObject *object)
{
  fires_clear (&TEST_TICK_JOB (object)->fires);
  G_OBJECT_CLASS (test_tick_job_parent_class)->finalize (object);
}

static void
test_tick_job_class_init (TestTickJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_tick_job_finalize;
  SD_TRIGGER_CLASS (klass)->handle = test_tick_job_handle;
  sd_trigger_type_set_source (G_TYPE_FROM_CLASS (klass), TEST_TYPE_EVERY_SECOND);
}

static void
test_tick_job_init (TestTickJob *self)
{
  fires_init (&self->fires);
}

#define TEST_TYPE_BAD_JOB (test_bad_job_get_type ())
G_DECLARE_FINAL_TYPE (TestBadJob, test_bad_job, TEST, BAD_JOB, SdCronTrigger)
struct _TestBadJob { SdCronTrigger parent_instance; };
G_DEFINE_FINAL_TYPE (TestBadJob, test_bad_job, SD_TYPE_CRON_TRIGGER)

static gboolean
test_bad_job_handle (SdTrigger  *trigger,
                     SdMessage  *message,
                     GError    **error)
{
  return TRUE;
}

static void
test_bad_job_class_init (TestBadJobClass *klass)
{
  SD_TRIGGER_CLASS (klass)->handle = test_bad_job_handle;
  sd_trigger_type_set_source (G_TYPE_FROM_CLASS (klass), TEST_TYPE_BAD_HOUR);
}

static void
test_bad_job_init (TestBadJob *self)
{
}

static gboolean
closure_record (SdTrigger  *trigger,
                SdMessage  *message,
                gpointer    user_data,
                GError    **error)
{
  fires_record (user_data, NULL, message);
  return TRUE;
}

typedef struct
{
  Fires *fires;
  guint  n;
} FiresWait;

static gboolean
fired_at_least (gpointer data)
{
  FiresWait *wait = data;

  return wait->fires->fires->len >= wait->n;
}

static void
wait_fires (Fires *fires,
            guint  n)
{
  FiresWait wait = { fires, n };

  sd_test_wait (fired_at_least, &wait);
}

/* Consecutive fires of an every-second schedule: whole seconds, increasing, each handled
 * once its time has come */
static void
check_every_second (Fires *fires)
{
  for (guint i = 0; i < fires->fires->len; i++)
    {
      gint64 fire_us = g_array_index (fires->fires, gint64, i);

      g_assert_cmpint (fire_us % G_USEC_PER_SEC, ==, 0);
      g_assert_cmpint (g_array_index (fires->handled_at, gint64, i), >=, fire_us);
      if (i > 0)
        g_assert_cmpint (fire_us, >, g_array_index (fires->fires, gint64, i - 1));
    }
}

/* A six-field every-second schedule fires a subclass (schedule injected by type) and a
 * closure trigger (schedule handed to the daemon) at least twice each */
static void
test_cron_trigger_every_second (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdCronSchedule) schedule = sd_cron_schedule_new ("*/1 * * * * *", NULL);
  g_autoptr(GError) error = NULL;
  Fires closure_fires;
  TestTickJob *job;
  SdTrigger *closure;
  SdCronSchedule *source;
  gboolean finished;

  fires_init (&closure_fires);
  g_assert_true (sd_daemon_add_service_type (daemon, TEST_TYPE_TICK_JOB, &error));
  g_assert_no_error (error);
  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (schedule), &error));
  g_assert_no_error (error);
  closure = g_object_new (SD_TYPE_CRON_TRIGGER, "name", "tick", "source", schedule, NULL);
  sd_trigger_set_handler (closure, closure_record, &closure_fires, NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (closure)));
  g_assert_true (sd_daemon_build (daemon, &error));
  g_assert_no_error (error);

  job = TEST_TICK_JOB (sd_daemon_lookup_service (daemon, "test-tick-job"));
  g_assert_nonnull (job);
  source = sd_cron_trigger_get_source (SD_CRON_TRIGGER (job));
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (source, TEST_TYPE_EVERY_SECOND));
  g_assert_cmpstr (sd_cron_schedule_get_expression (source), ==, "* * * * * *");
  g_assert_cmpstr (sd_cron_schedule_get_time_zone (source), ==, "Europe/Berlin");
  g_assert_cmpstr (sd_cron_schedule_get_time_zone (schedule), ==, "UTC");

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (job), SD_SERVICE_STATE_HEALTHY);
  sd_test_wait_state (SD_SERVICE (closure), SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpint (sd_cron_trigger_get_next_fire_time (SD_CRON_TRIGGER (job)), >, 0);

  wait_fires (&job->fires, 2);
  wait_fires (&closure_fires, 2);
  check_every_second (&job->fires);
  check_every_second (&closure_fires);
  g_assert_cmpuint (sd_trigger_get_n_handled (SD_TRIGGER (job)), >=, 2);

  sd_test_shutdown_and_wait (daemon, &finished);
  g_assert_cmpint (sd_cron_trigger_get_next_fire_time (SD_CRON_TRIGGER (job)), ==, 0);
  g_object_unref (closure);
  fires_clear (&closure_fires);
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      data)
{
  GError **error = data;

  if (sd_daemon_run_finish (SD_DAEMON (object), result, error))
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "no error");
}

/* A bad expression fails the daemon's startup, naming the field */
static void
test_cron_trigger_bad_schedule (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(GError) error = NULL;
  GError *run_error = NULL;

  g_assert_true (sd_daemon_add_service_type (daemon, TEST_TYPE_BAD_JOB, &error));
  g_assert_no_error (error);

  sd_daemon_run_async (daemon, NULL, run_done_cb, &run_error);
  while (run_error == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_test_message ("%s", run_error->message);
  g_assert_error (run_error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
  g_assert_nonnull (strstr (run_error->message,
                            "Invalid hour field “25” in “0 25 * * *”: 25 is out of range 0–23"));
  g_clear_error (&run_error);
}

/* Schedules on their own: initialisation errors, defaults, next */
static void
test_cron_schedule_basics (void)
{
  const struct {
    const char *expression;
    const char *time_zone;
    const char *message;
  } bad[] = {
    { "0 25 * * *", NULL, "Invalid hour field “25”" },
    { "0 0 * * FUNDAY", "UTC", "Invalid day of week field “FUNDAY”" },
    { "0 0 * * *", "Mars/Olympus_Mons", "Unknown time zone “Mars/Olympus_Mons”" },
    { "0 0 * * *", "", "Unknown time zone “”" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCronSchedule) plain = g_object_new (SD_TYPE_CRON_SCHEDULE, NULL);
  g_autoptr(SdCronSchedule) nightly = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) after = NULL;
  g_autoptr(GDateTime) next = NULL;
  g_autoptr(GDateTime) expected = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(SdCronSchedule) schedule = sd_cron_schedule_new (bad[i].expression, bad[i].time_zone);
      g_autoptr(GError) init_error = NULL;
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) none = NULL;

      g_assert_false (g_initable_init (G_INITABLE (schedule), NULL, &init_error));
      g_assert_error (init_error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
      g_assert_nonnull (strstr (init_error->message, bad[i].message));
      none = sd_cron_schedule_next (schedule, now);
      g_assert_null (none);
    }

  /* No expression at all */
  g_assert_false (g_initable_init (G_INITABLE (plain), NULL, &error));
  g_assert_error (error, SD_PROVIDER_ERROR, SD_PROVIDER_ERROR_FATAL);
  g_clear_error (&error);

  /* The expression is read in the schedule's zone, whatever the zone of @after */
  tz = time_zone_or_skip ("America/New_York");
  if (tz == NULL)
    return;
  nightly = sd_cron_schedule_new ("30 2 * * *", "America/New_York");
  g_assert_true (g_initable_init (G_INITABLE (nightly), NULL, &error));
  g_assert_no_error (error);
  after = g_date_time_new_utc (2026, 3, 7, 12, 0, 0);
  next = sd_cron_schedule_next (nightly, after);
  expected = g_date_time_new_from_iso8601 ("2026-03-08T03:00:00-04:00", NULL);
  g_assert_nonnull (next);
  g_assert_true (g_date_time_equal (next, expected));
  g_assert_cmpint (g_date_time_get_utc_offset (next), ==, -4 * G_TIME_SPAN_HOUR);
}

/* A virtual wall clock: the test sets the time; its wall-clock sources are ready when the
 * time is reached or the clock was set since their last dispatch */
typedef struct
{
  SdClock  parent_instance;
  gint64   now_us;      /* the main thread only */
  guint    n_changes;
  guint    n_dispatched;
} TestWallClock;

typedef struct
{
  SdClockClass parent_class;
} TestWallClockClass;

static GType test_wall_clock_get_type (void);
G_DEFINE_TYPE (TestWallClock, test_wall_clock, SD_TYPE_CLOCK)

typedef struct
{
  GSource        source;
  TestWallClock *clock;      /* (owned) */
  gint64         deadline_us;
  guint          seen_changes;
} TestWallSource;

static gboolean
test_wall_source_ready (TestWallSource *self)
{
  return self->clock->now_us >= self->deadline_us || self->clock->n_changes != self->seen_changes;
}

static gboolean
test_wall_source_prepare (GSource *source,
                          int     *timeout)
{
  *timeout = -1;
  return test_wall_source_ready ((TestWallSource *) source);
}

static gboolean
test_wall_source_check (GSource *source)
{
  return test_wall_source_ready ((TestWallSource *) source);
}

static gboolean
test_wall_source_dispatch (GSource     *source,
                           GSourceFunc  callback,
                           gpointer     user_data)
{
  TestWallSource *self = (TestWallSource *) source;

  self->seen_changes = self->clock->n_changes;
  self->clock->n_dispatched++;
  return callback (user_data);
}

static void
test_wall_source_finalize (GSource *source)
{
  g_object_unref (((TestWallSource *) source)->clock);
}

static GSourceFuncs test_wall_source_funcs = {
  test_wall_source_prepare,
  test_wall_source_check,
  test_wall_source_dispatch,
  test_wall_source_finalize,
  NULL,
  NULL,
};

static gint64
test_wall_clock_get_real_time (SdClock *clock)
{
  return ((TestWallClock *) clock)->now_us;
}

static GSource *
test_wall_clock_create_wall_clock_source (SdClock *clock,
                                          gint64   real_time_us)
{
  GSource *source = g_source_new (&test_wall_source_funcs, sizeof (TestWallSource));
  TestWallSource *self = (TestWallSource *) source;

  self->clock = g_object_ref ((TestWallClock *) clock);
  self->deadline_us = real_time_us;
  self->seen_changes = self->clock->n_changes;
  return source;
}

static void
test_wall_clock_class_init (TestWallClockClass *klass)
{
  SD_CLOCK_CLASS (klass)->get_real_time = test_wall_clock_get_real_time;
  SD_CLOCK_CLASS (klass)->create_wall_clock_source = test_wall_clock_create_wall_clock_source;
}

static void
test_wall_clock_init (TestWallClock *self)
{
}

static void
test_wall_clock_set (TestWallClock *self,
                     const char    *iso8601)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (iso8601, NULL);

  g_assert_nonnull (time);
  self->now_us = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  self->n_changes++;
  g_main_context_wakeup (NULL);
}

static gint64
unix_us (const char *iso8601)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (iso8601, NULL);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time) * G_USEC_PER_SEC;
}

typedef struct
{
  TestWallClock *clock;
  guint          n;
} DispatchWait;

static gboolean
dispatched_at_least (gpointer data)
{
  DispatchWait *wait = data;

  return wait->clock->n_dispatched >= wait->n;
}

/* The rules for wall-clock jumps, on a virtual clock: a fire at its time; a jump forward
 * over several fire times fires once, with the first, then goes on after the new time; a
 * jump back repeats nothing */
static void
test_cron_trigger_clock_jumps (void)
{
  g_autoptr(SdDaemon) daemon = sd_test_daemon_new ();
  g_autoptr(SdClock) virtual_clock = g_object_new (test_wall_clock_get_type (), NULL);
  TestWallClock *clock = (TestWallClock *) virtual_clock;
  g_autoptr(SdCronSchedule) schedule = sd_cron_schedule_new ("*/10 * * * * *", "UTC");
  g_autoptr(GError) error = NULL;
  SdCronTrigger *trigger;
  Fires fires;
  DispatchWait dispatches;
  gboolean finished;

  fires_init (&fires);
  test_wall_clock_set (clock, "2026-05-01T10:00:03Z");
  sd_daemon_set_clock (daemon, virtual_clock);
  g_assert_true (sd_daemon_add_provider (daemon, SD_PROVIDER (schedule), &error));
  trigger = g_object_new (SD_TYPE_CRON_TRIGGER, "name", "ten", "source", schedule, NULL);
  sd_trigger_set_handler (SD_TRIGGER (trigger), closure_record, &fires, NULL);
  sd_test_add (daemon, SD_SERVICE (g_object_ref (trigger)));

  sd_test_run_async (daemon, &finished);
  sd_test_wait_state (SD_SERVICE (trigger), SD_SERVICE_STATE_HEALTHY);
  g_assert_cmpint (sd_cron_trigger_get_next_fire_time (trigger), ==, unix_us ("2026-05-01T10:00:10Z"));

  /* On time */
  test_wall_clock_set (clock, "2026-05-01T10:00:10.2Z");
  wait_fires (&fires, 1);
  g_assert_cmpint (g_array_index (fires.fires, gint64, 0), ==, unix_us ("2026-05-01T10:00:10Z"));
  g_assert_cmpint (sd_cron_trigger_get_next_fire_time (trigger), ==, unix_us ("2026-05-01T10:00:20Z"));

  /* Forward over 10:00:20 … 10:00:50: one fire, for 10:00:20 */
  test_wall_clock_set (clock, "2026-05-01T10:00:55Z");
  wait_fires (&fires, 2);
  g_assert_cmpint (g_array_index (fires.fires, gint64, 1), ==, unix_us ("2026-05-01T10:00:20Z"));
  g_assert_cmpint (sd_cron_trigger_get_next_fire_time (trigger), ==, unix_us ("2026-05-01T10:01:00Z"));

  /* Back by an hour: the source wakes up, nothing fires, the next fire time stays */
  dispatches.clock = clock;
  dispatches.n = clock->n_dispatched + 1;
  test_wall_clock_set (clock, "2026-05-01T09:00:00Z");
  sd_test_wait (dispatched_at_least, &dispatches);
  g_assert_cmpuint (fires.fires->len, ==, 2);
  g_assert_cmpint (sd_cron_trigger_get_next_fire_time (trigger), ==, unix_us ("2026-05-01T10:01:00Z"));

  /* …until the clock reaches it again */
  test_wall_clock_set (clock, "2026-05-01T10:01:00Z");
  wait_fires (&fires, 3);
  g_assert_cmpint (g_array_index (fires.fires, gint64, 2), ==, unix_us ("2026-05-01T10:01:00Z"));

  sd_test_shutdown_and_wait (daemon, &finished);
  g_object_unref (trigger);
  fires_clear (&fires);
}

int
main (int   argc,
      char *argv[])
{
  sd_test_init (&argc, &argv);

  for (gsize i = 0; i < G_N_ELEMENTS (next_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sd/triggers/cron/next/%s", next_cases[i].name);

      g_test_add_data_func (path, &next_cases[i], test_cron_next);
    }
  g_test_add_func ("/sd/triggers/cron/next/end-of-time", test_cron_next_end_of_time);
  g_test_add_func ("/sd/triggers/cron/next/walk-year", test_cron_next_walk_year);
  g_test_add_func ("/sd/triggers/cron/parse/basics", test_cron_parse_basics);
  g_test_add_func ("/sd/triggers/cron/parse/errors", test_cron_parse_errors);
  g_test_add_func ("/sd/triggers/cron/parse/error-messages", test_cron_parse_error_messages);
  g_test_add_func ("/sd/triggers/cron/schedule/basics", test_cron_schedule_basics);
  g_test_add_func ("/sd/triggers/cron/trigger/every-second", test_cron_trigger_every_second);
  g_test_add_func ("/sd/triggers/cron/trigger/bad-schedule", test_cron_trigger_bad_schedule);
  g_test_add_func ("/sd/triggers/cron/trigger/clock-jumps", test_cron_trigger_clock_jumps);

  return g_test_run ();
}
