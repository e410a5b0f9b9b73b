/*
 * graph_pcap.c — reading a capture (ours, tcpdump's, Wireshark's) into a
 * graph collection: libpcap gives the frames, we find the IPv4 header
 * behind the link header (Ethernet, raw IP, Linux cooked v1 and v2), then the
 * TCP header (RFC 9293 3.1) and its options, group the segments into
 * connections by their 4-tuple, and let graph_infer.c infer both endpoints'
 * state paths.
 *
 * Checksums are not verified on purpose: a capture taken on the sending host
 * shows outgoing segments before the NIC (or veth) fills the checksum in
 * ("checksum offload"), so correct segments often look wrong in it. Every
 * length is checked against the bytes captured; what does not add up is
 * counted as malformed and skipped, never trusted.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>

#include "trace/graph_internal.h"
#include "wire/bytes.h"

#define LINKTYPE_LINUX_SLL2 276
#define LINKTYPE_IPV4       228
#define ETHERTYPE_IPV4      0x0800
#define ETHERTYPE_VLAN      0x8100
#define IP_PROTO_TCP        6

/* One TCP segment as found in a frame. */
struct frame_tcp {
	tapir_ip src, dst;
	uint16_t sport, dport;
	struct graph_segment seg; /* sender is set later */
};

static bool link_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_RAW || dlt == LINKTYPE_IPV4 ||
	       dlt == DLT_LINUX_SLL || dlt == LINKTYPE_LINUX_SLL2;
}

/* Find the IPv4 packet in a frame. Returns 1 and sets *ip and *len, 0 when the
 * frame carries something else, -1 when it is too short. */
static int frame_ipv4(int dlt, const uint8_t *data, size_t caplen, const uint8_t **ip, size_t *len)
{
	size_t hdr;
	uint16_t type;

	if (dlt == DLT_EN10MB) {
		if (caplen < 14)
			return -1;
		type = read_be16(data + 12);
		hdr = 14;
		if (type == ETHERTYPE_VLAN) {
			if (caplen < 18)
				return -1;
			type = read_be16(data + 16);
			hdr = 18;
		}
	} else if (dlt == DLT_LINUX_SLL) {
		if (caplen < 16)
			return -1;
		type = read_be16(data + 14);
		hdr = 16;
	} else if (dlt == LINKTYPE_LINUX_SLL2) {
		if (caplen < 20)
			return -1;
		type = read_be16(data);
		hdr = 20;
	} else { /* raw IP: the version nibble says which */
		if (caplen < 1)
			return -1;
		type = (data[0] >> 4) == 4 ? ETHERTYPE_IPV4 : 0;
		hdr = 0;
	}
	if (type != ETHERTYPE_IPV4)
		return 0;
	*ip = data + hdr;
	*len = caplen - hdr;
	return 1;
}

/* The options tapir understands, written as the live trace writes them:
 * "mss=1460,ws=7,ts,sackok". Malformed options end the list. */
static void format_options(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t i = 0, n = 0;

	out[0] = '\0';
	while (i < len && n + 1 < cap) {
		uint8_t kind = p[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || (olen = p[i + 1]) < 2 || i + olen > len)
			break;
		if (kind == 2 && olen == 4)
			n += (size_t)snprintf(out + n, cap - n, "%smss=%u", n ? "," : "",
			                      read_be16(p + i + 2));
		else if (kind == 3 && olen == 3)
			n += (size_t)snprintf(out + n, cap - n, "%sws=%u", n ? "," : "", p[i + 2]);
		else if (kind == 8 && olen == 10)
			n += (size_t)snprintf(out + n, cap - n, "%sts", n ? "," : "");
		else if (kind == 4 && olen == 2)
			n += (size_t)snprintf(out + n, cap - n, "%ssackok", n ? "," : "");
		else if (kind == 5)
			n += (size_t)snprintf(out + n, cap - n, "%ssack=%u", n ? "," : "",
			                      (unsigned)(olen - 2) / 8);
		i += olen;
	}
}

/* IPv4 (RFC 791 3.1) and TCP (RFC 9293 3.1) headers. Returns 1 for a TCP
 * segment, 0 for another protocol or a later fragment, -1 when malformed. */
static int parse_tcp(const uint8_t *ip, size_t caplen, struct frame_tcp *f)
{
	size_t ihl, total, doff;
	const uint8_t *tcp;

	if (caplen < 20 || (ip[0] >> 4) != 4)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	total = read_be16(ip + 2);
	if (ihl < 20 || ihl > caplen || total < ihl)
		return -1;
	if (ip[9] != IP_PROTO_TCP || (read_be16(ip + 6) & 0x1fff) != 0)
		return 0;
	tcp = ip + ihl;
	if (caplen - ihl < 20 || total - ihl < 20)
		return -1;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || doff > total - ihl || doff > caplen - ihl)
		return -1;
	memset(f, 0, sizeof(*f));
	f->src = read_be32(ip + 12);
	f->dst = read_be32(ip + 16);
	f->sport = read_be16(tcp);
	f->dport = read_be16(tcp + 2);
	f->seg.seq = read_be32(tcp + 4);
	f->seg.ack = read_be32(tcp + 8);
	f->seg.flags = tcp[13];
	f->seg.window = read_be16(tcp + 14);
	f->seg.len = (uint32_t)(total - ihl - doff);
	format_options(tcp + 20, doff - 20, f->seg.options, sizeof(f->seg.options));
	return 1;
}

