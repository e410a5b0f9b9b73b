/*
 * resolver.c — a stub resolver (RFC 1034 5.3.1, RFC 1035 7) on tapir's UDP
 * and TCP sockets: queries and their state, retransmission over a list of
 * servers, checking answers, the TCP retry of a truncated answer (RFC 1035
 * 4.2.2), and following CNAME chains (RFC 1034 3.6.2, 5.3.3).
 *
 * A query changes state only in query_set_state(), which puts every change
 * on the trace (ARCHITECTURE.md, principle 3); dns_internal.h draws the
 * states. Answers are matched the way RFC 5452 9.1 asks of resolvers: the
 * same ID, the same question, from a server that was asked, to the random
 * port the query came from. Anything else is dropped, counted and traced.
 *
 * IDs and ports come from the stack's generator, seeded from getrandom() in
 * programs; a resolver facing the Internet would use a cryptographic one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"

static const char *const state_names[] = {
    [QUERY_FREE] = "FREE",
    [QUERY_WAIT_UDP] = "WAIT-UDP",
    [QUERY_TCP_CONNECT] = "TCP-CONNECT",
    [QUERY_WAIT_TCP] = "WAIT-TCP",
    [QUERY_DONE] = "DONE",
};

static tapir_time stack_now(const struct tapir_dns *dns)
{
	return dns->stack->now;
}

void query_event(const struct dns_query *q, enum tapir_dns_what what, struct tapir_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = TAPIR_EV_DNS;
	ev->level = TAPIR_LOG_INFO;
	ev->u.dns.what = what;
	ev->u.dns.query = q->number;
	ev->u.dns.name = q->current_text;
	ev->u.dns.type = q->qtype;
	ev->u.dns.id = q->id;
	ev->u.dns.attempt = q->attempt;
	ev->u.dns.tcp = q->over_tcp;
	ev->u.dns.elapsed = stack_now(q->dns) - q->started;
}

/* The one door for state changes: (time, query, from, to, cause) on the trace. */
static void query_set_state(struct dns_query *q, enum query_state to, const char *cause)
{
	struct tapir_event ev;

	query_event(q, TAPIR_DNS_EV_STATE, &ev);
	ev.level = TAPIR_LOG_DEBUG;
	ev.u.dns.from = state_names[q->state];
	ev.u.dns.to = state_names[to];
	ev.u.dns.detail = cause;
	q->state = to;
	stack_emit(q->dns->stack, &ev);
}

/* ---- sockets ------------------------------------------------------------------- */

static void close_udp(struct dns_query *q)
{
	if (q->udp) {
		tapir_udp_close(q->udp);
		q->udp = NULL;
	}
}

static void close_tcp(struct dns_query *q, bool abort)
{
	if (q->tcp) {
		if (abort)
			tapir_tcp_abort(q->tcp);
		else
			tapir_tcp_close(q->tcp);
		q->tcp = NULL;
	}
	free(q->tcp_msg);
	q->tcp_msg = NULL;
	q->tcp_prefix_got = q->tcp_need = q->tcp_got = 0;
}

static void free_parts(struct dns_query *q)
{
	for (unsigned i = 0; i < q->nparts; i++)
		free(q->parts[i].data);
	q->nparts = 0;
	free(q->fallback.data);
	q->fallback.data = NULL;
}

static void on_udp_readable(void *user, struct tapir_udp *sock);

/* A fresh socket on a random port (RFC 5452 9.2), so that an off-path
 * attacker must guess the port as well as the 16-bit ID. */
static int open_random_socket(struct dns_query *q)
{
	struct tapir_stack *stack = q->dns->stack;
	uint32_t span = 65536 - TAPIR_EPHEMERAL_FIRST;
	int err = tapir_udp_open(stack, &q->udp);

	if (err < 0)
		return err;
	for (int tries = 0; tries < 8; tries++) {
		uint16_t port = (uint16_t)(TAPIR_EPHEMERAL_FIRST + stack_random(stack) % span);

		if (tapir_udp_bind(q->udp, port) == 0)
			break;
	}
	if (tapir_udp_local_port(q->udp) == 0)
		err = tapir_udp_bind(q->udp, 0);
	if (err < 0) {
		close_udp(q);
		return err;
	}
	tapir_udp_set_callback(q->udp, on_udp_readable, q);
	return 0;
}

