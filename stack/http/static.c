/*
 * static.c — files under the document root (RFC 9110): GET and HEAD with
 * Content-Type from the extension, index.html for directories, validators
 * (8.8.2 Last-Modified, 8.8.3 ETag) and conditional requests (13.1.2
 * If-None-Match, 13.1.3 If-Modified-Since -> 304), byte ranges (14.2
 * Range, 13.1.5 If-Range -> 206, or 416 when unsatisfiable).
 *
 * Nothing outside the root is ever served. The path was already decoded
 * and cleared of dot segments (path.c); here realpath() resolves every
 * symlink and the result must still lie under the root's own realpath().
 * A file or directory that fails this check is answered 404, as if it were
 * not there. Files served in the last second are kept open (the file cache
 * at the end), so a busy page costs one pread() rather than ten calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/http_internal.h"

static const char allow_static[] = "GET, HEAD, OPTIONS";

/* Is `real` the root or below it? */
static bool under_root(const struct tapir_http_server *srv, const char *real)
{
	if (srv->root_len == 1) /* the root is "/" */
		return real[0] == '/';
	return strncmp(real, srv->root, srv->root_len) == 0 &&
	       (real[srv->root_len] == '/' || real[srv->root_len] == '\0');
}

/* root + path -> the real path of an existing file or directory under
 * the root. Returns 0, -ENOENT or -EACCES (outside the root). */
static int resolve(struct tapir_http_server *srv, const char *path, char *real)
{
	char full[PATH_MAX];

	if ((size_t)snprintf(full, sizeof(full), "%s%s", srv->root, path) >= sizeof(full))
		return -ENOENT;
	if (!realpath(full, real))
		return -ENOENT;
	if (!under_root(srv, real)) {
		http_drop(srv, TAPIR_DROP_HTTP_OUTSIDE_ROOT, "symlink out of the root");
		return -EACCES;
	}
	return 0;
}

static void format_etag(const struct stat *st, char *out, size_t cap)
{
	snprintf(out, cap, "\"%llx-%llx-%llx\"", (unsigned long long)st->st_ino,
	         (unsigned long long)st->st_size,
	         (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
	             (unsigned long long)st->st_mtim.tv_nsec);
}

/* Weak comparison (RFC 9110 8.8.3.2) of our tag with a list from
 * If-None-Match: "*" or any tag equal once "W/" is set aside. */
static bool etag_list_matches(const char *list, const char *etag)
{
	size_t elen = strlen(etag);

	while (*list) {
		while (*list == ' ' || *list == '\t' || *list == ',')
			list++;
		if (*list == '*')
			return true;
		if (strncmp(list, "W/", 2) == 0)
			list += 2;
		size_t n = strcspn(list, ",");
		size_t end = n;
		while (end > 0 && (list[end - 1] == ' ' || list[end - 1] == '\t'))
			end--;
		if (end == elen && strncmp(list, etag, elen) == 0)
			return true;
		list += n;
	}
	return false;
}

/* RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only without it. */
static bool not_modified(const struct tapir_http_message *req, const char *etag, int64_t mtime)
{
	const char *inm = tapir_http_header(req, "If-None-Match");
	const char *ims = tapir_http_header(req, "If-Modified-Since");
	int64_t since;

	if (inm)
		return etag_list_matches(inm, etag);
	if (ims && tapir_http_date_parse(ims, &since) == 0)
		return mtime <= since;
	return false;
}

/* If-Range (RFC 9110 13.1.5): a strong ETag match or the exact date. */
static bool if_range_holds(const struct tapir_http_message *req, const char *etag,
                           const char *last_modified)
{
	const char *ir = tapir_http_header(req, "If-Range");

	if (!ir)
		return true;
	if (ir[0] == '"')
		return strcmp(ir, etag) == 0;
	if (strncmp(ir, "W/", 2) == 0)
		return false;
	return strcmp(ir, last_modified) == 0;
}

static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

enum range_result { RANGE_NONE, RANGE_OK, RANGE_UNSATISFIABLE };

/* One "bytes=first-last" / "bytes=first-" / "bytes=-suffix" range. Several
 * ranges or anything we cannot read: the Range is ignored (14.2 allows it). */
static enum range_result parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *len)
{
	uint64_t a, b;

