#!/usr/bin/env bash
# check.sh — did run.sh produce what Lab 2's questions rely on?
set -u
. "$(dirname "$0")/../lib.sh"
[ -d "$OUT" ] || { echo "no $OUT: run sudo ./run.sh first"; exit 1; }
t=$OUT/tapir.pcap

syn=$(tshark -r "$t" -Y 'tcp.flags == 0x002 && tcp.dstport == 7' -T fields -e tcp.seq_raw 2>/dev/null | head -1)
synack=$(tshark -r "$t" -Y 'tcp.flags == 0x012 && tcp.srcport == 7' -T fields -e tcp.seq_raw -e tcp.ack_raw 2>/dev/null | head -1)
read -r y ack1 <<<"$synack"
ack=$(tshark -r "$t" -Y "tcp.flags == 0x010 && tcp.dstport == 7 && tcp.ack_raw == $((y + 1))" -T fields -e tcp.seq_raw 2>/dev/null | head -1)
expect "the kernel's SYN to port 7 is captured (seq x = $syn)" test -n "$syn"
expect "tapir's SYN,ACK acknowledges x+1 (ack = $ack1)" test "$ack1" = "$((syn + 1))"
expect "the kernel's ACK acknowledges y+1 and carries seq x+1" test "$ack" = "$((syn + 1))"
expect "tapir's SYN,ACK offers an MSS option" \
	test "$(tshark_count "$t" 'tcp.flags == 0x012 && tcp.options.mss_val')" -ge 1
expect "the SYN to closed port 8 is answered with RST,ACK" \
	test "$(tshark_count "$t" 'tcp.srcport == 8 && tcp.flags.reset == 1')" -ge 1
expect "the echo came back" grep -q "hello, handshake" "$OUT/echo.txt"
expect "the kernel got tapir-nc's line" grep -q "hello from tapir" "$OUT/kernel-received.txt"
expect "the trace has LISTEN -> SYN-RECEIVED -> ESTABLISHED" \
	grep -q '"from":"SYN-RECEIVED","to":"ESTABLISHED"' "$OUT/trace.jsonl"
expect "tapir-nc's trace has SYN-SENT -> ESTABLISHED" \
	grep -q '"from":"SYN-SENT","to":"ESTABLISHED"' "$OUT/tapir-nc.jsonl"
expect "the graphs were drawn (index.html)" test -s "$OUT/graphs/index.html"
check_done
