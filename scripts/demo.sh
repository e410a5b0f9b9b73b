#!/usr/bin/env bash
# demo.sh — the demo behind `sudo make demo`, the README's first command.
#
# Brings up the lab network (namespace "tapir", tap0, the Linux kernel at
# 10.0.0.1), then, with tapir at 10.0.0.2:
#   1. tapir's resolver (tapir-dig) looks www.lab up in dnsmasq (after ARP);
#   2. tapir-httpd starts and the kernel pings it;
#   3. curl GETs http://www.lab/ and exits: the kernel closes first, and
#      tapir goes through CLOSE-WAIT and LAST-ACK;
#   4. Node's ws client has a message echoed on /ws/echo and closes: tapir
#      closes the TCP connection first (RFC 6455 7.1.1) and goes through
#      TIME-WAIT (2 s long here: tapir-httpd runs with --msl 1).
# It writes out/demo/index.html (every step explained, with the pictures of
# both connections), tapir.pcap, trace.jsonl, tapir.log and graphs/, takes
# the network down and says how to open them.
#
# Without root or /dev/net/tun (or with TAPIR_DEMO_SIM=1) it says so and runs
# the same session on the sim link instead (build/tapir-demo-sim: a second
# tapir stack plays the kernel, on a virtual clock), into the same files.
#
# Environment: TAPIR_NS (namespace, default tapir), TAPIR_BUILD (build),
# TAPIR_DEMO_OUT (out/demo), TAPIR_DEMO_SIM=1 (the sim link even as root).
set -euo pipefail
cd "$(dirname "$0")/.."

NS=${TAPIR_NS:-tapir}
OUT=${TAPIR_DEMO_OUT:-out/demo}
BUILD=${TAPIR_BUILD:-build}
SITE=www.lab
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
die() {
	echo "demo: $*" >&2
	exit 1
}

# ---- reading tapir's trace ------------------------------------------------------

# http_conns TRACE: tapir's connections on port 80 (not the listener), in order.
http_conns() {
	grep '"event":"tcp-state"' "$1" | grep '"local_port":80,' | grep -v '"remote_port":0,' |
		sed 's/.*"conn":\([0-9]*\),.*/\1/' | awk '!seen[$0]++'
}

# tcp_path TRACE CONN: the states connection CONN went through, "CLOSED -> ...".
tcp_path() {
	grep '"event":"tcp-state"' "$1" | grep "\"conn\":$2," |
		sed 's/.*"from":"\([^"]*\)","to":"\([^"]*\)".*/\1 \2/' |
		awk 'NR == 1 { printf "%s", $1 } { printf " -> %s", $2 } END { print "" }'
}

# wait_closed TRACE CONN: until CONN is back in CLOSED (at most 5 s).
wait_closed() {
	for _ in $(seq 1 50); do
		tcp_path "$1" "$2" | grep -q -- '-> CLOSED$' && return 0
		sleep 0.1
	done
	return 1
}

# ---- the session on the lab network ---------------------------------------------

