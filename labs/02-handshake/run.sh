#!/usr/bin/env bash
# Lab 2 — the three-way handshake, and a SYN to a closed port.
set -u
. "$(dirname "$0")/../lib.sh"
lab_start

kernel_capture_start "$OUT/kernel-view.pcap"
say "1. tapir listens (tapir-echo: TCP echo on port 7, and more)"
tapir_start tapir-echo tapir-echo --pcap "$OUT/tapir.pcap" --trace "$OUT/trace.jsonl" \
	--graph "$OUT/graphs" --log info
in_ns ping -c 1 -W 2 10.0.0.2 >/dev/null

say "2. The kernel connects to 10.0.0.2:7, sends one line, reads the echo, and closes"
printf 'hello, handshake\n' | in_ns socat -t 1 - TCP:10.0.0.2:7 | tee "$OUT/echo.txt"

say "3. The kernel connects to port 8, where nobody listens"
in_ns socat -T 2 - TCP:10.0.0.2:8 </dev/null 2>&1 | tee "$OUT/refused.txt"

say "4. tapir connects to the kernel (tapir-nc to a kernel listener on port 5000)"
tapir_stop "$TAPIR_PID"
in_ns socat -u TCP-LISTEN:5000,reuseaddr - >"$OUT/kernel-received.txt" &
LAB_PIDS+=($!)
sleep 0.3
printf 'hello from tapir\n' | in_ns "$BUILD/tapir-nc" --pcap "$OUT/tapir-nc.pcap" \
	--trace "$OUT/tapir-nc.jsonl" --graph "$OUT/graphs-nc" 10.0.0.1 5000 2>"$OUT/tapir-nc.log"
kernel_capture_stop

say "The handshakes, as tapir's trace tells them"
grep -h '"event":"tcp-state"' "$OUT/trace.jsonl" "$OUT/tapir-nc.jsonl" | grep -v '"remote_port":0,' |
	sed 's/.*"conn":\([0-9]*\),.*"remote_port":\([0-9]*\),"from":"\([^"]*\)","to":"\([^"]*\)","cause":"\([^"]*\)".*/    conn \1 (peer port \2): \3 -> \4   (\5)/'
lab_done