	if (strncasecmp(h, "bytes=", 6) != 0 || strchr(h, ','))
		return RANGE_NONE;
	h += 6;
	const char *dash = strchr(h, '-');
	if (!dash)
		return RANGE_NONE;
	if (dash == h) { /* suffix: the last b bytes */
		if (!parse_u64(dash + 1, strlen(dash + 1), &b))
			return RANGE_NONE;
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*start = b >= size ? 0 : size - b;
		*len = size - *start;
		return RANGE_OK;
	}
	if (!parse_u64(h, (size_t)(dash - h), &a))
		return RANGE_NONE;
	if (dash[1] == '\0') {
		b = UINT64_MAX;
	} else if (!parse_u64(dash + 1, strlen(dash + 1), &b) || b < a) {
		return RANGE_NONE;
	}
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	if (b >= size)
		b = size - 1;
	*start = a;
	*len = b - a + 1;
	return RANGE_OK;
}

/* A directory asked for without its final slash: send the client there,
 * so that relative links in its index.html resolve (as nginx does). */
static void redirect_to_dir(struct tapir_http_exchange *ex)
{
	char location[TAPIR_HTTP_REQUEST_LINE_MAX + 2];
	const char *q = tapir_http_query(ex);

	snprintf(location, sizeof(location), "%s/%s%s", ex->path, *q ? "?" : "", q);
	tapir_http_add_header(ex, "Location", location);
	http_respond_status(ex, 301);
}

/* Open what path names: a regular file, or a directory's index.html. */
static int open_target(struct tapir_http_exchange *ex, struct stat *st, char *real)
{
	struct tapir_http_server *srv = ex->conn->srv;
	char index[PATH_MAX];
	int err = resolve(srv, ex->path, real);

	if (err < 0)
		return err;
	if (stat(real, st) < 0)
		return -ENOENT;
	if (S_ISDIR(st->st_mode)) {
		size_t n = strlen(ex->path);
		if (ex->path[n - 1] != '/')
			return -EISDIR;
		if ((size_t)snprintf(index, sizeof(index), "%s/index.html", real) >= sizeof(index))
			return -ENOENT;
		if (!realpath(index, real))
			return -ENOENT;
		if (!under_root(srv, real)) {
			http_drop(srv, TAPIR_DROP_HTTP_OUTSIDE_ROOT,
			          "index.html links out of the root");
			return -EACCES;
		}
		if (stat(real, st) < 0)
			return -ENOENT;
	}
	if (!S_ISREG(st->st_mode))
		return -ENOENT;
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES ? -EPERM : -ENOENT;
	if (fstat(fd, st) < 0) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

static void serve_file(struct tapir_http_exchange *ex, int fd, const struct stat *st,
                       const char *mime)
{
	const struct tapir_http_message *req = ex->req;
	char etag[64], last_modified[TAPIR_HTTP_DATE_LEN];
	uint64_t size = (uint64_t)st->st_size, start = 0, len = size;
	const char *range = tapir_http_header(req, "Range");
	unsigned status = 200;

	format_etag(st, etag, sizeof(etag));
	tapir_http_date_format(st->st_mtim.tv_sec, last_modified);
	tapir_http_add_header(ex, "Last-Modified", last_modified);
	tapir_http_add_header(ex, "ETag", etag);
	tapir_http_add_header(ex, "Accept-Ranges", "bytes");
	if (not_modified(req, etag, st->st_mtim.tv_sec)) {
		close(fd);
		tapir_http_respond(ex, 304, NULL, NULL, 0);
		return;
	}
	if (range && strcmp(req->method, "GET") == 0 && if_range_holds(req, etag, last_modified)) {
		char cr[96];
		switch (parse_range(range, size, &start, &len)) {
		case RANGE_OK:
			snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)start,
			         (unsigned long long)(start + len - 1), (unsigned long long)size);
			tapir_http_add_header(ex, "Content-Range", cr);
			status = 206;
			break;
		case RANGE_UNSATISFIABLE:
			close(fd);
			snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
			tapir_http_add_header(ex, "Content-Range", cr);
			http_respond_status(ex, 416);
			return;
		case RANGE_NONE:
			break;
		}
	}
	http_respond_file(ex, status, mime, fd, start, len, size);
}

