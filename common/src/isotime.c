/* ISO-8601 parsing and formatting without the C library's time zone state
 * (timegm/strptime differ between libcs and accept more than we want). */
#include "echo/isotime.h"

#include <stdio.h>
#include <string.h>

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds. */
#define ISOTIME_MIN_SECS (-62135596800LL)
#define ISOTIME_MAX_SECS 253402300799LL

bool isotime_parse(const char *s, int64_t *us_out)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    long frac = 0;
    if (!s || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return false;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
        return false;
    int64_t offset_s = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return false;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &sec))
                return false;
            if (*p == '.' || *p == ',') {
                p++;
                int n = 0;
                while (*p >= '0' && *p <= '9') {
                    if (++n > 6)
                        return false;
                    frac = frac * 10 + (*p++ - '0');
                }
                if (n == 0)
                    return false;
                for (; n < 6; n++)
                    frac *= 10;
            }
        }
        if (h > 23 || mi > 59 || sec > 59)
            return false;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-' || *p == ' ') {
            int sign = *p == '-' ? -1 : 1, oh, om;
            p++;
            if (!digits(&p, 2, &oh))
                return false;
            if (*p == ':')
                p++;
            if (!digits(&p, 2, &om) || oh > 23 || om > 59)
                return false;
            offset_s = sign * (int64_t)(oh * 3600 + om * 60);
        }
    }
    if (*p != '\0')
        return false;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    /* An offset can carry 9999-12-31 or 0001-01-01 out of the four-digit years
     * isotime_format writes; such instants are refused, not misprinted. */
    if (secs < ISOTIME_MIN_SECS || secs > ISOTIME_MAX_SECS)
        return false;
    *us_out = secs * 1000000 + frac;
    return true;
}

void isotime_format(int64_t us, char *out, size_t n)
{
    int64_t secs = us / 1000000;
    long frac = (long)(us % 1000000);
    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    /* civil_from_days (H. Hinnant) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    int hh = (int)(rem / 3600), mm = (int)(rem % 3600 / 60), ss = (int)(rem % 60);
    if (frac)
        snprintf(out, n, "%04lld-%02d-%02dT%02d:%02d:%02d.%06ld+00:00", (long long)y, m, d, hh, mm, ss, frac);
    else
        snprintf(out, n, "%04lld-%02d-%02dT%02d:%02d:%02d+00:00", (long long)y, m, d, hh, mm, ss);
}
