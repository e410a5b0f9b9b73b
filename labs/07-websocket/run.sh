#!/usr/bin/env bash
# Lab 7 — WebSocket on tapir: Node's `ws` client (the kernel) talks to
# tapir-httpd's /ws/echo: the Upgrade handshake, text and binary messages,
# ping/pong, the close handshake; then a client that sends an unmasked frame
# and is closed with 1002.
set -u
. "$(dirname "$0")/../lib.sh"
lab_start
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

say "1. tapir-httpd serves WebSocket echo on ws://10.0.0.2/ws/echo"
tapir_start tapir-httpd tapir-httpd --pcap "$OUT/ws.pcap" --trace "$OUT/trace.jsonl" \
	--graph "$OUT/graphs"
in_ns ping -c 1 -W 2 10.0.0.2 >/dev/null

say "2. Node's ws client: handshake, text, binary, 300 bytes, ping, close 1000; then close() with no code"
in_ns timeout 20 node "$LAB/client.js" ws://10.0.0.2/ws/echo | tee "$OUT/client.txt" | sed 's/^/    /'

say "3. A client that sends a frame without a mask (RFC 6455 5.1 forbids it)"
in_ns timeout 20 /usr/bin/python3 "$LAB/bad_frame.py" 10.0.0.2 80 /ws/echo |
	tee "$OUT/bad-frame.txt" | sed 's/^/    /'
sleep 0.3
tapir_stop "$TAPIR_PID"

say "tapir's side of each connection, from its trace (ws-events.txt)"
/usr/bin/python3 "$LAB/events.py" "$OUT/trace.jsonl" | tee "$OUT/ws-events.txt" | sed 's/^/    /'
lab_done