tmp=
httpd_pid=
dns_pid=
cleanup() {
	[ -n "$httpd_pid" ] && kill -TERM "$httpd_pid" 2>/dev/null && wait "$httpd_pid" 2>/dev/null
	[ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null && wait "$dns_pid" 2>/dev/null
	if [ -n "$tmp" ]; then
		scripts/netns.sh down "$NS"
		rm -rf "$tmp"
	fi
	return 0
}

in_ns() { ip netns exec "$NS" "$@"; }

# The kernel's WebSocket client: one message echoed, then a clean close.
WS_CLIENT='
const WebSocket = require("ws");
const ws = new WebSocket(process.argv[1]);
const give_up = setTimeout(() => { console.log("   no echo within 5 s"); process.exit(1); }, 5000);
ws.on("open", () => { console.log("   open; sent: hello, tapir"); ws.send("hello, tapir"); });
ws.on("message", (data) => { console.log("   echo: " + data); ws.close(1000, "demo over"); });
ws.on("close", (code, reason) => {
	clearTimeout(give_up);
	console.log(`   closed: ${code} (${reason})`);
	process.exit(code === 1000 ? 0 : 1);
});
ws.on("error", (e) => { console.log("   error: " + e.message); process.exit(1); });
'

# The session on the lab network (up already). tapir-dig and tapir-httpd
# each write a capture and a trace into tmp, merged into OUT at the end; the
# log goes to OUT/tapir.log and the graphs to OUT/graphs.
session_tap() {
	local addr conn

	bold "1. ARP and DNS: tapir's resolver (tapir-dig) asks dnsmasq on 10.0.0.1 for $SITE"
	# Not through in_ns: $! must be the program itself (ip netns exec execs it).
	ip netns exec "$NS" dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
		--listen-address=10.0.0.1 --local=/lab/ --local-ttl=300 --host-record=$SITE,10.0.0.2 \
		2>"$tmp/dnsmasq.log" &
	dns_pid=$!
	for _ in $(seq 1 50); do
		[ -n "$(in_ns ss -Hlun 'sport = :53')" ] && break
		sleep 0.1
	done
	in_ns "$BUILD/tapir-dig" $SITE --pcap "$tmp/dns.pcap" --trace "$tmp/dns.jsonl" \
		--log info >"$tmp/dig.out" 2>>"$OUT/tapir.log" || true
	sed -n '/ANSWER SECTION/,/^$/p;/Query time/p;/SERVER/p' "$tmp/dig.out" | sed '/^$/d; s/^/   /'
	kill "$dns_pid"
	wait "$dns_pid" 2>/dev/null || true
	dns_pid=
	addr=$(awk -v name="$SITE." '$1 == name && $4 == "A" { print $5; exit }' "$tmp/dig.out")
	[ -n "$addr" ] || die "tapir-dig got no address for $SITE:
$(cat "$tmp/dig.out" "$tmp/dnsmasq.log")"

	bold "2. Ping: tapir-httpd starts at $addr, the kernel pings it"
	ip netns exec "$NS" "$BUILD/tapir-httpd" --msl 1 --stats --log info --pcap "$tmp/httpd.pcap" \
		--trace "$tmp/httpd.jsonl" --graph "$OUT/graphs" 2>>"$OUT/tapir.log" &
	httpd_pid=$!
	for _ in $(seq 1 50); do
		[ -s "$tmp/httpd.pcap" ] && break # its gratuitous ARP is out: it is up
		sleep 0.1
	done
	in_ns ping -c 2 -i 0.2 -W 1 "$addr" | sed '/^$/d; s/^/   /' || die "tapir did not answer the pings"

	bold "3. HTTP: curl GETs http://$SITE/ and exits, so the kernel closes first"
	in_ns curl -sS --max-time 5 --resolve "$SITE:80:$addr" -D "$tmp/head" -o "$tmp/body" \
		"http://$SITE/" || die "curl got no answer from tapir-httpd (see $OUT/tapir.log)"
	tr -d '\r' <"$tmp/head" | sed '/^$/d; s/^/   /'
	echo "   the body: $(wc -c <"$tmp/body") bytes, $(grep -o '<title>[^<]*</title>' "$tmp/body")"
	conn=$(http_conns "$tmp/httpd.jsonl" | sed -n 1p)
	wait_closed "$tmp/httpd.jsonl" "$conn" || die "tapir's connection $conn did not close"
	echo "   tapir: $(tcp_path "$tmp/httpd.jsonl" "$conn")"

	bold "4. WebSocket: Node's ws client echoes a message on ws://$SITE/ws/echo and closes"
	in_ns node -e "$WS_CLIENT" "ws://$addr/ws/echo" || die "the WebSocket echo failed"
	conn=$(http_conns "$tmp/httpd.jsonl" | sed -n 2p)
	echo "   tapir closes the TCP connection first (RFC 6455 7.1.1: the server does),"
	echo "   then waits in TIME-WAIT for 2 MSL (2 s: tapir-httpd runs with --msl 1)"
	wait_closed "$tmp/httpd.jsonl" "$conn" || die "tapir's connection $conn did not close"
	echo "   tapir: $(tcp_path "$tmp/httpd.jsonl" "$conn")"

	bold "5. tapir-httpd stops and draws its connections; the lab network is taken down"
	kill -TERM "$httpd_pid"
	wait "$httpd_pid" || true
	httpd_pid=
	mergecap -w "$OUT/tapir.pcap" "$tmp/dns.pcap" "$tmp/httpd.pcap"
	cat "$tmp/dns.jsonl" "$tmp/httpd.jsonl" >"$OUT/trace.jsonl"
}

# ---- the same session on the sim link --------------------------------------------

session_sim() {
	"$BUILD/tapir-demo-sim" --stats --pcap "$OUT/tapir.pcap" --trace "$OUT/trace.jsonl" \
		--graph "$OUT/graphs" 2>"$OUT/tapir.log" ||
		die "the sim session failed (see above and $OUT/tapir.log)"
}

# ---- out/demo/index.html ------------------------------------------------------------

# link FILE TEXT: a link to FILE (relative to OUT) when it exists, else TEXT alone.
link() {
	if [ -e "$OUT/$1" ]; then printf '<a href="%s">%s</a>' "$1" "$2"; else printf '%s' "$2"; fi
}

# pictures CONN: the state diagram and the ladder of one of tapir's connections.
pictures() {
	local f
	for f in "graphs/conn-$1.svg" "graphs/conn-$1-ladder.svg"; do
		[ -e "$OUT/$f" ] && printf '<a href="%s"><img src="%s" alt="%s"></a>\n' "$f" "$f" "$f"
	done
	return 0
}

write_index() { # write_index tap|sim
	local mode=$1 http ws peer client dns_server
	http=$(http_conns "$OUT/trace.jsonl" | sed -n 1p)
	ws=$(http_conns "$OUT/trace.jsonl" | sed -n 2p)
	if [ "$mode" = tap ]; then
		peer="the Linux kernel"
		client="curl"
		dns_server="dnsmasq"
	else
		peer="the peer stack (standing in for the Linux kernel)"
		client="tapir's HTTP client on the peer stack"
		dns_server="a one-name server on the peer stack"
	fi
	{
		cat <<HTML
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>tapir demo</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 70em }
img { max-width: 48%; border: 1px solid #ccc; margin: 4px; vertical-align: top }
code { background: #f3f3f3; padding: 1px 3px }
</style></head><body>
<h1>The tapir demo, step by step</h1>
HTML
		if [ "$mode" = tap ]; then
			cat <<HTML
<p>tapir ran at 10.0.0.2 on <code>tap0</code> in the network namespace <code>$NS</code>; the
Linux kernel was at 10.0.0.1 on the other end of the TAP device. Everything below is tapir's
view: the capture holds every frame it sent and received, the trace every event.</p>
HTML
		else
			cat <<HTML
<p>This machine could not make the lab network ($SIM_REASON), so the session ran on the
<b>sim link</b>: two tapir stacks back to back in one program (<code>tapir-demo-sim</code>), on a
virtual clock. tapir was 10.0.0.2; the peer, 10.0.0.1, stood in for the Linux kernel. The
pictures are the same kind; with <code>sudo make demo</code> the peer is the real kernel.</p>
HTML
		fi
		cat <<HTML
<p>Files: $(link tapir.pcap tapir.pcap) (open it in Wireshark), $(link trace.jsonl trace.jsonl)
(one JSON object a line, described in docs/trace.md), $(link tapir.log tapir.log) (the log and
the counters), $(link graphs/index.html graphs/index.html) (every connection's pictures) and
$(link graphs/summary.svg "the summary of every transition").</p>

<h2>1. ARP and a DNS lookup through tapir</h2>
<p>tapir announced its address with a gratuitous ARP and asked with ARP who has 10.0.0.1
(RFC 826): no IP packet leaves before the next hop's MAC address is known. Then tapir's stub
resolver asked the DNS server on 10.0.0.1 ($dns_server) for the A record of
<code>$SITE</code>: one query over UDP to port 53, one answer, <code>$SITE. 300 IN A
10.0.0.2</code> (RFC 1035). The resolver's steps are the <code>"event":"dns"</code> lines of
the trace.</p>

<h2>2. Ping</h2>
<p>tapir was pinged twice by $peer: ICMP echo requests, answered with echo replies
(RFC 792).</p>

<h2>3. HTTP GET: $peer closes first</h2>
<p>The client ($client) opened a TCP connection to tapir's web server (the three-way
handshake), sent <code>GET /</code>, got <code>200 OK</code> and the page, and then closed the kept-alive
connection. Its FIN came first, so tapir went ESTABLISHED → CLOSE-WAIT, closed its own side
(LAST-ACK) and reached CLOSED when its FIN was acknowledged (RFC 9293 3.6).<br>
tapir's path: <b>$(tcp_path "$OUT/trace.jsonl" "$http" | sed 's/->/→/g')</b>
($(link "graphs/conn-$http.svg" "state diagram"), $(link "graphs/conn-$http-ladder.svg" "ladder"),
$(link "graphs/conn-$http-peer.svg" "the peer's inferred diagram"))</p>
$(pictures "$http")

<h2>4. WebSocket echo: tapir closes first</h2>
<p>The client asked for <code>/ws/echo</code> with <code>Upgrade: websocket</code>, tapir
answered <code>101 Switching Protocols</code>, and one text frame went out and came back
(RFC 6455). The client then sent a Close frame, tapir answered with its own and, as the server
should (RFC 6455 7.1.1), closed the TCP connection first: FIN-WAIT-1, FIN-WAIT-2, then
TIME-WAIT for two Maximum Segment Lifetimes before CLOSED. That is the other direction of
the close from step 3.<br>
tapir's path: <b>$(tcp_path "$OUT/trace.jsonl" "$ws" | sed 's/->/→/g')</b>
($(link "graphs/conn-$ws.svg" "state diagram"), $(link "graphs/conn-$ws-ladder.svg" "ladder"),
$(link "graphs/conn-$ws-peer.svg" "the peer's inferred diagram"))</p>
$(pictures "$ws")

<h2>Every transition of the run</h2>
<p>$(link graphs/summary.svg '<img src="graphs/summary.svg" alt="summary">')</p>

<h2>Opening the files</h2>
<ul>
<li>The capture: <code>wireshark $OUT/tapir.pcap</code>, or in a terminal
<code>tshark -r $OUT/tapir.pcap</code>. Filters to try: <code>arp</code>, <code>dns</code>,
<code>http</code>, <code>websocket</code>, <code>tcp.flags.fin == 1</code>.</li>
<li>The trace: <code>grep '"event":"tcp-state"' $OUT/trace.jsonl</code> shows every state
change.</li>
<li>Graphviz's <code>.dot</code> sources are beside the pictures in graphs/.</li>
</ul>
</body></html>
HTML
	} >"$OUT/index.html"
}

# ---- main -----------------------------------------------------------------------------

SIM_REASON=
if [ -n "${TAPIR_DEMO_SIM:-}" ]; then
	SIM_REASON="TAPIR_DEMO_SIM is set"
elif [ "$(id -u)" -ne 0 ]; then
	SIM_REASON="not running as root: the lab network needs 'sudo make demo'"
elif [ ! -c /dev/net/tun ]; then
	SIM_REASON="this machine has no /dev/net/tun, so no TAP device"
fi

[ -x "$BUILD/tapir-httpd" ] && [ -x "$BUILD/tapir-demo-sim" ] ||
	die "the programs are not built: run 'make' (or 'sudo make demo')"
if [ -z "$SIM_REASON" ]; then
	for tool in dnsmasq curl node mergecap; do
		command -v $tool >/dev/null || die "$tool is missing: run 'sudo scripts/deps.sh'"
	done
	node -e "require('ws')" 2>/dev/null || die "Node's ws is missing: run 'sudo scripts/deps.sh'"
	if ip netns list | awk '{print $1}' | grep -qx "$NS" && [ -n "$(ip netns pids "$NS")" ]; then
		die "namespace '$NS' is in use by running programs; stop them or set TAPIR_NS"
	fi
fi
rm -rf "$OUT" 2>/dev/null || true
mkdir -p "$OUT" 2>/dev/null && [ -w "$OUT" ] && [ -z "$(ls -A "$OUT")" ] ||
	die "cannot write a fresh $OUT (left by 'sudo make demo'? remove it with sudo," \
		"or set TAPIR_DEMO_OUT)"

mode=sim
if [ -z "$SIM_REASON" ]; then
	tmp=$(mktemp -d /tmp/tapir-demo.XXXXXX)
	trap cleanup EXIT
	bold "The lab network: namespace '$NS' holding tap0, the Linux kernel at 10.0.0.1/24"
	if scripts/netns.sh up "$NS"; then
		session_tap
		scripts/netns.sh down "$NS"
		mode=tap
	else
		SIM_REASON="the lab network could not be made (see the message above)"
	fi
fi
if [ "$mode" = sim ]; then
	bold "demo: $SIM_REASON."
	echo "Running the same session on the sim link instead: no root, no TAP device needed."
	session_sim
fi
write_index "$mode"

bold "Done in ${SECONDS} s. What tapir saw is in $OUT/:"
abs_out=$(cd "$OUT" && pwd)
cat <<MSG
   index.html    every step explained, with the state diagram and the ladder of each
                 TCP connection:  xdg-open $OUT/index.html
                 (or in a browser: file://$abs_out/index.html)
   tapir.pcap    every frame tapir sent and received:  wireshark $OUT/tapir.pcap
                 (in a terminal:  tshark -r $OUT/tapir.pcap)
   trace.jsonl   every event, one JSON object a line (docs/trace.md)
   graphs/       all the pictures; graphs/index.html lists every connection
   tapir.log     tapir's log and its counters (--stats)
MSG