/* ---- the end of a query ------------------------------------------------------------ */

static void query_finish(struct dns_query *q, int error, const char *cause)
{
	close_udp(q);
	close_tcp(q, error < 0);
	q->error = error;
	q->done_at = stack_now(q->dns);
	query_set_state(q, QUERY_DONE, cause);
}

/* ---- sending and retransmitting (RFC 1035 7.2) --------------------------------------- */

static unsigned attempts_allowed(const struct tapir_dns *dns)
{
	return dns->cfg.tries * dns->cfg.nservers;
}

/* Attempt k goes to server k mod n, and waits timeout * 2^(k div n). */
static tapir_time attempt_timeout(const struct tapir_dns *dns, unsigned k)
{
	tapir_time t = dns->cfg.timeout;

	for (unsigned round = k / dns->cfg.nservers; round > 0; round--)
		if (t < TAPIR_MS(TAPIR_DNS_TIMEOUT_MAX_MS))
			t *= 2;
	return t < TAPIR_MS(TAPIR_DNS_TIMEOUT_MAX_MS) ? t : TAPIR_MS(TAPIR_DNS_TIMEOUT_MAX_MS);
}

/* Send the current question to the next server in turn. False when the
 * attempts are used up. */
static bool send_attempt(struct dns_query *q)
{
	struct tapir_dns *dns = q->dns;
	uint8_t msg[DNS_UDP_MAX];
	unsigned server;
	struct tapir_udp_endpoint to;
	struct tapir_event ev;
	size_t len;

	if (q->attempt >= attempts_allowed(dns))
		return false;
	server = q->attempt % dns->cfg.nservers;
	to.ip = dns->cfg.servers[server];
	to.port = dns->cfg.port;
	len = dns_query_emit(q->id, dns->cfg.recursion_desired, &q->current, q->qtype, msg,
	                     sizeof(msg));
	q->deadline = stack_now(dns) + attempt_timeout(dns, q->attempt);
	q->attempt++;
	q->queries++;
	q->asked |= 1u << server;
	query_event(q, q->attempt == 1 ? TAPIR_DNS_EV_QUERY_SENT : TAPIR_DNS_EV_RETRANSMIT, &ev);
	ev.u.dns.server = to.ip;
	stack_emit(dns->stack, &ev);
	/* A send that fails (no route...) counts as an attempt without answer. */
	if (len > 0)
		tapir_udp_sendto(q->udp, &to, msg, len, stack_now(dns));
	return true;
}

/* Ask a server about q->current: a new ID and port for each name asked. */
static void start_network_query(struct dns_query *q, const char *cause)
{
	int err;

	close_udp(q);
	free(q->fallback.data); /* a failure about another name is no answer here */
	q->fallback.data = NULL;
	q->id = (uint16_t)stack_random(q->dns->stack);
	q->attempt = 0;
	q->asked = 0;
	q->over_tcp = false;
	q->refused = false;
	err = open_random_socket(q);
	if (err < 0) {
		query_finish(q, err, "no UDP socket");
		return;
	}
	query_set_state(q, QUERY_WAIT_UDP, cause);
	send_attempt(q);
}

/* ---- looking up: hosts, cache, network ---------------------------------------------- */

static void process_part(struct dns_query *q);
static void take_fallback(struct dns_query *q);

static void attempt_timed_out(struct dns_query *q)
{
	bool tcp = q->state != QUERY_WAIT_UDP;

	close_tcp(q, true);
	if (tcp)
		query_set_state(q, QUERY_WAIT_UDP, "TCP retry timed out");
	if (send_attempt(q))
		return;
	if (q->fallback.data)
		take_fallback(q); /* a server's SERVFAIL beats no answer at all */
	else if (q->refused)
		query_finish(q, -ECONNREFUSED, "no answer: tries used up, refused by ICMP");
	else
		query_finish(q, -ETIMEDOUT, "no answer: tries used up");
}

static int add_part(struct dns_query *q, const uint8_t *data, size_t len, tapir_ip server,
                    uint16_t port)
{
	struct query_part *p;

	if (q->nparts >= sizeof(q->parts) / sizeof(q->parts[0]))
		return -ELOOP;
	p = &q->parts[q->nparts];
	p->data = malloc(len);
	if (!p->data)
		return -ENOMEM;
	memcpy(p->data, data, len);
	p->len = len;
	p->server = server;
	p->port = port;
	p->from_cache = false;
	p->age_s = 0;
	q->nparts++;
	return 0;
}

