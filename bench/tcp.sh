#!/usr/bin/env bash
# tcp.sh — bulk TCP throughput over the lab TAP link, with its references
# measured in the same run, and the memory of 10,000 idle connections:
#   kernel -> tapir   socat sends MB to tapir-echo's discard port (9)
#   tapir -> kernel   socat reads MB from tapir-echo's chargen port (19)
#   --offload         both again with tapir-echo --offload (TCP super-segments)
#   raw TAP ceiling   tap_raw: frames read (sink) / written (source), no stack
#   kernel -> kernel  socat over a veth pair between two namespaces
#   CPU               tapir's user+system seconds per wall second in each run
#   idle connections  tapir-echo's resident memory before and after
#                     10,000 idle connections (bench/idle_conns.py)
# The table is printed and appended to bench/RESULTS.md.
#
#   sudo bench/tcp.sh [MB] [CONNECTIONS]      (make bench builds the helpers)
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-200}
nconn=${2:-10000}
build=${TAPIR_BUILD:-build}
ns="tpbt-$$"
nsk="tpbtk-$$"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	scripts/netns.sh down "$ns" >/dev/null 2>&1 || true
	ip netns del "$nsk" 2>/dev/null || true
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
scripts/netns.sh up "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# mbps SECONDS -> MB/s for $mb megabytes
mbps() { awk -v mb="$mb" -v s="$1" 'BEGIN { printf "%.1f", mb / s }'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
hz=$(getconf CLK_TCK)

# Every rate is the median of $runs runs (one run of this path varies by up
# to a factor of two on a shared 2-core machine); CPU is over all the runs.
runs=${RUNS:-3}
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# transfer in|out: one run of $mb MB to tapir's discard port (in) or from
# its chargen port (out); prints the seconds it took.
transfer() {
	local t0
	t0=$(now)
	if [ "$1" = in ]; then
		head -c "${mb}000000" /dev/zero | in_ns socat -u -b 65536 - TCP:10.0.0.2:9
	else
		(in_ns socat -u -b 65536 TCP:10.0.0.2:19 - 2>/dev/null || true) |
			head -c "${mb}000000" >/dev/null
	fi
	elapsed "$t0"
}

# measure PID in|out: "MEDIAN-MB/s CPU%" over $runs transfers.
measure() {
	local pid=$1 rates=() c0 secs total=0
	c0=$(cpu_ticks "$pid")
	for _ in $(seq 1 "$runs"); do
		secs=$(transfer "$2")
		rates+=("$(mbps "$secs")")
		total=$(awk -v a="$total" -v b="$secs" 'BEGIN { print a + b }')
	done
	echo "$(median "${rates[@]}") $(awk -v c="$(( $(cpu_ticks "$pid") - c0 ))" -v hz="$hz" \
		-v s="$total" 'BEGIN { printf "%.0f%%", 100 * c / hz / s }')"
	echo "  $2 runs: ${rates[*]} MB/s" >&2
}

# start_echo ARGS...: a tapir-echo in the namespace; sets TAPIR.
start_echo() {
	ip netns exec "$ns" "$build/tapir-echo" -B 1024 "$@" &
	TAPIR=$!
	pids+=("$TAPIR")
	sleep 0.5
	in_ns ping -c 1 -W 2 10.0.0.2 >/dev/null
}
stop_echo() {
	kill "$TAPIR"
	wait "$TAPIR" 2>/dev/null || true
}

# ---- tapir, wire-size frames, then with --offload (TCP super-segments) -------------
start_echo
read -r to_tapir to_tapir_cpu < <(measure "$TAPIR" in)
read -r from_tapir from_tapir_cpu < <(measure "$TAPIR" out)
stop_echo
start_echo --offload
read -r off_in off_in_cpu < <(measure "$TAPIR" in)
read -r off_out off_out_cpu < <(measure "$TAPIR" out)
stop_echo

# ---- memory per idle connection ----------------------------------------------------
start_echo
tapir=$TAPIR
rss0=$(rss_kb "$tapir")
coproc IDLE { ip netns exec "$ns" /usr/bin/python3 bench/idle_conns.py 10.0.0.2 9 "$nconn"; }
read -r ready made <&"${IDLE[0]}" || true
echo "idle connections: $ready $made" >&2
sleep 1
rss1=$(rss_kb "$tapir")
echo "" >&"${IDLE[1]}"
wait "$IDLE_PID" 2>/dev/null || true
per_conn=$(awk -v a="$rss0" -v b="$rss1" -v n="${made:-0}" \
	'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1024 / n; else print "-" }')
kill "$tapir"
wait "$tapir" 2>/dev/null || true

# ---- the raw TAP ceiling ------------------------------------------------------------
ip -n "$ns" neigh replace 10.0.0.2 lladdr 02:54:41:50:00:02 dev tap0
raws_out=()
raws_in=()
for _ in $(seq 1 "$runs"); do
	raws_out+=("$(in_ns "$build/bench/tap_raw" source tap0 "$mb" | sed -n 's/.*: \([0-9.]*\) MB\/s/\1/p')")
	ip netns exec "$ns" "$build/bench/tap_raw" sink tap0 3 >"/tmp/tpbt-sink.$$" &
	sink=$!
	sleep 0.3
	in_ns "$build/bench/udp_pingpong" blast 10.0.0.2 9 4 1472 >/dev/null
	wait "$sink" || true
	raws_in+=("$(sed -n 's/.*s: \([0-9.]*\) MB\/s.*/\1/p' "/tmp/tpbt-sink.$$")")
	rm -f "/tmp/tpbt-sink.$$"
done
raw_out=$(median "${raws_out[@]}")
raw_in=$(median "${raws_in[@]}")
echo "  raw runs: in ${raws_in[*]}, out ${raws_out[*]} MB/s" >&2

# ---- the kernel to itself over veth ---------------------------------------------------
ip netns add "$nsk"
ip link add "vt$$" netns "$ns" type veth peer name "vk$$" netns "$nsk"
ip -n "$ns" addr add 10.0.1.1/24 dev "vt$$"
ip -n "$nsk" addr add 10.0.1.2/24 dev "vk$$"
ip -n "$ns" link set "vt$$" up
ip -n "$nsk" link set "vk$$" up
ip netns exec "$nsk" socat -u TCP-LISTEN:9,reuseaddr,fork /dev/null &
pids+=($!)
sleep 0.3
kernel_rates=()
for _ in $(seq 1 "$runs"); do
	t0=$(now)
	head -c "${mb}000000" /dev/zero | in_ns socat -u -b 65536 - TCP:10.0.1.2:9
	kernel_rates+=("$(mbps "$(elapsed "$t0")")")
done
kernel=$(median "${kernel_rates[@]}")

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
table=$(cat <<TABLE

### TCP bulk throughput and idle connections — $(date -u +%Y-%m-%d), $(nproc) cores, $cpu, kernel $(uname -r)

\`sudo bench/tcp.sh $mb $nconn\` — $mb MB each way; each rate is the median of $runs runs.
The raw TAP programs only read or write frames: the ceiling a stack on this link can approach.

| path | MB/s | / raw TAP | tapir CPU |
| --- | --- | --- | --- |
| kernel -> tapir (socat to tapir-echo discard) | $to_tapir | $(ratio "$to_tapir" "$raw_in") | $to_tapir_cpu |
| tapir -> kernel (socat from tapir-echo chargen) | $from_tapir | $(ratio "$from_tapir" "$raw_out") | $from_tapir_cpu |
| kernel -> tapir, \`--offload\` (64 KiB super-segments) | $off_in | $(ratio "$off_in" "$raw_in") | $off_in_cpu |
| tapir -> kernel, \`--offload\` (64 KiB super-segments) | $off_out | $(ratio "$off_out" "$raw_out") | $off_out_cpu |
| raw TAP, kernel -> reader (tap_raw sink; UDP blast with sendmmsg, 1472 B) | $raw_in | 1 | - |
| raw TAP, writer -> kernel (tap_raw source, 1514-byte frames) | $raw_out | 1 | - |
| kernel -> kernel over veth (socat) | $kernel | - | - |

Idle connections: ${made:-0} of $nconn held open; tapir-echo's resident memory went from
$((rss0 / 1024)) MiB to $((rss1 / 1024)) MiB, about $per_conn bytes per idle connection.
TABLE
)
echo "$table"
echo "$table" >>bench/RESULTS.md
