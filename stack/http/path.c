/*
 * path.c — from a request target to a safe path: percent-decoding
 * (RFC 3986 2.1) and removing dot segments (RFC 3986 5.2.4).
 *
 * The result always starts with '/', never holds "." or ".." segments or
 * "//", and a ".." that would climb above "/" is an error rather than being
 * clamped, so "/../etc/passwd" and "/%2e%2e/etc/passwd" are refused. The
 * static file handler still checks the real path (symlinks) against the
 * root: this is the first of two walls.
 */
#include <errno.h>
#include <string.h>

#include "http/http_internal.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the path part of target (up to '?' or '#') into out. */
static int percent_decode(const char *target, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = target; *p && *p != '?' && *p != '#'; p++) {
		char c = *p;

		if (c == '%') {
			int hi = hex_digit(p[1]);
			int lo = hi >= 0 ? hex_digit(p[2]) : -1;
			if (lo < 0)
				return -EINVAL;
			c = (char)(hi * 16 + lo);
			if (c == '\0')
				return -EINVAL;
			p += 2;
		}
		if (n + 1 >= cap)
			return -EINVAL;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

/* Drop the last segment of out (the one a ".." cancels). */
static int pop_segment(char *out, size_t *len)
{
	if (*len == 0)
		return -EACCES; /* ".." above the root */
	while (*len > 0 && out[*len - 1] != '/')
		(*len)--;
	if (*len > 0)
		(*len)--; /* the '/' before it */
	return 0;
}

int tapir_http_path_normalise(const char *target, char *out, size_t cap)
{
	char decoded[TAPIR_HTTP_REQUEST_LINE_MAX] = "";
	size_t len = 0;
	int err;

	if (target[0] != '/' || cap < 2)
		return -EINVAL;
	err = percent_decode(target, decoded, sizeof(decoded));
	if (err < 0)
		return err;
	const char *p = decoded;
	bool trailing_slash = false;
	while (*p) {
		while (*p == '/')
			p++;
		size_t seg = strcspn(p, "/");
		trailing_slash = p[seg] == '/' || seg == 0;
		if (seg == 0)
			break;
		if (seg == 1 && p[0] == '.') {
			trailing_slash = true;
		} else if (seg == 2 && p[0] == '.' && p[1] == '.') {
			if (pop_segment(out, &len) < 0)
				return -EACCES;
			trailing_slash = true;
		} else {
			if (len + seg + 2 >= cap)
				return -EINVAL;
			out[len++] = '/';
			memcpy(out + len, p, seg);
			len += seg;
		}
		p += seg;
	}
	if (len == 0 || trailing_slash)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}
