#!/usr/bin/env bash
# udp.sh — UDP echo round trips per second from a kernel socket to:
#   1. tapir-echo over the TAP link,
#   2. tap_raw reflect over the same TAP link (no stack: the raw TAP ceiling),
#   3. the Linux kernel's own UDP (udp_pingpong server) over a veth pair.
# All three are measured in the same run; the table goes to stdout and is
# appended to bench/RESULTS.md with the machine and the command.
#
#   sudo bench/udp.sh [COUNT]        (make bench builds the helpers first)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-20000}
build=${TAPIR_BUILD:-build}
ns="tpb-$$"
nsk="tpbk-$$"
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
client() { ip netns exec "$ns" "$build/bench/udp_pingpong" client "$1" 7 "$count" "$2"; }
rate() { sed -n 's/.*: \([0-9]*\) per second.*/\1/p'; }

declare -A result
ip netns exec "$ns" "$build/tapir-echo" &
pids+=($!)
sleep 0.5
ip netns exec "$ns" ping -c 1 -W 2 10.0.0.2 >/dev/null
for size in 64 1024; do
	result[tapir,$size]=$(client 10.0.0.2 $size | tee /dev/stderr | rate)
done
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

ip -n "$ns" neigh replace 10.0.0.2 lladdr 02:54:41:50:00:02 dev tap0
ip netns exec "$ns" "$build/bench/tap_raw" reflect tap0 &
pids+=($!)
sleep 0.3
for size in 64 1024; do
	result[raw,$size]=$(client 10.0.0.2 $size | tee /dev/stderr | rate)
done

ip netns add "$nsk"
ip link add "vb$$" netns "$ns" type veth peer name "vk$$" netns "$nsk"
ip -n "$ns" addr add 10.0.1.1/24 dev "vb$$"
ip -n "$nsk" addr add 10.0.1.2/24 dev "vk$$"
ip -n "$ns" link set "vb$$" up
ip -n "$nsk" link set "vk$$" up
ip -n "$nsk" link set lo up
ip netns exec "$nsk" "$build/bench/udp_pingpong" server 7 &
pids+=($!)
sleep 0.3
for size in 64 1024; do
	result[kernel,$size]=$(client 10.0.1.2 $size | tee /dev/stderr | rate)
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
table=$(cat <<TABLE

### UDP echo round trips per second — $(date -u +%Y-%m-%d), $(nproc) cores, $cpu, kernel $(uname -r)

\`sudo bench/udp.sh $count\` — a kernel UDP socket sends a datagram and waits for its echo, $count times.

| payload | tapir-echo over TAP | raw TAP reflector (ceiling) | Linux kernel over veth | tapir / raw TAP |
| --- | --- | --- | --- | --- |
| 64 B | ${result[tapir,64]} | ${result[raw,64]} | ${result[kernel,64]} | $(awk -v a="${result[tapir,64]}" -v b="${result[raw,64]}" 'BEGIN{printf "%.2f", a/b}') |
| 1024 B | ${result[tapir,1024]} | ${result[raw,1024]} | ${result[kernel,1024]} | $(awk -v a="${result[tapir,1024]}" -v b="${result[raw,1024]}" 'BEGIN{printf "%.2f", a/b}') |
TABLE
)
echo "$table"
echo "$table" >>bench/RESULTS.md
