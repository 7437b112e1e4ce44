/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "sd-cron.h"

#include <string.h>

#include "sd-triggers-i18n-private.h"

/**
 * SdCronExpression:
 *
 * A parsed cron expression: when a schedule fires.
 *
 * An expression has five fields — minute, hour, day of month, month, day of week — or six,
 * with the second first, separated by spaces or tabs:
 *
 * ```
 * ┌──────────── second (0–59, only in the six-field form)
 * │ ┌────────── minute (0–59)
 * │ │ ┌──────── hour (0–23)
 * │ │ │ ┌────── day of month (1–31)
 * │ │ │ │ ┌──── month (1–12 or JAN–DEC)
 * │ │ │ │ │ ┌── day of week (0–7 or SUN–SAT; 0 and 7 are Sunday)
 * 0 0 9 * * MON-FRI
 * ```
 *
 * A five-field expression fires at second 0. Each field is a comma-separated list of
 * elements; an element is `*` (every value), a value, a range `a-b`, or one of these
 * followed by a step: &#42;/15 (every 15), `10-40/5`, or `5/10` (from 5 to the end of the
 * field, every 10). Month and day names are the English three-letter abbreviations, in any case. A range
 * of days of the week may end on Sunday (`FRI-SUN`, `5-7` or `5-0`).
 *
 * The macros `@yearly` (or `@annually`, `0 0 1 1 *`), `@monthly` (`0 0 1 * *`), `@weekly`
 * (`0 0 * * 0`), `@daily` (or `@midnight`, `0 0 * * *`) and `@hourly` (`0 * * * *`) stand
 * for the expressions shown.
 *
 * **Day of month and day of week.** As in POSIX and Vixie cron, when both fields are
 * restricted — neither starts with `*` — a day matches if *either* field matches:
 * `0 0 1,15 * MON` fires on the 1st, on the 15th and on every Monday. Otherwise a day must
 * match both (one of which is then `*` or a step over the whole field).
 *
 * **Leap days.** `0 0 29 2 *` fires on February 29th, in leap years only. An expression
 * that can never fire, such as `0 0 30 2 *` or `0 0 31 4,6 *`, is rejected when it is
 * parsed, with %SD_CRON_ERROR_NEVER_FIRES.
 *
 * **Time zones and daylight saving time.** Fire times are local times of a time zone: the
 * zone of the #GDateTime given to sd_cron_expression_next(). Where a transition skips local
 * times (spring forward, e.g. 02:00 → 03:00), every skipped fire time becomes one single fire
 * at the first instant after the gap (03:00); where a transition repeats local times (fall
 * back, e.g. 03:00 → 02:00), each repeated fire time fires once, at its first occurrence,
 * and not again when the hour is repeated.
 *
 * Since: 1.0
 */

typedef enum {
  FIELD_SECOND,
  FIELD_MINUTE,
  FIELD_HOUR,
  FIELD_DAY_OF_MONTH,
  FIELD_MONTH,
  FIELD_DAY_OF_WEEK,
  N_FIELDS
} Field;

static const char * const month_names[] = {
  "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL
};

