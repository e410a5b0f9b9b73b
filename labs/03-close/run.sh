#!/usr/bin/env bash
# Lab 3 — the four-way close: by tapir, by the kernel, by both at once, and
# TIME-WAIT running out after 2 MSL.
set -u
. "$(dirname "$0")/../lib.sh"
lab_start
MSL=1 # seconds: TIME-WAIT lasts 2 s here instead of a minute

say "1. tapir-echo starts with --msl $MSL (so TIME-WAIT lasts $((2 * MSL)) s)"
tapir_start tapir-echo tapir-echo --msl "$MSL" --pcap "$OUT/tapir.pcap" \
	--trace "$OUT/trace.jsonl" --graph "$OUT/graphs" --log info
in_ns ping -c 1 -W 2 10.0.0.2 >/dev/null

say "2. tapir closes first: the daytime service (port 13) answers and closes"
# (-u: socat only reads, so it does not close its own side until tapir has.)
in_ns socat -u -T 2 TCP:10.0.0.2:13 - | tee "$OUT/daytime.txt"
in_ns ss -tan | tee "$OUT/ss-after-tapir-closed.txt" | sed 's/^/    kernel: /'

say "3. The kernel closes first: it sends a line to discard (port 9) and closes"
printf 'goodbye\n' | in_ns socat -t 1 - TCP:10.0.0.2:9
sleep 0.2
in_ns ss -tan | tee "$OUT/ss-after-kernel-closed.txt" | sed 's/^/    kernel: /'

say "4. Waiting $((2 * MSL + 1)) s: tapir's TIME-WAIT from step 2 runs out"
sleep $((2 * MSL + 1))
tapir_stop "$TAPIR_PID"

say "5. Both close at once: 500 ms of delay each way, so that the FINs cross"
# The handshake completes at the kernel about 2.5 s after tapir-nc starts
# (ARP, SYN, SYN-ACK, ACK, each delayed 500 ms); the kernel closes 1 s after
# that, tapir 3.5 s after its start: each FIN leaves before the other arrives.
in_ns socat TCP-LISTEN:5000,reuseaddr SYSTEM:"sleep 1" &
LAB_PIDS+=($!)
sleep 0.3
sleep 3.5 | in_ns "$BUILD/tapir-nc" --delay 500 --msl "$MSL" --pcap "$OUT/simultaneous.pcap" \
	--trace "$OUT/simultaneous.jsonl" --graph "$OUT/graphs-simultaneous" 10.0.0.1 5000 \
	2>"$OUT/tapir-nc.log"
in_ns ss -tan | tee "$OUT/ss-after-simultaneous.txt" | sed 's/^/    kernel: /'

say "tapir's side of every close, from its traces"
grep -h '"event":"tcp-state"' "$OUT/trace.jsonl" "$OUT/simultaneous.jsonl" |
	grep -v '"remote_port":0,' |
	sed 's/.*"local_port":\([0-9]*\),.*"remote_port":\([0-9]*\),"from":"\([^"]*\)","to":"\([^"]*\)","cause":"\([^"]*\)".*/    \1<->\2: \3 -> \4   (\5)/'
lab_done
