#!/usr/bin/env bash
# test_viz.sh — tapir-viz on captures of the Linux kernel talking to itself:
# two namespaces joined by a veth pair, socat/python exchanges captured with
# tcpdump, and the state paths tapir-viz infers for both endpoints checked
# against what RFC 9293 says each side goes through: a close initiated by
# the client, one initiated by the server, a refused connection and an
# aborted one (RST). Then the pictures (DOT accepted by `dot`, ladder SVG,
# index.html), --trace, --compare, and clear errors for malformed, truncated
# and non-Ethernet captures.
set -u
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "# skipped: needs root (network namespaces)"
	exit 77
fi
for tool in tcpdump socat dot python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "# skipped: $tool is not installed (scripts/deps.sh)"
		exit 77
	fi
done
VIZ="$ROOT/$BUILD/tapir-viz"
if [ ! -x "$VIZ" ]; then
	echo "not ok - tapir-viz is built (make all)"
	exit 1
fi

CLI="tvc-$$-$RANDOM"
SRV="tvs-$$-$RANDOM"
CLI_IP=10.77.0.1
SRV_IP=10.77.0.2

viz_cleanup() {
	ip netns del "$CLI" 2>/dev/null
	ip netns del "$SRV" 2>/dev/null
	tap_cleanup
}
trap viz_cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns add "$CLI" || ! ip netns add "$SRV"; then
	echo "not ok - namespaces"
	exit 1
fi
ip link add vc0 netns "$CLI" type veth peer name vs0 netns "$SRV"
ip -n "$CLI" addr add "$CLI_IP/24" dev vc0
ip -n "$SRV" addr add "$SRV_IP/24" dev vs0
for ns in "$CLI" "$SRV"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
ip -n "$CLI" link set vc0 up
ip -n "$SRV" link set vs0 up

# capture NAME COMMAND...: run the exchange COMMAND while tcpdump records
# the client's side of the veth into $WORK/NAME.pcap.
capture() {
	local name=$1
	shift
	ip netns exec "$CLI" tcpdump -i vc0 -U --immediate-mode -B 32768 -n -s 0 -w "$WORK/$name.pcap" tcp \
		2>"$WORK/$name.tcpdump" &
	local dump=$!
	for _ in $(seq 1 50); do
		grep -q "listening on" "$WORK/$name.tcpdump" 2>/dev/null && break
		sleep 0.1
	done
	"$@"
	sleep 0.5
	kill -INT "$dump"
	wait "$dump" 2>/dev/null
}

wait_listen() { # wait_listen PORT
	for _ in $(seq 1 50); do
		ip netns exec "$SRV" ss -ltn "sport = :$1" | grep -q LISTEN && return 0
		sleep 0.05
	done
	return 1
}

close_by_client() {
	ip netns exec "$SRV" socat -u TCP-LISTEN:5001,reuseaddr OPEN:"$WORK/cc.out",creat &
	local srv=$!
	wait_listen 5001
	echo "hello from the client" | ip netns exec "$CLI" socat -u - TCP:$SRV_IP:5001
	wait "$srv"
}

close_by_server() {
	echo "hello from the server" |
		ip netns exec "$SRV" socat -u - TCP-LISTEN:5002,reuseaddr &
	local srv=$!
	wait_listen 5002
	ip netns exec "$CLI" socat -u TCP:$SRV_IP:5002 OPEN:"$WORK/cs.out",creat
	wait "$srv"
}

refused() {
	ip netns exec "$CLI" socat -u - TCP:$SRV_IP:5003 </dev/null 2>/dev/null
	return 0
}

# The client sends, then closes with SO_LINGER 0: an abort, a RST.
aborted() {
	ip netns exec "$SRV" socat -u TCP-LISTEN:5004,reuseaddr OPEN:/dev/null &
	local srv=$!
	wait_listen 5004
	ip netns exec "$CLI" python3 -c '
import socket, struct, time
s = socket.create_connection(("'$SRV_IP'", 5004))
s.sendall(b"x" * 100)
time.sleep(0.2)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()'
	wait "$srv"
}

