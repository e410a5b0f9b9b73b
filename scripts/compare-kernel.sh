#!/usr/bin/env bash
# compare-kernel.sh SCENARIO [OUTDIR] — the same TCP exchange served once by
# tapir and once by the Linux kernel, both captured at the client, then drawn
# side by side by `tapir-viz --compare`.
#
#   SCENARIO   get           the client sends a request, the server answers ~3 KB
#                            and closes (an HTTP/1.0-style GET)
#              bulk          the client sends 1 MB, then closes
#              close-client  the client says hello and closes first
#              close-server  the server says hello and closes first
#   OUTDIR     default out/compare-SCENARIO: tapir.pcap, kernel.pcap,
#              compare.html (open this), a/ and b/ (each capture's pictures),
#              tapir-live/ (tapir's own --graph pictures of its run)
#
# The client is always the kernel (socat), so only the server differs:
#   tapir run:  namespace with a TAP device (scripts/netns.sh): the kernel
#               at 10.0.0.1 on tap0, tapir-nc -l at 10.0.0.2; capture on tap0.
#   kernel run: two namespaces joined by a veth pair, the same addresses,
#               socat as the server; capture on the client's veth.
# Namespace names are unique per run and removed on exit. Needs root,
# tcpdump, socat and a built tree (make all).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TAPIR_BUILD:-build}
SCENARIO=${1:-}
OUT=${2:-$ROOT/out/compare-$SCENARIO}
PORT=5080
TAG="$$-$RANDOM"
LAB="tck-$TAG"  # the tapir run: kernel + TAP
KCLI="tkc-$TAG" # the kernel run: client ...
KSRV="tks-$TAG" # ... and server
PIDS=()

die() { echo "compare-kernel.sh: $*" >&2; exit 1; }

usage() {
	sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

cleanup() {
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	"$ROOT/scripts/netns.sh" down "$LAB" >/dev/null 2>&1
	ip netns del "$KCLI" 2>/dev/null
	ip netns del "$KSRV" 2>/dev/null
}

case "$SCENARIO" in
get | bulk | close-client | close-server) ;;
*) usage ;;
esac
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces): sudo $0 $*"
for tool in tcpdump socat; do
	command -v "$tool" >/dev/null || die "$tool is not installed (scripts/deps.sh)"
done
[ -x "$ROOT/$BUILD/tapir-viz" ] || die "$BUILD/tapir-viz is not built (make all)"
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT"

# ---- the scenario: what the client does, what the server does -------------------

response() { # an HTTP/1.0 answer of about 3 KB
	printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3000\r\n\r\n'
	head -c 3000 /dev/zero | tr '\0' 'x'
}

# server_input: what the server sends, on its standard input (EOF: it closes).
server_input() {
	case "$SCENARIO" in
	get) sleep 0.3; response ;;
	bulk) sleep 3 ;;
	close-client) sleep 1 ;;
	close-server) printf 'hello from the server\n' ;;
	esac
}

# The server reads its input from a FIFO that this script holds open (fd 3),
# so the scenario's clock (server_input) starts only once the server is
# ready: server_fifo before starting the server (with 3>&-: only the feeder
# may hold the writing end), server_feed once it is up.
server_fifo() {
	FIFO="$OUT/.server-input"
	rm -f "$FIFO"
	mkfifo "$FIFO"
	exec 3<>"$FIFO"
}

server_feed() {
	server_input >&3 3>&- &
	PIDS+=("$!")
	exec 3>&-
	rm -f "$FIFO"
}

# run_client NS: the kernel client, in namespace NS, talking to 10.0.0.2.
run_client() {
	local ns=$1
	case "$SCENARIO" in
	get) (printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1) |
		ip netns exec "$ns" socat -t 2 STDIO TCP:10.0.0.2:$PORT >/dev/null ;;
	bulk) head -c 1000000 /dev/zero |
		ip netns exec "$ns" socat -u STDIO TCP:10.0.0.2:$PORT ;;
	close-client) printf 'hello from the client\n' |
		ip netns exec "$ns" socat -u STDIO TCP:10.0.0.2:$PORT ;;
	close-server) ip netns exec "$ns" socat -u TCP:10.0.0.2:$PORT STDIO >/dev/null ;;
	esac
}