/* One step of a lookup: answer q->current from the hosts table, the cache,
 * or a server. */
static void query_step(struct dns_query *q, const char *cause)
{
	struct tapir_dns *dns = q->dns;
	const struct cache_entry *e;
	tapir_time now = stack_now(dns);
	int err;

	/* The hosts table is for the name the application asked about. */
	if (q->qtype == DNS_TYPE_A && q->nparts == 0 &&
	    dns_hosts_lookup(dns, &q->current, &q->host_ip)) {
		struct tapir_event ev;

		q->from_hosts = true;
		query_event(q, TAPIR_DNS_EV_HOSTS_HIT, &ev);
		ev.u.dns.answers = 1;
		stack_emit(dns->stack, &ev);
		query_finish(q, 0, "hosts table");
		return;
	}
	e = dns_cache_lookup(dns, q, now);
	if (!e) {
		start_network_query(q, cause);
		return;
	}
	err = add_part(q, e->data, e->len, e->server, e->port);
	if (err < 0) {
		query_finish(q, err, "no memory");
		return;
	}
	q->parts[q->nparts - 1].from_cache = true;
	q->parts[q->nparts - 1].age_s = (uint32_t)((now - e->stored) / 1000000);
	process_part(q);
}

/* ---- CNAME chains (RFC 1034 3.6.2, 5.3.3) ------------------------------------------- */

enum chain_end {
	CHAIN_ANSWERED, /* records of the type asked at the end of the chain */
	CHAIN_STOPPED,  /* nothing more for the name: negative, or a bare CNAME */
	CHAIN_TOO_LONG,
};

/* A CNAME owned by `name` in the answer section: its target. */
static bool find_cname(const struct dns_message *m, const struct dns_name *name,
                       struct dns_name *target)
{
	for (size_t i = 0; i < m->count[DNS_ANSWER]; i++) {
		const struct dns_rr *rr = &m->rr[DNS_ANSWER][i];
		struct dns_name owner;
		struct dns_rdata rd;

		if (rr->type != DNS_TYPE_CNAME)
			continue;
		dns_rr_name(m, rr, &owner);
		if (dns_name_equal(&owner, name) &&
		    dns_rdata_parse(m, rr, &rd) == TAPIR_DROP_NONE) {
			*target = rd.u.target;
			return true;
		}
	}
	return false;
}

static bool has_records(const struct dns_message *m, const struct dns_name *name, uint16_t type)
{
	for (size_t i = 0; i < m->count[DNS_ANSWER]; i++) {
		const struct dns_rr *rr = &m->rr[DNS_ANSWER][i];
		struct dns_name owner;

		if (rr->type != type && type != DNS_TYPE_ANY)
			continue;
		dns_rr_name(m, rr, &owner);
		if (dns_name_equal(&owner, name))
			return true;
	}
	return false;
}

/* Walk from q->current along the CNAMEs in the answer; q->current ends at the
 * last name reached. */
static enum chain_end walk_chain(struct dns_query *q, const struct dns_message *m)
{
	struct dns_name target;

	for (;;) {
		if (has_records(m, &q->current, q->qtype))
			return CHAIN_ANSWERED;
		if (q->qtype == DNS_TYPE_CNAME || !find_cname(m, &q->current, &target))
			return CHAIN_STOPPED;
		if (++q->cname_links > TAPIR_DNS_CNAME_MAX)
			return CHAIN_TOO_LONG;
		q->current = target;
		if (dns_name_to_text(&q->current, q->current_text, sizeof(q->current_text)) < 0)
			strcpy(q->current_text, "?");
	}
}

static void trace_cname(struct dns_query *q)
{
	struct tapir_event ev;

	query_event(q, TAPIR_DNS_EV_CNAME, &ev);
	ev.u.dns.detail = "no data for the target in the answer: asking for it";
	stack_emit(q->dns->stack, &ev);
}