static const char * const day_names[] = {
  "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

typedef struct {
  guint              min;
  guint              max;       /* the largest value written */
  guint              last;      /* where `*` and `a/step` end */
  const char * const *names;    /* value of names[i] is name_base + i */
  guint              name_base;
} FieldInfo;

static const FieldInfo field_info[N_FIELDS] = {
  [FIELD_SECOND]       = { 0, 59, 59, NULL, 0 },
  [FIELD_MINUTE]       = { 0, 59, 59, NULL, 0 },
  [FIELD_HOUR]         = { 0, 23, 23, NULL, 0 },
  [FIELD_DAY_OF_MONTH] = { 1, 31, 31, NULL, 0 },
  [FIELD_MONTH]        = { 1, 12, 12, month_names, 1 },
  [FIELD_DAY_OF_WEEK]  = { 0, 7, 6, day_names, 0 },
};

static const struct {
  const char *name;
  const char *expansion;
} macros[] = {
  { "@yearly", "0 0 1 1 *" },
  { "@annually", "0 0 1 1 *" },
  { "@monthly", "0 0 1 * *" },
  { "@weekly", "0 0 * * 0" },
  { "@daily", "0 0 * * *" },
  { "@midnight", "0 0 * * *" },
  { "@hourly", "0 * * * *" },
};

/* The latest year a #GDateTime can hold. */
#define MAX_YEAR 9999

#define BIT(n) (G_GUINT64_CONSTANT (1) << (n))

struct _SdCronExpression
{
  gatomicrefcount ref_count;

  char     *text;            /* (owned) as written, blanks collapsed */
  guint64   bits[N_FIELDS];  /* bit n set: value n matches; Sunday is 0 */
  gboolean  has_seconds;
  gboolean  dom_restricted;  /* the day-of-month field does not start with `*` */
  gboolean  dow_restricted;  /* the day-of-week field does not start with `*` */
};

G_DEFINE_BOXED_TYPE (SdCronExpression, sd_cron_expression,
                     sd_cron_expression_ref, sd_cron_expression_unref)

G_DEFINE_QUARK (sd-cron-error-quark, sd_cron_error)

/* Civil (calendar) arithmetic */

typedef struct {
  int year;
  int month;
  int day;
  int hour;
  int minute;
  int second;
} Civil;

static gboolean
is_leap_year (int year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month (int year,
               int month)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  g_assert (month >= 1 && month <= 12);

  if (month == 2 && is_leap_year (year))
    return 29;
  return days[month - 1];
}

/* Days from 1970-01-01 to the given date of the proleptic Gregorian calendar. */
static gint64
days_from_civil (int year,
                 int month,
                 int day)
{
  gint64 y = year - (month <= 2);
  gint64 era = (y >= 0 ? y : y - 399) / 400;
  gint64 yoe = y - era * 400;
  gint64 doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + doe - 719468;
}

/* 0 = Sunday */
static int
day_of_week (int year,
             int month,
             int day)
{
  gint64 days = days_from_civil (year, month, day);

  return (int) (((days + 4) % 7 + 7) % 7);
}

/* Seconds since the epoch of the civil time read as if it were UTC */
static gint64
civil_to_local_seconds (const Civil *c)
{
  return days_from_civil (c->year, c->month, c->day) * 86400
         + c->hour * 3600 + c->minute * 60 + c->second;
}

static void
advance_month (Civil *c)
{
  c->day = 1;
  c->hour = c->minute = c->second = 0;
  if (++c->month > 12)
    {
      c->month = 1;
      c->year++;
    }
}

static void
advance_day (Civil *c)
{
  c->hour = c->minute = c->second = 0;
  if (++c->day > days_in_month (c->year, c->month))
    advance_month (c);
}

static void
advance_hour (Civil *c)
{
  c->minute = c->second = 0;
  if (++c->hour > 23)
    advance_day (c);
}

static void
advance_minute (Civil *c)
{
  c->second = 0;
  if (++c->minute > 59)
    advance_hour (c);
}

static void
advance_second (Civil *c)
{
  if (++c->second > 59)
    advance_minute (c);
}

/* Time zones */

static gint64
offset_at (GTimeZone *tz,
           gint64     instant)
{
  int interval = g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, instant);

  return g_time_zone_get_offset (tz, interval);
}

/* The instant of the local time @local (seconds since the epoch of the local time read as
 * UTC) in @tz: its first occurrence when the time is repeated, and the first instant after
 * the gap when the time is skipped. */
static gint64
local_to_instant (GTimeZone *tz,
                  gint64     local)
{
  const gint64 probes[] = { local - 86400, local, local + 86400 };
  gint64 best = G_MAXINT64;
  gint64 min_offset = G_MAXINT64;
  gint64 max_offset = G_MININT64;
  gint64 lo, hi;

  for (gsize i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      gint64 offset = offset_at (tz, probes[i]);
      gint64 instant = local - offset;

      min_offset = MIN (min_offset, offset);
      max_offset = MAX (max_offset, offset);
      if (offset_at (tz, instant) == offset)
        best = MIN (best, instant);
    }

  if (best != G_MAXINT64)
    return best;

  /* Skipped: the first instant whose local time lies past @local */
  lo = local - max_offset;
  hi = local - min_offset;
  while (lo < hi)
    {
      gint64 mid = lo + (hi - lo) / 2;

      if (mid + offset_at (tz, mid) > local)
        hi = mid;
      else
        lo = mid + 1;
    }

  return hi;
}

