#!/usr/bin/env bash
# check.sh — did run.sh produce what Lab 8's questions rely on?
set -u
. "$(dirname "$0")/../lib.sh"
[ -d "$OUT" ] || { echo "no $OUT: run sudo ./run.sh first"; exit 1; }
PORT=5080 # the server's port in scripts/compare-kernel.sh

# first_fin_from SCENARIO STACK: "server" or "client", whoever sent the first FIN.
first_fin_from() {
	local port
	port=$(tshark -r "$OUT/$1/$2.pcap" -Y 'tcp.flags.fin == 1' -T fields -e tcp.srcport 2>/dev/null |
		head -n 1)
	if [ "$port" = "$PORT" ]; then echo server; elif [ -n "$port" ]; then echo client; fi
}
# bytes_from SCENARIO STACK SIDE-FILTER: data bytes sent, retransmissions left out.
bytes_from() {
	tshark -r "$OUT/$1/$2.pcap" -Y "$3 && tcp.len > 0 && !tcp.analysis.retransmission" \
		-T fields -e tcp.len 2>/dev/null | awk '{ n += $1 } END { print n + 0 }'
}
# has_everything DIR: both captures, the comparison with its ladders, each run's pictures.
has_everything() {
	[ -s "$1/tapir.pcap" ] && [ -s "$1/kernel.pcap" ] && grep -q '<svg' "$1/compare.html" &&
		[ -s "$1/a/index.html" ] && [ -s "$1/b/index.html" ] && [ -s "$1/tapir-live/index.html" ]
}
# has_rows FILE: the rows of the comparison table the questions ask about.
has_rows() {
	local row
	for row in 'options in the SYN' 'window (server)' 'ISN (server)' 'ACK strategy' \
		'first FIN sent by' 'state path'; do
		grep -q "$row" "$1" || return 1
	done
}

for scenario in get close-client close-server bulk; do
	d=$OUT/$scenario
	expect "$scenario: both captures, the comparison and each run's pictures are there" has_everything "$d"
	expect "$scenario: the comparison has the rows the questions use" has_rows "$d/compare.html"
	for stack in tapir kernel; do
		expect "$scenario, $stack: the server's SYN,ACK offers window scaling" \
			test "$(tshark_count "$d/$stack.pcap" 'tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.options.wscale.shift')" -eq 1
	done
done
for stack in tapir kernel; do
	expect "get, $stack: the server sent the first FIN" test "$(first_fin_from get "$stack")" = server
	expect "get, $stack: the client got the answer, head and 3000 bytes (3067)" \
		test "$(bytes_from get "$stack" "tcp.srcport == $PORT")" -eq 3067
	expect "close-client, $stack: the client sent the first FIN" \
		test "$(first_fin_from close-client "$stack")" = client
	expect "close-server, $stack: the server sent the first FIN" \
		test "$(first_fin_from close-server "$stack")" = server
	expect "bulk, $stack: 1000000 bytes went to the server, then the client closed first" \
		test "$(bytes_from bulk "$stack" "tcp.dstport == $PORT")" -eq 1000000 -a \
		"$(first_fin_from bulk "$stack")" = client
done
segments=$(tshark_count "$OUT/bulk/tapir.pcap" "tcp.dstport == $PORT && tcp.len > 0")
acks=$(tshark_count "$OUT/bulk/tapir.pcap" "tcp.srcport == $PORT && tcp.len == 0 && tcp.flags.ack == 1")
expect "bulk, tapir: an ACK at least every second data segment ($segments segments, $acks ACKs)" \
	test $((2 * acks)) -ge "$segments"
expect "get: tapir's own trace has it, the server, go to TIME-WAIT" \
	grep -q '"from":"FIN-WAIT-2","to":"TIME-WAIT"' "$OUT/get/tapir-live.jsonl"
expect "close-client: tapir's own trace has it, the server, go LAST-ACK -> CLOSED" \
	grep -q '"from":"LAST-ACK","to":"CLOSED"' "$OUT/close-client/tapir-live.jsonl"
expect "the segments are listed as text for both runs (SCENARIO/tapir.txt, kernel.txt)" \
	bash -c "grep -q 'SYN, ACK' '$OUT/get/tapir.txt' && grep -q 'SYN, ACK' '$OUT/get/kernel.txt'"
expect "index.html links the four comparisons" \
	test "$(grep -c 'compare.html' "$OUT/index.html")" -eq 4
check_done
