#!/usr/bin/env bash
# test_offload.sh — TCP in super-segments between tapir and the kernel
# (--offload: the TAP device's virtio-net header, TSO one way and large
# receive offload the other). The kernel takes tapir's 64 KiB super-segments
# and hands tapir its own; 10 MB arrive byte-exact from tapir-nc and through
# tapir-echo; tapir's pcap still shows only wire-size segments with good
# checksums while a capture on the kernel's side sees super-segments both
# ways; and with the fault injector on, offload stays off so every lost or
# reordered frame is one wire segment.
set -u
. "$(dirname "$0")/lib.sh"
tap_setup

head -c 10000000 /dev/urandom >"$WORK/10m.bin"

tso_count() { sed -n 's/^ *\([0-9]*\) TCP super-segments.*/\1/p' "$1" | head -n1; }

# kernel_capture_start FILE / kernel_capture_stop: tshark on the kernel's
# side of tap0. Not through in_ns, so that $! is tshark and SIGINT reaches it.
kernel_capture_start() {
	ip netns exec "$NS" tshark -q -i tap0 -s 128 -w "$1" >/dev/null 2>&1 &
	CAPTURE=$!
	PIDS+=("$CAPTURE")
	for _ in $(seq 1 50); do [ -s "$1" ] && break; sleep 0.1; done
	sleep 0.5
}
kernel_capture_stop() {
	sleep 0.5
	kill -INT "$CAPTURE" 2>/dev/null
	wait "$CAPTURE" 2>/dev/null
}
# wait_listen PORT: until a kernel listener is up on PORT (at most ~5 s).
wait_listen() {
	for _ in $(seq 1 50); do
		in_ns ss -ltn "sport = :$1" | grep -q LISTEN && return 0
		sleep 0.1
	done
	return 1
}
# frames_over_1514 PCAP SRC: frames from SRC longer than Ethernet allows.
frames_over_1514() {
	tshark -r "$1" -Y "ip.src==$2 && frame.len > 1514" 2>/dev/null | wc -l
}
# wire_faults PCAP: frames in tapir's own pcap that are too long, malformed
# or carry a bad IPv4 or TCP checksum.
wire_faults() {
	tshark -r "$1" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-Y "tcp.checksum.status==0 || ip.checksum.status==0 || _ws.malformed || frame.len > 1514" \
		2>/dev/null | wc -l
}

# ---- tapir-nc --offload -> kernel listener ------------------------------------------
in_ns timeout 60 socat -u TCP-LISTEN:5001,reuseaddr - >"$WORK/nc.out" &
listener=$!
wait_listen 5001
kernel_capture_start "$WORK/kernel-nc.pcap"
in_ns timeout 60 "$ROOT/$BUILD/tapir-nc" --offload --stats --pcap "$WORK/nc.pcap" \
	10.0.0.1 5001 <"$WORK/10m.bin" 2>"$WORK/nc.err"
check "tapir-nc --offload exits cleanly" test $? -eq 0
wait "$listener"
kernel_capture_stop
check "tapir-nc --offload -> kernel: 10 MB byte-exact" cmp -s "$WORK/10m.bin" "$WORK/nc.out"
n=$(tso_count "$WORK/nc.err")
check "tapir handed the kernel super-segments (--stats: ${n:-0})" test "${n:-0}" -gt 10
big=$(frames_over_1514 "$WORK/kernel-nc.pcap" 10.0.0.2)
check "the kernel's capture of tap0 sees tapir's super-segments ($big frames over 1514 bytes)" \
	test "$big" -gt 10
bad=$(wire_faults "$WORK/nc.pcap")
check "tapir's pcap shows wire-size segments only, every checksum good ($bad bad)" test "$bad" -eq 0
bytes=$(tshark -r "$WORK/nc.pcap" -Y "ip.src==10.0.0.2 && tcp.len > 0 && !tcp.analysis.retransmission" \
	-T fields -e tcp.len 2>/dev/null | awk '{s += $1} END {print s + 0}')
check "tapir's pcap carries all 10 MB in its segments ($bytes bytes)" test "$bytes" -eq 10000000

# ---- kernel -> tapir-echo --offload -> kernel ---------------------------------------
start_tapir echo tapir-echo --offload --stats --pcap "$WORK/echo.pcap"
pid=$TAPIR_PID
require "tapir-echo --offload is up" wait_reachable 10.0.0.2
kernel_capture_start "$WORK/kernel-echo.pcap"
in_ns timeout 60 socat -b 65536 -t 30 -T 30 - TCP:10.0.0.2:7 <"$WORK/10m.bin" >"$WORK/echo.out"
kernel_capture_stop
check "kernel -> tapir-echo --offload -> kernel: 10 MB back byte-exact" \
	cmp -s "$WORK/10m.bin" "$WORK/echo.out"
stop_tapir "$pid"
check "tapir-echo --offload exits cleanly" test $? -eq 0
big=$(frames_over_1514 "$WORK/kernel-echo.pcap" 10.0.0.1)
check "the kernel sent tapir super-segments ($big frames over 1514 bytes)" test "$big" -gt 10
bad=$(wire_faults "$WORK/echo.pcap")
check "tapir's pcap shows what it received as wire-size segments, checksums good ($bad bad)" \
	test "$bad" -eq 0
drops=$(stat_drops "$WORK/echo.err" tcp bad-checksum)
check "tapir finished every checksum the kernel left to it (bad-checksum drops: $drops)" \
	test "$drops" -eq 0
drops=$(stat_drops "$WORK/echo.err" link oversized)
check "no super-segment was refused as oversized ($drops)" test "$drops" -eq 0

# ---- with the fault injector, offload stays off -------------------------------------
# This also checks that the runs above left tap0 as they found it: a reader
# without virtio-net headers must get finished checksums from the kernel
# again (the offload setting outlives the file descriptor).
head -c 1000000 "$WORK/10m.bin" >"$WORK/1m.bin"
in_ns timeout 60 socat -u TCP-LISTEN:5002,reuseaddr - >"$WORK/faulty.out" &
listener=$!
wait_listen 5002
in_ns timeout 60 "$ROOT/$BUILD/tapir-nc" --offload --stats --loss 2 --reorder 2 --seed 5 \
	10.0.0.1 5002 <"$WORK/1m.bin" 2>"$WORK/faulty.err"
wait "$listener"
check "tapir-nc --offload --loss 2 --reorder 2: 1 MB byte-exact" \
	cmp -s "$WORK/1m.bin" "$WORK/faulty.out"
drops=$(stat_drops "$WORK/faulty.err" tcp bad-checksum)
check "after the offload runs, a plain reader gets finished checksums (bad-checksum drops: $drops)" \
	test "$drops" -eq 0
n=$(tso_count "$WORK/faulty.err")
check "with faults injected no super-segment was sent (${n:-0})" test "${n:-0}" -eq 0
tap_finish
