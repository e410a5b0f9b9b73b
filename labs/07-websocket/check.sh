#!/usr/bin/env bash
# check.sh — did run.sh produce what Lab 7's questions rely on?
set -u
. "$(dirname "$0")/../lib.sh"
[ -d "$OUT" ] || { echo "no $OUT: run sudo ./run.sh first"; exit 1; }
p=$OUT/ws.pcap
count() { tshark_count "$p" "$1"; }
c=$OUT/client.txt

# Every Sec-WebSocket-Key in the capture, with the Accept of the same
# connection (tcp.stream KEY ACCEPT), and the check that each Accept is
# base64(SHA-1(key + GUID)) (RFC 6455 4.2.2).
accept_pairs() {
	join <(tshark -r "$p" -Y http.sec_websocket_key -T fields -e tcp.stream -e http.sec_websocket_key \
		2>/dev/null | sort) \
		<(tshark -r "$p" -Y http.sec_websocket_accept -T fields -e tcp.stream \
			-e http.sec_websocket_accept 2>/dev/null | sort)
}
accepts_recomputed() {
	accept_pairs | /usr/bin/python3 -c '
import base64, hashlib, sys
pairs = [line.split() for line in sys.stdin if line.strip()]
guid = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
good = [base64.b64encode(hashlib.sha1(k.encode() + guid).digest()).decode() == a for _, k, a in pairs]
sys.exit(0 if len(good) == 3 and all(good) else 1)'
}
# first_fin_from_server: for every WebSocket connection, tapir (port 80) sent the first FIN.
first_fin_from_server() {
	local stream port
	for stream in $(tshark -r "$p" -Y http.sec_websocket_key -T fields -e tcp.stream 2>/dev/null); do
		port=$(tshark -r "$p" -Y "tcp.stream == $stream && tcp.flags.fin == 1" -T fields \
			-e tcp.srcport 2>/dev/null | head -n 1)
		[ "$port" = 80 ] || return 1
	done
}

expect "the upgrade request and the 101 Switching Protocols are in the capture" \
	test "$(count 'http.upgrade == "websocket" && http.request')" -eq 3 -a \
	"$(count 'http.response.code == 101')" -eq 3
expect "every Sec-WebSocket-Accept is base64(SHA-1(key + 258EAFA5-...)) of its key" \
	accepts_recomputed
expect "the client got its text back as text, and its binary back as binary" \
	bash -c "grep -q 'echoed as text: \"hello, tapir\"' '$c' && grep -q 'echoed as binary: deadbeef' '$c'"
expect "text (opcode 1) and binary (opcode 2) frames go both ways" \
	test "$(count 'websocket.opcode == 1')" -ge 4 -a "$(count 'websocket.opcode == 2')" -eq 2
expect "the 300-byte message uses the 16-bit extended length (126, then 300), both ways" \
	test "$(count 'websocket.payload_length == 126 && websocket.payload_length_ext_16 == 300')" -eq 2
expect "the client's frames are masked, tapir's are not (the bad client's one aside)" \
	test "$(count 'websocket && tcp.dstport == 80 && websocket.mask == 0')" -eq 1 -a \
	"$(count 'websocket && tcp.srcport == 80 && websocket.mask == 1')" -eq 0
expect "a ping (opcode 9) is answered by a pong (opcode 10) with the same data" \
	bash -c "grep -q 'pong received: \"are you there?\"' '$c' &&
	         [ \$(tshark -r '$p' -Y 'websocket.opcode == 10' 2>/dev/null | wc -l) -eq 1 ]"
expect "the close handshake: close 1000 each way, reason \"lesson over\"" \
	bash -c "[ \$(tshark -r '$p' -Y 'websocket.payload.close.status_code == 1000' 2>/dev/null | wc -l) -eq 2 ] &&
	         grep -q 'closed: code 1000, reason \"lesson over\"' '$c'"
expect "close() with no code: empty close frames each way, the API reports 1005" \
	bash -c "[ \$(tshark -r '$p' -Y 'websocket.opcode == 8 && websocket.payload_length == 0' 2>/dev/null | wc -l) -eq 2 ] &&
	         grep -q 'the API reports 1005' '$c'"
expect "the unmasked frame is answered with close 1002, then tapir ends TCP (bad-frame.txt)" \
	bash -c "grep -q 'code 1002' '$OUT/bad-frame.txt' && grep -q 'closed the TCP connection' '$OUT/bad-frame.txt' &&
	         [ \$(tshark -r '$p' -Y 'tcp.srcport == 80 && websocket.payload.close.status_code == 1002' 2>/dev/null | wc -l) -eq 1 ]"
expect "after each close handshake tapir, the server, sent the first TCP FIN" first_fin_from_server
expect "the trace has the ready-states CONNECTING -> OPEN -> CLOSING -> CLOSED" \
	bash -c "grep -q 'ready-state CONNECTING -> OPEN' '$OUT/ws-events.txt' &&
	         grep -q 'ready-state OPEN -> CLOSING  (rcv Close / snd Close)' '$OUT/ws-events.txt' &&
	         grep -q 'ready-state CLOSING -> CLOSED' '$OUT/ws-events.txt'"
expect "the trace has the violation (unmasked) closed with 1002" \
	grep -q '"what":"violation",.*"code":1002,.*"reason":"unmasked"' "$OUT/trace.jsonl"
expect "the graphs were drawn" test -s "$OUT/graphs/index.html"
check_done