/* ---- the file cache ------------------------------------------------------------------ */

/* A path served less than TAPIR_HTTP_FILE_CACHE_MS ago is answered from
 * the descriptor kept then (a dup of it), without realpath(), stat() and
 * open() again: nine system calls fewer per request. */
static int cache_lookup(struct tapir_http_server *srv, const char *path, struct stat *st,
                        const char **mime)
{
	for (unsigned i = 0; i < TAPIR_HTTP_FILE_CACHE; i++) {
		struct http_file_entry *e = &srv->files[i];

		if (!e->path[0] || strcmp(e->path, path) != 0)
			continue;
		if (http_now(srv) - e->opened > TAPIR_MS(TAPIR_HTTP_FILE_CACHE_MS)) {
			close(e->fd);
			e->path[0] = '\0';
			return -ENOENT;
		}
		int fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -ENOENT;
		*st = e->st;
		*mime = e->mime;
		return fd;
	}
	return -ENOENT;
}

static void cache_store(struct tapir_http_server *srv, const char *path, int fd,
                        const struct stat *st, const char *mime)
{
	struct http_file_entry *e = &srv->files[srv->next_file++ % TAPIR_HTTP_FILE_CACHE];
	size_t len = strlen(path);

	if (len >= sizeof(e->path))
		return;
	if (e->path[0])
		close(e->fd);
	e->path[0] = '\0';
	e->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (e->fd < 0)
		return;
	memcpy(e->path, path, len + 1); /* fits: checked above */
	e->st = *st;
	e->mime = mime;
	e->opened = http_now(srv);
}

void http_file_cache_clear(struct tapir_http_server *srv)
{
	for (unsigned i = 0; i < TAPIR_HTTP_FILE_CACHE; i++) {
		if (srv->files[i].path[0])
			close(srv->files[i].fd);
		srv->files[i].path[0] = '\0';
	}
}

void http_static_serve(struct tapir_http_exchange *ex)
{
	struct tapir_http_server *srv = ex->conn->srv;
	const char *method = ex->req->method;
	const char *mime = NULL;
	struct stat st;
	char real[PATH_MAX];

	if (strcmp(method, "OPTIONS") == 0) {
		tapir_http_add_header(ex, "Allow", allow_static);
		tapir_http_respond(ex, 204, NULL, NULL, 0);
		return;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		tapir_http_add_header(ex, "Allow", allow_static);
		http_respond_status(ex, 405);
		return;
	}
	if (srv->root_len == 0) {
		http_respond_status(ex, 404);
		return;
	}
	int fd = cache_lookup(srv, ex->path, &st, &mime);
	if (fd < 0) {
		fd = open_target(ex, &st, real);
		if (fd >= 0) {
			mime = tapir_http_mime_type(real);
			cache_store(srv, ex->path, fd, &st, mime);
		}
	}
	if (fd == -EISDIR) {
		redirect_to_dir(ex);
		return;
	}
	if (fd == -EPERM) {
		http_respond_status(ex, 403);
		return;
	}
	if (fd < 0) {
		http_respond_status(ex, 404);
		return;
	}
	serve_file(ex, fd, &st, mime);
}