# start_capture NS IFACE FILE: tcpdump in the background until stop_capture.
start_capture() {
	ip netns exec "$1" tcpdump -i "$2" -U --immediate-mode -B 32768 -n -s 0 -w "$3" tcp \
		2>"$3.log" &
	CAPTURE_PID=$!
	PIDS+=("$CAPTURE_PID")
	for _ in $(seq 1 50); do
		grep -q "listening on" "$3.log" 2>/dev/null && return 0
		sleep 0.1
	done
	die "tcpdump did not start: $(cat "$3.log")"
}

# stop_capture FILE: returns 1 when tcpdump could not keep up (dropped packets).
stop_capture() {
	local dropped
	sleep 0.5
	kill -INT "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
	dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$1.log")
	if [ "${dropped:-0}" -gt 0 ]; then
		echo "compare-kernel.sh: tcpdump dropped $dropped packets of $1" >&2
		return 1
	fi
	return 0
}

wait_listen() { # wait_listen NS: until something listens on PORT there
	for _ in $(seq 1 50); do
		ip netns exec "$1" ss -ltn "sport = :$PORT" | grep -q LISTEN && return 0
		sleep 0.1
	done
	return 1
}

# ---- tapir's side ------------------------------------------------------------------
# tapir-nc -l serves the scenario on the lab TAP device. This is the one place
# that knows how to run tapir; the rest of the script is kernel-only.

run_tapir() {
	local nc="$ROOT/$BUILD/tapir-nc"
	if [ ! -x "$nc" ]; then
		echo "compare-kernel.sh: $BUILD/tapir-nc is not built: skipping the tapir run" >&2
		return 1
	fi
	"$ROOT/scripts/netns.sh" up "$LAB" || return 1
	ip -n "$LAB" link set lo up
	start_capture "$LAB" tap0 "$OUT/tapir.pcap"
	server_fifo
	ip netns exec "$LAB" "$nc" -l "$PORT" --graph "$OUT/tapir-live" \
		--trace "$OUT/tapir-live.jsonl" --pcap "$OUT/tapir-own.pcap" <"$FIFO" \
		>/dev/null 2>"$OUT/tapir-nc.log" 3>&- &
	local server=$!
	PIDS+=("$server")
	for _ in $(seq 1 50); do
		ip netns exec "$LAB" ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 && break
		sleep 0.1
	done
	server_feed
	run_client "$LAB"
	wait "$server"
	if ! stop_capture "$OUT/tapir.pcap"; then
		# tapir's own capture (--pcap) has every frame it sent and received.
		echo "compare-kernel.sh: using tapir's own capture instead" >&2
		cp "$OUT/tapir-own.pcap" "$OUT/tapir.pcap"
	fi
}

# ---- the kernel's side ---------------------------------------------------------------

run_kernel() {
	if ! ip netns add "$KCLI" || ! ip netns add "$KSRV"; then
		return 1
	fi
	ip link add veth0 netns "$KCLI" type veth peer name veth0 netns "$KSRV"
	ip -n "$KCLI" addr add 10.0.0.1/24 dev veth0
	ip -n "$KSRV" addr add 10.0.0.2/24 dev veth0
	for ns in "$KCLI" "$KSRV"; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set veth0 up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	done
	start_capture "$KCLI" veth0 "$OUT/kernel.pcap"
	server_fifo
	ip netns exec "$KSRV" socat -t 5 STDIO TCP-LISTEN:$PORT,reuseaddr <"$FIFO" >/dev/null 3>&- &
	local server=$!
	PIDS+=("$server")
	wait_listen "$KSRV" || die "the kernel server did not start"
	server_feed
	run_client "$KCLI"
	wait "$server"
	stop_capture "$OUT/kernel.pcap" || echo "compare-kernel.sh: the kernel capture is incomplete" >&2
}

echo "compare-kernel.sh: scenario $SCENARIO, results in $OUT"
run_kernel || die "the kernel run failed"
if run_tapir; then
	"$ROOT/$BUILD/tapir-viz" --compare "$OUT/tapir.pcap" "$OUT/kernel.pcap" --graph "$OUT"
else
	echo "compare-kernel.sh: drawing the kernel run alone" >&2
	"$ROOT/$BUILD/tapir-viz" "$OUT/kernel.pcap" --graph "$OUT/b"
fi