# The server's firewall drops the SYNs: the kernel retransmits after its
# initial RTO of 1 s (RFC 6298), then backs off (Linux 6.7 and later keep the
# first few SYN timeouts linear: tcp_syn_linear_timeouts).
unanswered() {
	ip netns exec "$SRV" nft -f - <<-'NFT'
		table inet viz { chain in { type filter hook input priority 0; tcp dport 5006 drop; }; }
	NFT
	ip netns exec "$CLI" timeout 3.6 socat -u - TCP:$SRV_IP:5006 </dev/null 2>/dev/null
	return 0
}

capture cc close_by_client
capture cs close_by_server
capture rf refused
capture ab aborted
capture rt unanswered

# path_of DIR N SIDE: the path in the JSON trace is awkward to read back in
# shell, so tapir-viz's index.html rows are used: they list both paths.
paths() { # paths NAME: run tapir-viz, print "client: ..." and "server: ..."
	local name=$1
	"$VIZ" "$WORK/$name.pcap" --graph "$WORK/$name.g" --trace "$WORK/$name.jsonl" \
		2>"$WORK/$name.viz.err"
	python3 - "$WORK/$name.jsonl" <<'PY'
import json, sys
paths = {}
for line in open(sys.argv[1]):
    ev = json.loads(line)
    side = "client" if ev["conn"] % 2 == 1 else "server"
    key = (ev["conn"] + 1) // 2
    p = paths.setdefault((key, side), [ev["from"]])
    p.append(ev["to"])
for (key, side), p in sorted(paths.items()):
    print(f"{key} {side}: {' '.join(p)}")
PY
}

expect_path() { # expect_path NAME "1 client: ..."
	if grep -qx "$2" <<<"$(paths "$1")"; then
		ok "$1: $2"
	else
		not_ok "$1: $2"
		paths "$1" | sed 's/^/#   got: /'
	fi
}

expect_path cc "1 client: CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT"
expect_path cc "1 server: CLOSED LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED"
expect_path cs "1 client: CLOSED SYN-SENT ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED"
expect_path cs "1 server: CLOSED LISTEN SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT"
expect_path rf "1 client: CLOSED SYN-SENT CLOSED"
check "rf: the server side has no transitions (no listener: it stays CLOSED)" \
	bash -c "! grep -q '\"conn\":2,' '$WORK/rf.jsonl'"
expect_path ab "1 client: CLOSED SYN-SENT ESTABLISHED CLOSED"
expect_path ab "1 server: CLOSED LISTEN SYN-RECEIVED ESTABLISHED CLOSED"
check "ab: the client's last transition is an ABORT" \
	grep -q '"conn":1,.*"from":"ESTABLISHED","to":"CLOSED","cause":"ABORT' "$WORK/ab.jsonl"
check "ab: the server's last transition is rcv RST" \
	grep -q '"conn":2,.*"from":"ESTABLISHED","to":"CLOSED","cause":"rcv RST' "$WORK/ab.jsonl"

# The pictures of the close-by-client capture.
G="$WORK/cc.g"
for f in index.html summary.dot conn-1.dot conn-1-peer.dot conn-1-ladder.svg conn-1.svg \
	conn-1.png summary.svg; do
	check "cc: $f written" test -s "$G/$f"
done
check "cc: dot accepts every DOT file" \
	bash -c "for f in '$G'/*.dot; do dot -Tsvg \"\$f\" >/dev/null || exit 1; done"
check "cc: the client's diagram marks exactly its 5 transitions" \
	test "$(grep -c 'class="path"' "$G/conn-1.dot")" -eq 5
check "cc: the server's diagram marks exactly its 6 transitions" \
	test "$(grep -c 'class="path"' "$G/conn-1-peer.dot")" -eq 6
check "cc: no transition outside the state table" \
	bash -c "! grep -q 'not-in-table' '$G'/*.dot"
check "cc: the ladder is well-formed XML with one arrow per segment" \
	python3 -c "