/* Parsing */

static void
set_field_error (GError     **error,
                 int          code,
                 Field        field,
                 const char  *field_text,
                 const char  *expression,
                 const char  *reason)
{
  switch (field)
    {
    case FIELD_SECOND:
      g_set_error (error, SD_CRON_ERROR, code,
                   _("Invalid second field “%s” in “%s”: %s"), field_text, expression, reason);
      break;
    case FIELD_MINUTE:
      g_set_error (error, SD_CRON_ERROR, code,
                   _("Invalid minute field “%s” in “%s”: %s"), field_text, expression, reason);
      break;
    case FIELD_HOUR:
      g_set_error (error, SD_CRON_ERROR, code,
                   _("Invalid hour field “%s” in “%s”: %s"), field_text, expression, reason);
      break;
    case FIELD_DAY_OF_MONTH:
      g_set_error (error, SD_CRON_ERROR, code,
                   _("Invalid day of month field “%s” in “%s”: %s"), field_text, expression,
                   reason);
      break;
    case FIELD_MONTH:
      g_set_error (error, SD_CRON_ERROR, code,
                   _("Invalid month field “%s” in “%s”: %s"), field_text, expression, reason);
      break;
    case FIELD_DAY_OF_WEEK:
      g_set_error (error, SD_CRON_ERROR, code,
                   _("Invalid day of week field “%s” in “%s”: %s"), field_text, expression,
                   reason);
      break;
    case N_FIELDS:
    default:
      g_assert_not_reached ();
    }
}

/* A decimal number of at most nine digits; FALSE if @text is not all digits. */
static gboolean
parse_number (const char *text,
              guint      *value,
              gboolean   *too_large)
{
  guint64 v = 0;

  *too_large = FALSE;
  if (*text == '\0')
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      if (v <= G_MAXUINT)
        v = v * 10 + (guint64) (*p - '0');
    }

  if (v > G_MAXUINT)
    {
      *too_large = TRUE;
      v = G_MAXUINT;
    }

  *value = (guint) v;
  return TRUE;
}

static gboolean
parse_value (Field        field,
             const char  *token,
             guint       *value,
             char       **reason)
{
  const FieldInfo *info = &field_info[field];
  gboolean too_large;

  if (parse_number (token, value, &too_large))
    {
      if (too_large || *value < info->min || *value > info->max)
        {
          *reason = g_strdup_printf (_("%s is out of range %u–%u"), token, info->min, info->max);
          return FALSE;
        }
      return TRUE;
    }

  if (info->names != NULL)
    {
      for (guint i = 0; info->names[i] != NULL; i++)
        if (g_ascii_strcasecmp (token, info->names[i]) == 0)
          {
            *value = info->name_base + i;
            return TRUE;
          }
    }

  if (field == FIELD_MONTH)
    *reason = g_strdup_printf (_("“%s” is neither a month number nor a name (JAN–DEC)"), token);
  else if (field == FIELD_DAY_OF_WEEK)
    *reason = g_strdup_printf (_("“%s” is neither a day number nor a name (SUN–SAT)"), token);
  else
    *reason = g_strdup_printf (_("“%s” is not a number"), token);
  return FALSE;
}

