/*
 * http_internal.h — what the files of stack/http/ share: the server's
 * connection and exchange, the static file handler and the built-in routes.
 * Applications use tapir/http.h only.
 */
#ifndef TAPIR_HTTP_INTERNAL_H
#define TAPIR_HTTP_INTERNAL_H

#include <sys/stat.h>

#include "net/stack_internal.h"
#include "tapir/http.h"

/* parser.c */
void http_parser_reset(struct tapir_http_parser *p);
bool http_list_has_token(const char *list, const char *token);

/* Where a server connection is in its life. */
enum http_phase {
	HTTP_PHASE_REQUEST, /* reading a request head (or waiting for one) */
	HTTP_PHASE_BODY,    /* reading the request body */
	HTTP_PHASE_RESPOND, /* writing the response */
	HTTP_PHASE_LINGER,  /* our FIN is sent: draining input until the client's FIN */
	HTTP_PHASE_DEAD,    /* handle given back; freed at the next safe point */
};

enum http_body_kind { HTTP_BODY_NONE, HTTP_BODY_MEMORY, HTTP_BODY_FILE, HTTP_BODY_STREAM };

struct http_conn;

struct tapir_http_exchange {
	struct http_conn *conn;
	const struct tapir_http_message *req;
	uint32_t number;      /* 1 for the first request on the connection */
	tapir_time started;   /* first byte of the request */
	tapir_time head_done; /* head parsed */
	char path[TAPIR_HTTP_REQUEST_LINE_MAX];
	const char *query; /* inside req->target, "" when none */
	int path_error;    /* from tapir_http_path_normalise() */
	bool is_head;      /* HEAD: a response without its body */
	bool collect;      /* keep the request body for a route */
	uint8_t *body;     /* collected request body */
	size_t body_len, body_cap;
	/* The response. */
	bool responded;
	unsigned status;
	bool keep_alive;
	char extra[TAPIR_HTTP_RESPONSE_HEAD_MAX]; /* headers a handler added */
	size_t extra_len;
	enum http_body_kind kind;
	uint8_t *mem; /* HTTP_BODY_MEMORY */
	size_t mem_len, mem_off;
	int fd; /* HTTP_BODY_FILE */
	uint64_t file_off, file_left;
	uint64_t body_sent; /* response body bytes handed to TCP */
	int64_t length;     /* Content-Length sent, -1 for a stream */
	bool chunked;       /* streaming with chunked coding */
	bool stream_ended;
	tapir_http_tick_fn tick_fn;
	void *tick_user;
	tapir_time next_tick;
	uint64_t events_sent, events_limit; /* the built-in GET /events */
	tapir_tcp_fn upgrade_sock_fn;
	tapir_http_upgrade_fn upgrade_fn;
	void *upgrade_user;
};

struct http_route {
	char path[256];
	tapir_http_handler_fn fn;
	void *user;
};

/* A file recently served (static.c): its path, an open descriptor, its stat. */
struct http_file_entry {
	char path[256]; /* the normalised request path; "" when the slot is free */
	int fd;
	struct stat st;
	const char *mime;
	tapir_time opened;
};

struct http_conn {
	struct tapir_http_server *srv;
	struct tapir_tcp *sock;
	struct http_conn *next, *prev;
	struct tapir_tcp_conn_id id;
	enum http_phase phase;
	tapir_time deadline;
	tapir_time last_activity;
	uint32_t requests;
	bool in_service, again;
	bool corked; /* Nagle on while a file is being sent (server.c, cork()) */
	uint8_t rx[TAPIR_HTTP_RX_BUF];
	size_t rx_off, rx_len;
	uint8_t *out; /* TAPIR_HTTP_OUT_BUF bytes, while a response is written */
	size_t out_off, out_len;
	struct tapir_http_exchange ex;
	struct tapir_http_parser parser;
};

struct tapir_http_server {
	struct tapir_stack *stack;
	struct tapir_http_server_config cfg;
	char root[4096]; /* realpath() of cfg.root, "" when no files are served */
	size_t root_len;
	struct tapir_tcp *listener;
	struct http_conn *conns;
	unsigned nconns;
	unsigned depth; /* nested entry points: connections are freed at depth 0 */
	tapir_time next_due;
	struct http_route routes[TAPIR_HTTP_ROUTES];
	unsigned nroutes;
	struct tapir_http_server_stats stats;
	struct http_file_entry files[TAPIR_HTTP_FILE_CACHE];
	unsigned next_file;
};

/* server.c, for the handlers */
tapir_time http_now(const struct tapir_http_server *srv);
int http_respond_file(struct tapir_http_exchange *ex, unsigned status, const char *content_type,
                      int fd, uint64_t offset, uint64_t length, uint64_t total);
/* Error and small text responses: "404 Not Found\n" as the body. */
int http_respond_status(struct tapir_http_exchange *ex, unsigned status);
void http_drop(struct tapir_http_server *srv, enum tapir_drop reason, const char *detail);

/* static.c: GET/HEAD/OPTIONS of files under the root; the file cache. */
void http_static_serve(struct tapir_http_exchange *ex);
void http_file_cache_clear(struct tapir_http_server *srv);

/* routes.c: POST /echo and GET /events. */
void http_route_echo(void *user, struct tapir_http_exchange *ex);
void http_route_events(void *user, struct tapir_http_exchange *ex);

#endif /* TAPIR_HTTP_INTERNAL_H */
