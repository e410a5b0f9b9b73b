#!/usr/bin/env bash
# ws.sh — WebSocket echo throughput: messages per second and MB/s (message
# payload echoed back, counted once) for 16-byte and 64 KiB binary messages,
# with 1 client and with many, from Node's `ws` client in the kernel to:
#   1. tapir's /ws/echo over the TAP link (tapir-httpd if it has the route,
#      else tapir-ws --serve),
#   2. a Node `ws` echo server on the kernel's own stack (loopback in the
#      same namespace) — the reference, and a hint of how much of the
#      ceiling is the Node client itself.
# Each client keeps a window of messages in flight. The table goes to stdout
# and is appended to bench/RESULTS.md with the machine and the command.
#
#   sudo bench/ws.sh [SECONDS] [MANY]        (make all first)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
many=${2:-16}
build=${TAPIR_BUILD:-build}
ns="tpw-$$"
pids=()
tmp=$(mktemp -d)
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	scripts/netns.sh down "$ns" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
node -e "require('ws')" || { echo "bench: needs Node's ws (scripts/deps.sh)" >&2; exit 1; }

# The load: N clients, each with WINDOW binary messages of SIZE bytes in flight.
cat >"$tmp/load.js" <<'JS'
'use strict';
const WebSocket = require('ws');
const [url, clients, size, seconds, window] = process.argv.slice(2).map((v, i) => i ? Number(v) : v);
const payload = require('crypto').randomBytes(size);
let msgs = 0, bytes = 0, measuring = false, done = false, open = 0;
function client() {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 24 });
  ws.on('open', () => {
    if (++open === clients) start();
    for (let i = 0; i < window; i++) ws.send(payload);
  });
  ws.on('message', (data) => {
    if (measuring) { msgs++; bytes += data.length; }
    if (!done) ws.send(payload);
  });
  ws.on('error', (e) => { console.error(e.message); process.exit(1); });
}
function start() {
  setTimeout(() => { measuring = true; }, 500); // warm up
  setTimeout(() => {
    done = true;
    console.log(JSON.stringify({ msgs: msgs / seconds, mbs: bytes / seconds / 1e6 }));
    process.exit(0);
  }, 500 + seconds * 1000);
}
for (let i = 0; i < clients; i++) client();
JS
cat >"$tmp/server.js" <<'JS'
'use strict';
const WebSocket = require('ws');
const wss = new WebSocket.WebSocketServer({ port: Number(process.argv[2]), perMessageDeflate: false, maxPayload: 1 << 24 });
wss.on('connection', (ws) => ws.on('message', (d, bin) => ws.send(d, { binary: bin })));
wss.on('listening', () => console.log('listening'));
JS

scripts/netns.sh up "$ns"
ip netns exec "$ns" ip link set lo up
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# run NAME URL CLIENTS SIZE WINDOW [PID]: one measurement; "msgs/s MB/s cpu%".
run() {
	local url=$2 clients=$3 size=$4 window=$5 pid=${6:-} c0 c1 out
	[ -n "$pid" ] && c0=$(cpu_ticks "$pid")
	out=$(ip netns exec "$ns" node "$tmp/load.js" "$url" "$clients" "$size" "$seconds" "$window")
	[ -n "$pid" ] && c1=$(cpu_ticks "$pid")
	local cpu="-"
	[ -n "$pid" ] && cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" -v s="$seconds" \
		'BEGIN{printf "%.0f%%", (b - a) / hz / (s + 0.5) * 100}')
	node -e "const r=JSON.parse(process.argv[1]); console.log(Math.round(r.msgs) + ' ' + r.mbs.toFixed(1) + ' $cpu')" "$out"
	echo "# $1: $(node -e "const r=JSON.parse(process.argv[1]); console.log(Math.round(r.msgs) + ' msg/s, ' + r.mbs.toFixed(1) + ' MB/s')" "$out"), tapir CPU $cpu" >&2
}

if "$build/tapir-httpd" --help 2>&1 | grep -q "/ws/echo"; then
	server=("$build/tapir-httpd" --quiet)
else
	server=("$build/tapir-ws" --serve)
fi
ip netns exec "$ns" "${server[@]}" >/dev/null 2>&1 &
tapir_pid=$!
pids+=("$tapir_pid")
sleep 0.5
ip netns exec "$ns" ping -c 1 -W 2 10.0.0.2 >/dev/null

ip netns exec "$ns" node "$tmp/server.js" 9000 >"$tmp/server.out" &
pids+=($!)
for _ in $(seq 1 50); do grep -q listening "$tmp/server.out" && break; sleep 0.1; done

declare -A r
for kind in tapir kernel; do
	if [ "$kind" = tapir ]; then url=ws://10.0.0.2/ws/echo pid=$tapir_pid; else url=ws://127.0.0.1:9000/ pid=""; fi
	r[$kind,16,1]=$(run "$kind 16 B x1" "$url" 1 16 64 "$pid")
	r[$kind,16,n]=$(run "$kind 16 B x$many" "$url" "$many" 16 16 "$pid")
	r[$kind,65536,1]=$(run "$kind 64 KiB x1" "$url" 1 65536 4 "$pid")
	r[$kind,65536,n]=$(run "$kind 64 KiB x$many" "$url" "$many" 65536 2 "$pid")
done

row() { # row LABEL SIZE N
	read -r tm tb tc <<<"${r[tapir,$2,$3]}"
	read -r km kb _ <<<"${r[kernel,$2,$3]}"
	echo "| $1 | $tm | $tb | $tc | $km | $kb |"
}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
table=$(cat <<TABLE

### WebSocket echo — $(date -u +%Y-%m-%d), $(nproc) cores, $cpu, kernel $(uname -r)

\`sudo bench/ws.sh $seconds $many\` — Node's ws client (binary messages, a window in flight per
client: 64 / 16 for 16 B, 4 / 2 for 64 KiB) for $seconds s against ${server[0]##*/}'s /ws/echo over
TAP, and against a Node ws echo server on the kernel's loopback. MB/s counts the echoed payload once.

| load | tapir msg/s | tapir MB/s | tapir CPU | kernel+Node msg/s | kernel+Node MB/s |
| --- | --- | --- | --- | --- | --- |
$(row "16 B, 1 client" 16 1)
$(row "16 B, $many clients" 16 n)
$(row "64 KiB, 1 client" 65536 1)
$(row "64 KiB, $many clients" 65536 n)
TABLE
)
echo "$table"
echo "$table" >>bench/RESULTS.md