/* ---- connections ------------------------------------------------------------------ */

static bool side_is(const struct graph_side *s, tapir_ip ip, uint16_t port)
{
	return s->ip == ip && s->port == port;
}

static bool side_done(const struct graph_side *s)
{
	return strcmp(s->inf.state, "CLOSED") == 0 || strcmp(s->inf.state, "TIME-WAIT") == 0;
}

/* A SYN on a 4-tuple whose connection is over (or with another ISN) starts
 * a new connection: ports get reused. */
static bool starts_anew(const struct graph_conn *c, const struct frame_tcp *f, int sender)
{
	const struct graph_side *me = &c->side[sender];

	if (!(f->seg.flags & 0x02) || (f->seg.flags & 0x10))
		return false;
	if (me->inf.syn_sent && me->inf.iss != f->seg.seq)
		return true;
	return (c->side[0].ntr > 0 || c->side[1].ntr > 0) && side_done(&c->side[0]) &&
	       side_done(&c->side[1]);
}

static struct graph_conn *find_conn(struct tapir_graph *g, const struct frame_tcp *f, int *sender)
{
	for (unsigned i = g->nconns; i-- > 0;) {
		struct graph_conn *c = g->conns[i];
		int s;

		if (side_is(&c->side[0], f->src, f->sport) &&
		    side_is(&c->side[1], f->dst, f->dport))
			s = 0;
		else if (side_is(&c->side[1], f->src, f->sport) &&
		         side_is(&c->side[0], f->dst, f->dport))
			s = 1;
		else
			continue;
		if (starts_anew(c, f, s))
			return NULL;
		*sender = s;
		return c;
	}
	return NULL;
}

/* A new connection: side 0 is the client, the one that sends the SYN (the
 * receiver of a SYN,ACK when the SYN was not captured). */
static struct graph_conn *new_conn(struct tapir_graph *g, const struct frame_tcp *f, int *sender)
{
	bool synack = (f->seg.flags & 0x12) == 0x12;
	struct graph_conn *c = graph_conn_add(g, g->nconns + 1);

	if (!c)
		return NULL;
	*sender = synack ? 1 : 0;
	c->side[*sender].ip = f->src;
	c->side[*sender].port = f->sport;
	c->side[1 - *sender].ip = f->dst;
	c->side[1 - *sender].port = f->dport;
	for (int i = 0; i < 2; i++) {
		c->side[i].inferred = true;
		c->side[i].primary = true;
	}
	return c;
}

static void add_frame(struct tapir_graph *g, const struct frame_tcp *f, tapir_time t)
{
	struct graph_segment s = f->seg;
	int sender = 0;
	struct graph_conn *c = find_conn(g, f, &sender);

	if (!c)
		c = new_conn(g, f, &sender);
	if (!c)
		return; /* over the limit: counted by graph_conn_add */
	s.time = t;
	s.sender = (uint8_t)sender;
	s.retransmission = graph_infer_is_retransmission(c, &s);
	graph_add_segment(c, &s);
	if (!graph_infer_segment(g, c, &s))
		g->stats.unexplained++;
}

static void read_packet(struct tapir_graph *g, int dlt, const struct pcap_pkthdr *h,
                        const uint8_t *data)
{
	const uint8_t *ip;
	size_t iplen;
	struct frame_tcp f;
	int r = frame_ipv4(dlt, data, h->caplen, &ip, &iplen);

	g->stats.packets++;
	if (r > 0)
		r = parse_tcp(ip, iplen, &f);
	if (r < 0)
		g->stats.malformed++;
	else if (r == 0)
		g->stats.not_tcp++;
	else
		add_frame(g, &f, (tapir_time)h->ts.tv_sec * 1000000 + h->ts.tv_usec);
}

static int read_all(struct tapir_graph *g, pcap_t *p, char *err, size_t cap)
{
	int dlt = pcap_datalink(p);
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;

	if (!link_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);

		snprintf(err, cap,
		         "link type %s (%d) is not supported: tapir-viz reads Ethernet, raw IP "
		         "and Linux cooked (tcpdump -i any) captures",
		         name ? name : "unknown", dlt);
		return -EPROTONOSUPPORT;
	}
	while ((r = pcap_next_ex(p, &h, &data)) == 1)
		read_packet(g, dlt, h, data);
	if (r == PCAP_ERROR) {
		snprintf(err, cap, "the capture is damaged or cut short after %lu packets: %s",
		         g->stats.packets, pcap_geterr(p));
		return -EIO;
	}
	return 0;
}

int tapir_graph_read_pcap_stream(struct tapir_graph *g, FILE *f, char *err, size_t cap)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_fopen_offline(f, ebuf);
	int r;

	if (!p) {
		fclose(f);
		snprintf(err, cap, "not a pcap capture: %s", ebuf);
		return -EINVAL;
	}
	r = read_all(g, p, err, cap);
	pcap_close(p); /* closes f too */
	return r;
}

int tapir_graph_read_pcap(struct tapir_graph *g, const char *path, char *err, size_t cap)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		int e = errno;

		snprintf(err, cap, "cannot open: %s", strerror(e));
		return -e;
	}
	return tapir_graph_read_pcap_stream(g, f, err, cap);
}
