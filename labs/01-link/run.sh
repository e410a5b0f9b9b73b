#!/usr/bin/env bash
# Lab 1 — the link layer: ARP resolution and ping, in both directions.
set -u
. "$(dirname "$0")/../lib.sh"
lab_start

kernel_capture_start "$OUT/kernel-view.pcap"

say "1. tapir starts (tapir-echo) and announces itself with a gratuitous ARP"
tapir_start tapir-echo tapir-echo --pcap "$OUT/tapir-echo.pcap" --trace "$OUT/tapir-echo.jsonl" \
	--log info --stats
in_ns ip neigh show dev tap0 | sed 's/^/    kernel neighbour table: /'

say "2. The kernel pings tapir 3 times (it must first learn tapir's MAC with ARP)"
in_ns ping -c 3 -i 0.5 10.0.0.2 | tee "$OUT/kernel-ping.txt"
in_ns ip neigh show dev tap0 | tee "$OUT/kernel-neighbours.txt" | sed 's/^/    kernel neighbour table: /'
tapir_stop "$TAPIR_PID"

say "3. tapir pings the kernel 3 times (a new tapir, with an empty ARP cache)"
in_ns "$BUILD/tapir-ping" -c 3 -i 0.5 --pcap "$OUT/tapir-ping.pcap" \
	--trace "$OUT/tapir-ping.jsonl" --log info 10.0.0.1 2>"$OUT/tapir-ping.log" |
	tee "$OUT/tapir-ping.txt"

kernel_capture_stop
say "What tapir logged"
grep -h ' arp \| icmp ' "$OUT/tapir-echo.log" "$OUT/tapir-ping.log" | sed 's/^/    /'
lab_done