static gboolean
parse_element (Field        field,
               const char  *element,
               guint64     *bits,
               char       **reason)
{
  const FieldInfo *info = &field_info[field];
  const char *slash = strchr (element, '/');
  g_autofree char *base = NULL;
  const char *dash;
  guint start, end, step = 1;

  if (*element == '\0')
    {
      *reason = g_strdup (_("a list element is empty"));
      return FALSE;
    }

  if (slash != NULL)
    {
      gboolean too_large;

      if (!parse_number (slash + 1, &step, &too_large) || step == 0)
        {
          *reason = g_strdup_printf (_("the step “%s” is not a positive number"), slash + 1);
          return FALSE;
        }
      base = g_strndup (element, (gsize) (slash - element));
    }
  else
    {
      base = g_strdup (element);
    }

  dash = strchr (base, '-');

  if (strcmp (base, "*") == 0)
    {
      start = info->min;
      end = info->last;
    }
  else if (dash != NULL)
    {
      g_autofree char *first = g_strndup (base, (gsize) (dash - base));

      if (!parse_value (field, *first != '\0' ? first : base, &start, reason) ||
          !parse_value (field, dash[1] != '\0' ? dash + 1 : base, &end, reason))
        return FALSE;

      /* FRI-SUN: a range of week days may end on Sunday written as 0 */
      if (field == FIELD_DAY_OF_WEEK && end == 0 && start > 0)
        end = 7;

      if (start > end)
        {
          *reason = g_strdup_printf (_("the range “%s” starts after it ends"), base);
          return FALSE;
        }
    }
  else
    {
      if (!parse_value (field, base, &start, reason))
        return FALSE;
      end = slash != NULL ? MAX (start, info->last) : start;
    }

  for (guint v = start; v <= end; v += step)
    {
      *bits |= BIT (v);
      if (step > end - v)
        break;
    }

  return TRUE;
}

static gboolean
parse_field (Field        field,
             const char  *text,
             const char  *expression,
             guint64     *bits,
             GError     **error)
{
  g_auto(GStrv) elements = g_strsplit (text, ",", -1);

  *bits = 0;
  for (guint i = 0; elements[i] != NULL; i++)
    {
      g_autofree char *reason = NULL;

      if (!parse_element (field, elements[i], bits, &reason))
        {
          set_field_error (error, SD_CRON_ERROR_INVALID_FIELD, field, text, expression, reason);
          return FALSE;
        }
    }

  /* 7 is Sunday too */
  if (field == FIELD_DAY_OF_WEEK && (*bits & BIT (7)) != 0)
    *bits = (*bits & ~BIT (7)) | BIT (0);

  return TRUE;
}

/* Whether some selected month has a selected day of month. Only needed when both day fields
 * must match (when either may, every week has a matching day). */
static gboolean
check_days_exist (SdCronExpression  *self,
                  const char        *dom_text,
                  GError           **error)
{
  guint first_day = 0;

  for (int month = 1; month <= 12; month++)
    {
      /* 2000 is a leap year: February has 29 days */
      int n_days = days_in_month (2000, month);

      if ((self->bits[FIELD_MONTH] & BIT (month)) == 0)
        continue;
      for (int day = 1; day <= n_days; day++)
        if ((self->bits[FIELD_DAY_OF_MONTH] & BIT (day)) != 0)
          return TRUE;
    }

  while ((self->bits[FIELD_DAY_OF_MONTH] & BIT (first_day)) == 0)
    first_day++;

  {
    g_autofree char *reason =
      g_strdup_printf (_("none of the selected months has %u days"), first_day);

    set_field_error (error, SD_CRON_ERROR_NEVER_FIRES, FIELD_DAY_OF_MONTH, dom_text,
                     self->text, reason);
  }
  return FALSE;
}

static const char *
expand_macro (const char *text)
{
  for (gsize i = 0; i < G_N_ELEMENTS (macros); i++)
    if (g_ascii_strcasecmp (text, macros[i].name) == 0)
      return macros[i].expansion;

  return NULL;
}

/**
 * sd_cron_expression_parse:
 * @text: a cron expression, for example `0 9 * * MON-FRI` or `@daily`
 * @error: return location for a #GError
 *
 * Parses a cron expression of five fields (minute, hour, day of month, month, day of week),
 * six fields (second first) or a macro. See #SdCronExpression for the syntax.
 *
 * A malformed expression fails with an error in the %SD_CRON_ERROR domain whose message names
 * the field and the offending text, for example “Invalid hour field “25” in “0 25 * * *”: 25
 * is out of range 0–23”.
 *
 * Returns: (transfer full): the parsed expression, or %NULL with @error set
 *
 * Since: 1.0
 */