import sys, xml.etree.ElementTree as ET
t = ET.parse('$G/conn-1-ladder.svg')
lines = [e for e in t.iter('{http://www.w3.org/2000/svg}line') if e.get('marker-end')]
sys.exit(0 if len(lines) >= 7 else 1)"
check "cc: the ladder shows the handshake relative to the ISNs" \
	bash -c "grep -q 'SYN  seq=0<' '$G/conn-1-ladder.svg' && grep -q 'SYN,ACK  seq=0 ack=1' '$G/conn-1-ladder.svg'"
check "cc: index.html links the diagrams" grep -q 'conn-1-ladder.svg' "$G/index.html"
check "cc: the trace is JSON Lines in the live schema" \
	python3 -c "
import json
for l in open('$WORK/cc.jsonl'):
    e = json.loads(l)
    assert e['event'] == 'tcp-state' and {'conn','local_ip','local_port','remote_ip','remote_port','from','to','cause','time_us'} <= set(e)"

# Comparing two captures.
"$VIZ" --compare "$WORK/cc.pcap" "$WORK/cs.pcap" --graph "$WORK/cmp" 2>"$WORK/cmp.err"
check "--compare writes compare.html" test -s "$WORK/cmp/compare.html"
check "--compare: the FIN row shows client vs server" \
	python3 -c "
import re, sys
h = open('$WORK/cmp/compare.html').read()
m = re.search(r'<th>first FIN sent by</th><td>(\w+)</td><td>(\w+)</td>', h)
sys.exit(0 if m and m.groups() == ('client', 'server') else 1)"
check "--compare: both ladders are in the page" \
	test "$(grep -c '<svg' "$WORK/cmp/compare.html")" -eq 2
check "--compare: options offered by the kernel (mss=1460) are in the table" \
	grep -q 'mss=1460' "$WORK/cmp/compare.html"

"$VIZ" --compare "$WORK/rt.pcap" "$WORK/cc.pcap" --graph "$WORK/rtc" --no-render \
	2>"$WORK/rtc.err"
check "--compare: the SYN retransmissions and their timing (the first after 1 s)" \
	python3 -c "
import re, sys
h = open('$WORK/rtc/compare.html').read()
m = re.search(r'<th>retransmissions \(client\)</th><td>([^<]*)</td>', h)
print('# ' + (m.group(1) if m else 'no row'))
sys.exit(0 if m and re.match(r'[23]: SYN len=0 after 10\d\d ms; SYN len=0 after [12]\d\d\d ms', m.group(1)) else 1)"
expect_path rt "1 client: CLOSED SYN-SENT"

# Clear errors, never a crash.
viz_error() { # viz_error FILE "what the message must say"
	local out rc
	out=$("$VIZ" "$1" --graph "$WORK/err.g" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qi -- "$2" <<<"$out"; then
		ok "error for $(basename "$1"): $out"
	else
		not_ok "error for $(basename "$1") (status $rc): $out"
	fi
}
printf 'this is not a capture at all' >"$WORK/text.pcap"
viz_error "$WORK/text.pcap" "not a pcap"
head -c 20 "$WORK/cc.pcap" >"$WORK/short-header.pcap"
viz_error "$WORK/short-header.pcap" "not a pcap"
size=$(stat -c %s "$WORK/cc.pcap")
head -c $((size - 10)) "$WORK/cc.pcap" >"$WORK/cut.pcap"
viz_error "$WORK/cut.pcap" "cut short"
python3 - "$WORK/usb.pcap" <<'PY'
import struct, sys
# a valid pcap header with link type 189 (USB): not something we read
open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 189))
PY
viz_error "$WORK/usb.pcap" "not supported"
viz_error "$WORK/does-not-exist.pcap" "cannot open"
"$VIZ" >/dev/null 2>&1
check "no arguments: usage and exit status 2" test $? -eq 2

