/*
 * test_http_util.c — the helpers of stack/http/: path normalisation
 * (percent-decoding, RFC 3986 5.2.4 dot segments, nothing above the root),
 * HTTP-dates in their three forms (RFC 9110 5.6.7), MIME types, reason
 * phrases, and the trace's http events as text and JSON.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tapir/http.h"
#include "tapir/trace.h"

static void check_path(const char *target, int err, const char *want)
{
	char out[256];

	assert_int_equal(tapir_http_path_normalise(target, out, sizeof(out)), err);
	if (err == 0)
		assert_string_equal(out, want);
}

static void test_path_normalise(void **state)
{
	(void)state;
	check_path("/", 0, "/");
	check_path("/index.html?x=1#f", 0, "/index.html");
	check_path("/a/./b/../c", 0, "/a/c");
	check_path("/a//b///c/", 0, "/a/b/c/");
	check_path("/a/b/..", 0, "/a/");
	check_path("/a%20b/%41", 0, "/a b/A");
	check_path("/a/%2e%2e/b", 0, "/b");
	check_path("/a%2fb", 0, "/a/b");
}

static void test_path_refusals(void **state)
{
	(void)state;
	check_path("/..", -EACCES, NULL);
	check_path("/../etc/passwd", -EACCES, NULL);
	check_path("/a/../../etc/passwd", -EACCES, NULL);
	check_path("/%2e%2e/%2e%2e/etc/passwd", -EACCES, NULL);
	check_path("/%2E%2E/x", -EACCES, NULL);
	check_path("/..%2f..%2fetc", -EACCES, NULL);
	check_path("/a%00b", -EINVAL, NULL); /* NUL */
	check_path("/a%zz", -EINVAL, NULL);
	check_path("/a%4", -EINVAL, NULL);
	check_path("a/b", -EINVAL, NULL); /* not origin-form */
	check_path("*", -EINVAL, NULL);
}

static void test_dates(void **state)
{
	char out[TAPIR_HTTP_DATE_LEN];
	int64_t t;

	(void)state;
	tapir_http_date_format(784111777, out);
	assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
	tapir_http_date_format(0, out);
	assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
	tapir_http_date_format(951782400, out); /* a leap day */
	assert_string_equal(out, "Tue, 29 Feb 2000 00:00:00 GMT");
	assert_int_equal(tapir_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(tapir_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(tapir_http_date_parse("Sun Nov  6 08:49:37 1994", &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(tapir_http_date_parse("yesterday", &t), -EINVAL);
	assert_int_equal(tapir_http_date_parse("Sun, 06 Foo 1994 08:49:37 GMT", &t), -EINVAL);
	assert_int_equal(tapir_http_date_parse("Sun, 06 Nov 1994 25:49:37 GMT", &t), -EINVAL);
}

static void test_mime_and_status(void **state)
{
	(void)state;
	assert_string_equal(tapir_http_mime_type("/a/index.html"), "text/html; charset=utf-8");
	assert_string_equal(tapir_http_mime_type("x.PNG"), "image/png");
	assert_string_equal(tapir_http_mime_type("/dir.d/noext"), "application/octet-stream");
	assert_string_equal(tapir_http_mime_type("/a.unknown"), "application/octet-stream");
	assert_string_equal(tapir_http_status_text(404), "Not Found");
	assert_string_equal(tapir_http_status_text(431), "Request Header Fields Too Large");
	assert_string_equal(tapir_http_status_text(799), "Unknown");
}

static void test_trace_event_format(void **state)
{
	struct tapir_event ev;
	char out[512];

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.time = TAPIR_SECONDS(2);
	ev.kind = TAPIR_EV_HTTP;
	ev.u.http.what = TAPIR_HTTP_TRACE_REQUEST;
	ev.u.http.conn.id = 7;
	ev.u.http.request = 2;
	ev.u.http.method = "GET";
	ev.u.http.target = "/a \"b\"";
	ev.u.http.version = 11;
	ev.u.http.elapsed = 1500;
	tapir_event_format_text(&ev, out, sizeof(out));
	assert_string_equal(out, "2.000000 http #7 server request 2 GET /a \"b\" HTTP/1.1 "
	                         "elapsed=1.500ms");
	tapir_event_format_json(&ev, out, sizeof(out));
	assert_non_null(strstr(out, "\"event\":\"http\""));
	assert_non_null(strstr(out, "\"what\":\"request\""));
	assert_non_null(strstr(out, "\"target\":\"/a \\\"b\\\"\""));
	assert_non_null(strstr(out, "\"version\":\"HTTP/1.1\""));
	ev.u.http.what = TAPIR_HTTP_TRACE_REFUSED;
	ev.u.http.status = 414;
	ev.u.http.reason = "request line too long";
	tapir_event_format_text(&ev, out, sizeof(out));
	assert_non_null(
	    strstr(out, "refused 2 414 length=0 elapsed=1.500ms (request line too long)"));
	tapir_event_format_json(&ev, out, sizeof(out));
	assert_non_null(strstr(out, "\"status\":414"));
	assert_non_null(strstr(out, "\"reason\":\"request line too long\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_normalise),
	    cmocka_unit_test(test_path_refusals),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_mime_and_status),
	    cmocka_unit_test(test_trace_event_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
