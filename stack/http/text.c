/*
 * text.c — the words of HTTP: reason phrases (RFC 9110 15) and HTTP-dates
 * (RFC 9110 5.6.7: IMF-fixdate to send; IMF-fixdate, the obsolete RFC 850
 * form and asctime() form accepted).
 *
 * Dates are computed from Unix seconds by hand (days from civil, as in
 * Howard Hinnant's algorithms) so that nothing depends on the time zone or
 * the C library's locale.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http_internal.h"

struct status_row {
	unsigned code;
	const char *text;
};

static const struct status_row statuses[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
};

const char *tapir_http_status_text(unsigned status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == status)
			return statuses[i].text;
	return "Unknown";
}

static const char *const day_names[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Days since 1970-01-01 -> year, month (1-12), day (1-31). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

void tapir_http_date_format(int64_t t, char out[TAPIR_HTTP_DATE_LEN])
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t secs = t - days * 86400;
	int64_t year;
	unsigned month, day;

	char text[80];

	civil_from_days(days, &year, &month, &day);
	if (year < 0 || year > 9999) /* the format has four digits for the year */
		year = year < 0 ? 0 : 9999;
	snprintf(text, sizeof(text), "%s, %02u %s %04d %02u:%02u:%02u GMT",
	         day_names[((days % 7) + 7) % 7], day, month_names[month - 1], (int)year,
	         (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
	snprintf(out, TAPIR_HTTP_DATE_LEN, "%.29s", text);
}

static int month_index(const char *name)
{
	for (int i = 0; i < 12; i++)
		if (strncmp(name, month_names[i], 3) == 0)
			return i + 1;
	return -1;
}

/* Exactly n digits at *p (a leading space stands for a zero when
 * space_ok, as in asctime's " 6"). */
static bool digits(const char **p, int n, bool space_ok, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c == ' ' && space_ok && i == 0)
			continue;
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool literal(const char **p, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*p, word, n) != 0)
		return false;
	*p += n;
	return true;
}

static bool month(const char **p, int *out)
{
	*out = month_index(*p);
	if (*out < 0)
		return false;
	*p += 3;
	return true;
}

/* "08:49:37" */
static bool clock_time(const char **p, int *hh, int *mm, int *ss)
{
	return digits(p, 2, false, hh) && literal(p, ":") && digits(p, 2, false, mm) &&
	       literal(p, ":") && digits(p, 2, false, ss);
}

int tapir_http_date_parse(const char *text, int64_t *out)
{
	const char *comma = strchr(text, ',');
	const char *p;
	int day = 0, mon = 0, year = 0, hh = 0, mm = 0, ss = 0;
	bool ok;

	if (comma && comma[1] == ' ' && comma[4] == ' ') {
		/* IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" */
		p = comma + 2;
		ok = digits(&p, 2, false, &day) && literal(&p, " ") && month(&p, &mon) &&
		     literal(&p, " ") && digits(&p, 4, false, &year) && literal(&p, " ") &&
		     clock_time(&p, &hh, &mm, &ss) && literal(&p, " GMT") && *p == '\0';
	} else if (comma) {
		/* RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT": two-digit years */
		p = comma + 1;
		ok = literal(&p, " ") && digits(&p, 2, false, &day) && literal(&p, "-") &&
		     month(&p, &mon) && literal(&p, "-") && digits(&p, 2, false, &year) &&
		     literal(&p, " ") && clock_time(&p, &hh, &mm, &ss) && literal(&p, " GMT") &&
		     *p == '\0';
		year += year < 70 ? 2000 : 1900;
	} else {
		/* asctime "Sun Nov  6 08:49:37 1994" */
		p = text;
		ok = strlen(p) > 4 && p[3] == ' ';
		p += ok ? 4 : 0;
		ok = ok && month(&p, &mon) && literal(&p, " ") && digits(&p, 2, true, &day) &&
		     literal(&p, " ") && clock_time(&p, &hh, &mm, &ss) && literal(&p, " ") &&
		     digits(&p, 4, false, &year) && *p == '\0';
	}
	if (!ok || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return -EINVAL;
	*out =
	    days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60 + ss;
	return 0;
}