/* The newest part is an acceptable answer: follow its chain and decide. */
static void process_part(struct dns_query *q)
{
	const struct query_part *p = &q->parts[q->nparts - 1];
	struct dns_message m;
	struct dns_name before = q->current;
	uint32_t ttl;

	if (dns_parse(p->data, p->len, &m) != TAPIR_DROP_NONE) {
		query_finish(q, -EPROTO, "unparsable answer"); /* cannot happen: checked */
		return;
	}
	switch (walk_chain(q, &m)) {
	case CHAIN_ANSWERED:
		query_finish(q, 0, p->from_cache ? "answered from the cache" : "answer");
		return;
	case CHAIN_TOO_LONG:
		query_finish(q, -ELOOP, "CNAME chain too long");
		return;
	case CHAIN_STOPPED:
		break;
	}
	/* The chain moved on, and the server said nothing about where it ends:
	 * ask about the target. An NXDOMAIN or an SOA (NODATA) is its answer. */
	if (!dns_name_equal(&before, &q->current) && m.header.rcode == DNS_RCODE_NOERROR &&
	    !dns_negative_ttl(&m, &ttl)) {
		trace_cname(q);
		query_step(q, "follow CNAME");
		return;
	}
	query_finish(q, 0, p->from_cache ? "answered from the cache" : "answer");
}

/* ---- checking answers (RFC 5452 9.1) ---------------------------------------------------- */

static void refuse(struct dns_query *q, enum tapir_drop reason, tapir_ip from)
{
	struct tapir_event ev;

	q->last_refusal = reason;
	stack_drop(q->dns->stack, reason, q->current_text);
	query_event(q, TAPIR_DNS_EV_REFUSED, &ev);
	ev.level = TAPIR_LOG_WARN;
	ev.u.dns.server = from;
	ev.u.dns.detail = tapir_drop_name(reason);
	stack_emit(q->dns->stack, &ev);
}

static bool server_was_asked(const struct dns_query *q, const struct tapir_udp_endpoint *from)
{
	const struct tapir_dns_config *cfg = &q->dns->cfg;

	if (from->port != cfg->port)
		return false;
	for (unsigned i = 0; i < cfg->nservers; i++)
		if ((q->asked & (1u << i)) && cfg->servers[i] == from->ip)
			return true;
	return false;
}

/* Header and question: is this the answer to our query? */
static enum tapir_drop check_match(const struct dns_query *q, const uint8_t *data, size_t len,
                                   struct dns_message *m)
{
	size_t end;
	enum tapir_drop r = dns_parse_header(data, len, &m->header);

	if (r != TAPIR_DROP_NONE)
		return r;
	if (!m->header.qr || m->header.opcode != 0)
		return TAPIR_DROP_DNS_NOT_RESPONSE;
	if (m->header.id != q->id)
		return TAPIR_DROP_DNS_WRONG_ID;
	r = dns_parse_question(data, len, m, &end);
	if (r != TAPIR_DROP_NONE)
		return r;
	if (!m->has_question || m->question.type != q->qtype ||
	    m->question.qclass != DNS_CLASS_IN || !dns_name_equal(&m->question.name, &q->current))
		return TAPIR_DROP_DNS_WRONG_QUESTION;
	return TAPIR_DROP_NONE;
}

static void trace_answer(struct dns_query *q, const struct dns_message *m, tapir_ip server)
{
	struct tapir_event ev;

	query_event(q, TAPIR_DNS_EV_ANSWER, &ev);
	ev.u.dns.server = server;
	ev.u.dns.rcode = m->header.rcode;
	ev.u.dns.answers = m->header.ancount;
	stack_emit(q->dns->stack, &ev);
}

static void start_tcp_retry(struct dns_query *q, tapir_ip server);

/* SERVFAIL, NOTIMP, REFUSED: the server could not help; another may. */
static bool server_failed(const struct dns_message *m)
{
	return m->header.rcode == DNS_RCODE_SERVFAIL || m->header.rcode == DNS_RCODE_NOTIMP ||
	       m->header.rcode == DNS_RCODE_REFUSED;
}

static bool unasked_server_left(const struct dns_query *q)
{
	uint32_t all = (1u << q->dns->cfg.nservers) - 1;

	return (q->asked & all) != all && q->attempt < attempts_allowed(q->dns);
}

/* Keep the failure (the result if nobody does better) and ask the next server. */
static void try_next_server(struct dns_query *q, const uint8_t *data, size_t len, tapir_ip server)
{
	uint8_t *copy = malloc(len);

	if (copy) {
		free(q->fallback.data);
		memcpy(copy, data, len);
		q->fallback = (struct query_part){
		    .data = copy, .len = len, .server = server, .port = q->dns->cfg.port};
	}
	if (q->state != QUERY_WAIT_UDP)
		query_set_state(q, QUERY_WAIT_UDP, "server failed: asking the next one");
	send_attempt(q);
}