SdCronExpression *
sd_cron_expression_parse (const char  *text,
                          GError     **error)
{
  g_autoptr(SdCronExpression) self = NULL;
  g_auto(GStrv) tokens = NULL;
  g_autoptr(GPtrArray) fields = g_ptr_array_new ();
  const char *expansion;
  g_auto(GStrv) expanded = NULL;
  const char * const *field_texts;
  guint first;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tokens = g_strsplit_set (text, " \t\n\r\f\v", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    if (*tokens[i] != '\0')
      g_ptr_array_add (fields, tokens[i]);
  g_ptr_array_add (fields, NULL);

  self = g_new0 (SdCronExpression, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->text = g_strjoinv (" ", (char **) fields->pdata);

  if (fields->len == 2 && *self->text == '@')
    {
      expansion = expand_macro (self->text);
      if (expansion == NULL)
        {
          g_set_error (error, SD_CRON_ERROR, SD_CRON_ERROR_INVALID_EXPRESSION,
                       _("Invalid cron expression “%s”: unknown macro (expected @yearly, "
                         "@annually, @monthly, @weekly, @daily, @midnight or @hourly)"),
                       self->text);
          return NULL;
        }
      expanded = g_strsplit (expansion, " ", -1);
      field_texts = (const char * const *) expanded;
      first = FIELD_MINUTE;
    }
  else if (fields->len == 6 || fields->len == 7)
    {
      field_texts = (const char * const *) fields->pdata;
      self->has_seconds = fields->len == 7;
      first = self->has_seconds ? FIELD_SECOND : FIELD_MINUTE;
    }
  else
    {
      g_set_error (error, SD_CRON_ERROR, SD_CRON_ERROR_INVALID_EXPRESSION,
                   _("Invalid cron expression “%s”: expected 5 or 6 fields, found %u"),
                   self->text, fields->len - 1);
      return NULL;
    }

  self->bits[FIELD_SECOND] = BIT (0);
  for (guint field = first; field < N_FIELDS; field++)
    if (!parse_field (field, field_texts[field - first], self->text, &self->bits[field], error))
      return NULL;

  self->dom_restricted = field_texts[FIELD_DAY_OF_MONTH - first][0] != '*';
  self->dow_restricted = field_texts[FIELD_DAY_OF_WEEK - first][0] != '*';

  if (!(self->dom_restricted && self->dow_restricted) &&
      !check_days_exist (self, field_texts[FIELD_DAY_OF_MONTH - first], error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * sd_cron_expression_ref:
 * @self: a #SdCronExpression
 *
 * Acquires a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
SdCronExpression *
sd_cron_expression_ref (SdCronExpression *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * sd_cron_expression_unref:
 * @self: (transfer full): a #SdCronExpression
 *
 * Releases a reference on @self, freeing it when the last one is gone.
 *
 * Since: 1.0
 */
void
sd_cron_expression_unref (SdCronExpression *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_free (self->text);
      g_free (self);
    }
}

/**
 * sd_cron_expression_to_string:
 * @self: a #SdCronExpression
 *
 * Returns the expression as it was parsed, with runs of blanks collapsed into one space.
 * Parsing the result gives an equal expression.
 *
 * Returns: (transfer full): the expression text
 *
 * Since: 1.0
 */
char *
sd_cron_expression_to_string (SdCronExpression *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_strdup (self->text);
}

/**
 * sd_cron_expression_has_seconds:
 * @self: a #SdCronExpression
 *
 * Returns whether @self has a seconds field (the six-field form). An expression without one
 * fires at second 0 of the minutes it selects.
 *
 * Returns: %TRUE for a six-field expression
 *
 * Since: 1.0
 */
gboolean
sd_cron_expression_has_seconds (SdCronExpression *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->has_seconds;
}

static gboolean
has_bit_from (guint64  bits,
              int      from,
              int      last,
              int     *value)
{
  for (int v = from; v <= last; v++)
    if ((bits & BIT (v)) != 0)
      {
        *value = v;
        return TRUE;
      }

  return FALSE;
}

static gboolean
day_matches (SdCronExpression *self,
             const Civil      *c)
{
  gboolean dom = (self->bits[FIELD_DAY_OF_MONTH] & BIT (c->day)) != 0;
  gboolean dow = (self->bits[FIELD_DAY_OF_WEEK] & BIT (day_of_week (c->year, c->month, c->day))) != 0;

  if (self->dom_restricted && self->dow_restricted)
    return dom || dow;
  return dom && dow;
}

/* Moves @c to the first civil time at or after it that matches, field by field from the
 * month down: a mismatch in a field skips to the next value of that field. FALSE past the
 * last year a #GDateTime holds. */
static gboolean
find_civil (SdCronExpression *self,
            Civil            *c)
{
  while (c->year <= MAX_YEAR)
    {
      int v;

      if (!has_bit_from (self->bits[FIELD_MONTH], c->month, 12, &v))
        {
          c->year++;
          c->month = 1;
          c->day = 1;
          c->hour = c->minute = c->second = 0;
          continue;
        }
      if (v != c->month)
        {
          c->month = v;
          c->day = 1;
          c->hour = c->minute = c->second = 0;
        }

      if (!day_matches (self, c))
        {
          advance_day (c);
          continue;
        }

      if (!has_bit_from (self->bits[FIELD_HOUR], c->hour, 23, &v))
        {
          advance_day (c);
          continue;
        }
      if (v != c->hour)
        {
          c->hour = v;
          c->minute = c->second = 0;
        }

      if (!has_bit_from (self->bits[FIELD_MINUTE], c->minute, 59, &v))
        {
          advance_hour (c);
          continue;
        }
      if (v != c->minute)
        {
          c->minute = v;
          c->second = 0;
        }

      if (!has_bit_from (self->bits[FIELD_SECOND], c->second, 59, &v))
        {
          advance_minute (c);
          continue;
        }
      c->second = v;

      return TRUE;
    }

  return FALSE;
}

/**
 * sd_cron_expression_next:
 * @self: a #SdCronExpression
 * @after: the time to start from
 *
 * Computes the first fire time of @self strictly after @after. The fields are matched in
 * the time zone of @after, and the result is in that zone too: pass a #GDateTime in the
 * zone the schedule is meant for (for example with g_date_time_to_timezone()).
 *
 * Local times that a daylight-saving transition skips fire once, at the first instant after
 * the gap; local times that a transition repeats fire once, at their first occurrence. So a
 * schedule for 02:30 fires at 03:00 on the day clocks spring forward from 02:00 to 03:00,
 * and only once on the day they fall back from 03:00 to 02:00.
 *
 * The search skips field by field (to the next matching month, day, hour…), so that even a
 * schedule that fires once in eight years (`0 0 29 2 MON` fires on February 29th and on every
 * Monday, but `0 0 29 2 *` fires on leap days only) is found at once.
 *
 * Returns: (transfer full) (nullable): the next fire time, or %NULL if there is none before
 *   the end of year 9999
 *
 * Since: 1.0
 */
GDateTime *
sd_cron_expression_next (SdCronExpression *self,
                         GDateTime        *after)
{
  GTimeZone *tz;
  gint64 after_unix;
  Civil c;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  tz = g_date_time_get_timezone (after);
  after_unix = g_date_time_to_unix (after);

  g_date_time_get_ymd (after, &c.year, &c.month, &c.day);
  c.hour = g_date_time_get_hour (after);
  c.minute = g_date_time_get_minute (after);
  c.second = g_date_time_get_second (after);
  advance_second (&c);

  while (find_civil (self, &c))
    {
      gint64 instant = local_to_instant (tz, civil_to_local_seconds (&c));

      /* A local time whose first occurrence is not after @after has fired already (or is
       * the repeat of a fall-back hour) */
      if (instant > after_unix)
        {
          g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (instant);

          if (utc == NULL)
            return NULL;
          return g_date_time_to_timezone (utc, tz);
        }

      advance_second (&c);
    }

  return NULL;
}