# A live tapir (tapir-nc -l --graph) on the lab TAP device, the kernel closing
# first: the pictures are drawn at exit, and the path tapir traced equals the
# one tapir-viz infers from tapir's own capture.
if [ -c /dev/net/tun ] && [ -x "$ROOT/$BUILD/tapir-nc" ]; then
	"$ROOT/scripts/netns.sh" up "$NS" || { echo "not ok - lab network up"; exit 1; }
	# tapir-nc's standard input stays open (fd 3) until the kernel has closed.
	mkfifo "$WORK/live.in"
	exec 3<>"$WORK/live.in"
	ip netns exec "$NS" "$ROOT/$BUILD/tapir-nc" -l 5005 --graph "$WORK/live" \
		--trace "$WORK/live.jsonl" --pcap "$WORK/live.pcap" <"$WORK/live.in" \
		>"$WORK/live.out" 2>"$WORK/live.err" 3>&- &
	live_pid=$!
	PIDS+=("$live_pid")
	require "tapir-nc answers on the lab network" wait_reachable 10.0.0.2
	printf 'hello tapir\n' | in_ns socat -u - TCP:10.0.0.2:5005
	sleep 0.3
	exec 3>&-
	for _ in $(seq 1 50); do
		kill -0 "$live_pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$live_pid"
	check "live: tapir-nc ends cleanly after the close" test $? -eq 0
	check "live: index.html and rendered diagrams in --graph DIR" \
		bash -c "test -s '$WORK/live/index.html' && ls '$WORK'/live/conn-*-ladder.svg >/dev/null &&
			ls '$WORK'/live/conn-*.png >/dev/null"
	child=$(python3 -c "
import json
for l in open('$WORK/live.jsonl'):
    e = json.loads(l)
    if e['event'] == 'tcp-state' and e['remote_port'] != 0:
        print(e['conn']); break")
	check "live: the connection's diagram marks its 6 transitions" \
		test "$(grep -c 'class="path"' "$WORK/live/conn-$child.dot")" -eq 6
	"$VIZ" "$WORK/live.pcap" --graph "$WORK/live-viz" --trace "$WORK/live-viz.jsonl" \
		--no-render 2>/dev/null
	check "live: the path tapir traced equals the one inferred from its capture" python3 -c "
import json
def path(f, keep):
    return [(e['from'], e['to'], e['cause']) for e in map(json.loads, open(f))
            if e['event'] == 'tcp-state' and keep(e)]
live = path('$WORK/live.jsonl', lambda e: e['conn'] == $child)
inferred = path('$WORK/live-viz.jsonl', lambda e: e['local_ip'] == '10.0.0.2')
print('# live:    ', [t for _, t, _ in live])
print('# inferred:', [t for _, t, _ in inferred])
assert live == inferred and len(live) == 6"

	# scripts/compare-kernel.sh: tapir and the kernel serving the same close.
	TAPIR_BUILD="$BUILD" "$ROOT/scripts/compare-kernel.sh" close-server "$WORK/ck" \
		>"$WORK/ck.log" 2>&1
	check "compare-kernel.sh close-server: compare.html from both captures" \
		test -s "$WORK/ck/compare.html" -a -s "$WORK/ck/tapir.pcap" -a -s "$WORK/ck/kernel.pcap"
	check "compare-kernel.sh: both servers closed first, by the same path" python3 -c "
import re, sys
h = open('$WORK/ck/compare.html').read()
fin = re.search(r'<th>first FIN sent by</th><td>(\w+)</td><td>(\w+)</td>', h)
path = re.search(r'<th>state path \(inferred\) \(server\)</th><td>([^<]*)</td><td>([^<]*)</td>', h)
want = 'CLOSED LISTEN SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT'
sys.exit(0 if fin and fin.groups() == ('server', 'server') and path and
         path.groups() == (want, want) else 1)"
else
	echo "# live tapir part skipped: needs /dev/net/tun and tapir-nc"
fi

# VIZ_KEEP=DIR keeps the captures and pictures for a look.
[ -n "${VIZ_KEEP:-}" ] && cp -r "$WORK" "$VIZ_KEEP"
tap_finish