static void take_fallback(struct dns_query *q)
{
	if (q->nparts >= sizeof(q->parts) / sizeof(q->parts[0])) {
		query_finish(q, -ELOOP, "CNAME chain too long");
		return;
	}
	q->parts[q->nparts++] = q->fallback;
	q->fallback.data = NULL;
	process_part(q);
}

/* A message that matched: take it as the answer, or ask another server. */
static void accept_answer(struct dns_query *q, const uint8_t *data, size_t len, tapir_ip server)
{
	struct dns_message m;
	enum tapir_drop r = dns_parse(data, len, &m);
	int err;

	if (r != TAPIR_DROP_NONE) {
		refuse(q, r, server);
		return;
	}
	trace_answer(q, &m, server);
	if (server_failed(&m) && unasked_server_left(q)) {
		try_next_server(q, data, len, server);
		return;
	}
	dns_cache_store(q->dns, q, &m, server, q->dns->cfg.port, stack_now(q->dns));
	err = add_part(q, data, len, server, q->dns->cfg.port);
	if (err < 0) {
		query_finish(q, err, err == -ELOOP ? "CNAME chain too long" : "no memory");
		return;
	}
	process_part(q);
}

static void udp_answer_arrives(struct dns_query *q, const uint8_t *data, size_t len,
                               const struct tapir_udp_endpoint *from)
{
	struct dns_message m;
	enum tapir_drop r;

	if (!server_was_asked(q, from)) {
		refuse(q, TAPIR_DROP_DNS_WRONG_SERVER, from->ip);
		return;
	}
	r = check_match(q, data, len, &m);
	if (r != TAPIR_DROP_NONE) {
		refuse(q, r, from->ip);
		return;
	}
	/* RFC 1035 4.2.1: a truncated answer is asked again over TCP; only the
	 * header and the question of it are needed (or even complete). */
	if (m.header.tc && q->dns->cfg.tcp_on_truncation) {
		trace_answer(q, &m, from->ip);
		start_tcp_retry(q, from->ip);
		return;
	}
	accept_answer(q, data, len, from->ip);
}

/* The server of the attempt in flight answered with ICMP port unreachable
 * (nothing listens on its port 53): that attempt is over now, not at its
 * timeout; the next server is asked at once. A refusal from a server asked
 * earlier says nothing about this attempt. A lookup that then gets no
 * answer at all ends as refused rather than timed out: the kernel rate-
 * limits its ICMP errors, so later tries may meet silence instead. */
static void server_refused(struct dns_query *q, const struct tapir_udp_endpoint *from, int error)
{
	struct tapir_dns *dns = q->dns;
	unsigned server = (q->attempt - 1) % dns->cfg.nservers;

	if (q->attempt == 0 || from->ip != dns->cfg.servers[server] || from->port != dns->cfg.port)
		return;
	q->refused = true;
	if (send_attempt(q))
		return;
	if (q->fallback.data)
		take_fallback(q);
	else
		query_finish(q, error, "refused: no DNS server listening");
}

static void on_udp_readable(void *user, struct tapir_udp *sock)
{
	struct dns_query *q = user;
	struct tapir_dns *dns = q->dns;
	struct tapir_udp_endpoint from;
	int n;

	/* Stop when the query has moved on (its socket closed, maybe reused). */
	while (q->udp == sock) {
		n = tapir_udp_recvfrom(sock, dns->rx, sizeof(dns->rx), &from);
		if (n == -EAGAIN)
			break;
		if (q->state != QUERY_WAIT_UDP)
			continue;
		if (n >= 0)
			udp_answer_arrives(q, dns->rx, (size_t)n, &from);
		else
			server_refused(q, &from, n);
	}
}

/* ---- the TCP retry (RFC 1035 4.2.2: a 2-octet length, then the message) ------------------ */

static void tcp_failed(struct dns_query *q, int err)
{
	close_tcp(q, true);
	query_set_state(q, QUERY_WAIT_UDP, "TCP retry failed");
	if (!send_attempt(q))
		query_finish(q, err < 0 ? err : -ECONNRESET, "TCP retry failed, tries used up");
}

static void tcp_send_query(struct dns_query *q)
{
	uint8_t buf[2 + DNS_UDP_MAX];
	struct tapir_event ev;
	size_t len = dns_query_emit(q->id, q->dns->cfg.recursion_desired, &q->current, q->qtype,
	                            buf + 2, sizeof(buf) - 2);

	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	q->queries++;
	query_event(q, TAPIR_DNS_EV_QUERY_SENT, &ev);
	ev.u.dns.server = q->tcp_server;
	stack_emit(q->dns->stack, &ev);
	if (len == 0 || tapir_tcp_send(q->tcp, buf, len + 2) != (long)(len + 2)) {
		tcp_failed(q, -EIO);
		return;
	}
	query_set_state(q, QUERY_WAIT_TCP, "connected, query sent");
}

/* Read the length prefix, then the message; true when it is complete. */
static bool tcp_read_message(struct dns_query *q, int *err)
{
	long n;

	while (q->tcp_prefix_got < 2) {
		n = tapir_tcp_recv(q->tcp, q->tcp_prefix + q->tcp_prefix_got,
		                   2 - q->tcp_prefix_got);
		if (n <= 0) {
			*err = n == -EAGAIN ? 0 : n == 0 ? -ECONNRESET : (int)n;
			return false;
		}
		q->tcp_prefix_got += (size_t)n;
		if (q->tcp_prefix_got == 2) {
			q->tcp_need = (size_t)((q->tcp_prefix[0] << 8) | q->tcp_prefix[1]);
			q->tcp_msg = malloc(q->tcp_need ? q->tcp_need : 1);
			if (!q->tcp_msg) {
				*err = -ENOMEM;
				return false;
			}
		}
	}
	while (q->tcp_got < q->tcp_need) {
		n = tapir_tcp_recv(q->tcp, q->tcp_msg + q->tcp_got, q->tcp_need - q->tcp_got);
		if (n <= 0) {
			*err = n == -EAGAIN ? 0 : n == 0 ? -ECONNRESET : (int)n;
			return false;
		}
		q->tcp_got += (size_t)n;
	}
	return true;
}

static void tcp_answer_arrives(struct dns_query *q)
{
	struct dns_message m;
	uint8_t *data = q->tcp_msg;
	size_t len = q->tcp_need;
	tapir_ip server = q->tcp_server;
	enum tapir_drop r = check_match(q, data, len, &m);

	q->tcp_msg = NULL; /* ours now: close_tcp() must not free it */
	close_tcp(q, false);
	if (r != TAPIR_DROP_NONE) {
		refuse(q, r, server);
		free(data);
		tcp_failed(q, -EPROTO);
		return;
	}
	accept_answer(q, data, len, server);
	free(data);
}

static void on_tcp_event(struct tapir_tcp *sock, unsigned events, int error, void *user)
{
	struct dns_query *q = user;
	int err = 0;

	if (q->tcp != sock)
		return;
	if ((events & TAPIR_TCP_CONNECTED) && q->state == QUERY_TCP_CONNECT)
		tcp_send_query(q);
	if (q->tcp != sock)
		return;
	if ((events & TAPIR_TCP_READABLE) && q->state == QUERY_WAIT_TCP) {
		if (tcp_read_message(q, &err)) {
			tcp_answer_arrives(q);
			return;
		}
		if (err < 0) {
			tcp_failed(q, err);
			return;
		}
	}
	if (events & TAPIR_TCP_CLOSED)
		tcp_failed(q, error < 0 ? error : -ECONNRESET);
}

static void start_tcp_retry(struct dns_query *q, tapir_ip server)
{
	struct tapir_event ev;
	int err;

	q->over_tcp = true;
	query_event(q, TAPIR_DNS_EV_TCP_FALLBACK, &ev);
	ev.u.dns.server = server;
	ev.u.dns.detail = "answer truncated (TC)";
	stack_emit(q->dns->stack, &ev);
	q->tcp_server = server;
	q->deadline = stack_now(q->dns) + TAPIR_MS(TAPIR_DNS_TCP_TIMEOUT_MS);
	query_set_state(q, QUERY_TCP_CONNECT, "answer truncated (TC)");
	err = tapir_tcp_connect(q->dns->stack, server, q->dns->cfg.port, on_tcp_event, q, &q->tcp);
	if (err < 0) {
		q->tcp = NULL;
		tcp_failed(q, err);
	}
}

/* ---- the poller: timeouts and delivery ------------------------------------------------ */

static tapir_time dns_poll(void *user, tapir_time now)
{
	struct tapir_dns *dns = user;
	tapir_time next = TAPIR_TIME_NEVER;
	bool delivered = false;

	for (int i = 0; i < TAPIR_DNS_QUERIES_MAX; i++) {
		struct dns_query *q = &dns->queries[i];

		if (q->state == QUERY_DONE) {
			dns_deliver(dns, q);
			free_parts(q);
			query_set_state(q, QUERY_FREE, "delivered");
			q->number = 0;
			delivered = true;
		} else if (q->state != QUERY_FREE && now >= q->deadline) {
			attempt_timed_out(q);
		}
	}
	/* A callback may have started lookups (a cache hit is DONE at once). */
	for (int i = 0; i < TAPIR_DNS_QUERIES_MAX; i++) {
		const struct dns_query *q = &dns->queries[i];

		if (q->state == QUERY_DONE)
			next = now;
		else if (q->state != QUERY_FREE && q->deadline < next)
			next = q->deadline;
	}
	/* After a result, come back at once: the application may act on it
	 * in its loop (start the next lookup, or finish) without sleeping. */
	return delivered ? now : next;
}

/* ---- the API ------------------------------------------------------------------------------ */

void tapir_dns_config_default(struct tapir_dns_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->servers[0] = TAPIR_IP(10, 0, 0, 1);
	cfg->nservers = 1;
	cfg->port = 53;
	cfg->timeout = TAPIR_MS(TAPIR_DNS_TIMEOUT_MS);
	cfg->tries = TAPIR_DNS_TRIES;
	cfg->recursion_desired = true;
	cfg->tcp_on_truncation = true;
}

int tapir_dns_new(struct tapir_stack *stack, const struct tapir_dns_config *cfg,
                  struct tapir_dns **out)
{
	struct tapir_dns *dns;
	int err;

	if (cfg->nservers == 0 || cfg->nservers > TAPIR_DNS_SERVERS_MAX || cfg->tries == 0 ||
	    cfg->timeout <= 0 || cfg->port == 0)
		return -EINVAL;
	dns = calloc(1, sizeof(*dns));
	if (!dns)
		return -ENOMEM;
	dns->stack = stack;
	dns->cfg = *cfg;
	for (int i = 0; i < TAPIR_DNS_QUERIES_MAX; i++)
		dns->queries[i].dns = dns;
	err = tapir_stack_add_poller(stack, dns_poll, dns);
	if (err < 0) {
		free(dns);
		return err;
	}
	*out = dns;
	return 0;
}

void tapir_dns_free(struct tapir_dns *dns)
{
	if (!dns)
		return;
	for (int i = 0; i < TAPIR_DNS_QUERIES_MAX; i++) {
		struct dns_query *q = &dns->queries[i];

		close_udp(q);
		close_tcp(q, true);
		free_parts(q);
	}
	tapir_stack_remove_poller(dns->stack, dns_poll, dns);
	dns_cache_free_all(dns);
	free(dns);
}

static struct dns_query *free_query(struct tapir_dns *dns)
{
	for (int i = 0; i < TAPIR_DNS_QUERIES_MAX; i++)
		if (dns->queries[i].state == QUERY_FREE)
			return &dns->queries[i];
	return NULL;
}

long tapir_dns_resolve(struct tapir_dns *dns, const char *name, uint16_t type, tapir_dns_fn fn,
                       void *user)
{
	struct dns_name wire;
	struct dns_query *q;

	if (!name || !fn || type == 0 || dns_name_from_text(name, &wire) < 0)
		return -EINVAL;
	q = free_query(dns);
	if (!q)
		return -EBUSY;
	memset(q, 0, sizeof(*q));
	q->dns = dns;
	q->number = ++dns->next_number;
	q->fn = fn;
	q->user = user;
	q->qname = wire;
	q->current = wire;
	q->qtype = type;
	dns_name_to_text(&wire, q->qname_text, sizeof(q->qname_text));
	memcpy(q->current_text, q->qname_text, sizeof(q->current_text));
	q->started = stack_now(dns);
	query_step(q, "cache miss");
	return (long)q->number;
}
