#!/usr/bin/env bash
# check.sh — did run.sh produce what Lab 3's questions rely on?
set -u
. "$(dirname "$0")/../lib.sh"
[ -d "$OUT" ] || { echo "no $OUT: run sudo ./run.sh first"; exit 1; }
tr=$OUT/trace.jsonl
port() { grep "\"local_port\":$1," "$tr"; }

expect "daytime: tapir went FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT" \
	bash -c "grep '\"local_port\":13,' '$tr' | grep -q '\"from\":\"FIN-WAIT-2\",\"to\":\"TIME-WAIT\"'"
expect "daytime: TIME-WAIT ended after 2 MSL (timeout=2MSL)" \
	bash -c "grep '\"local_port\":13,' '$tr' | grep -q '\"from\":\"TIME-WAIT\",\"to\":\"CLOSED\"'"
expect "discard: tapir went CLOSE-WAIT -> LAST-ACK -> CLOSED" \
	bash -c "grep '\"local_port\":9,' '$tr' | grep -q '\"from\":\"LAST-ACK\",\"to\":\"CLOSED\"'"
expect "after the kernel closed first, the kernel was in TIME-WAIT" \
	grep -q "TIME-WAIT.*10.0.0.2:9 " "$OUT/ss-after-kernel-closed.txt"
expect "after tapir closed first, the kernel held no TIME-WAIT for port 13" \
	bash -c "! grep -q 'TIME-WAIT.*10.0.0.2:13 ' '$OUT/ss-after-tapir-closed.txt'"
expect "simultaneous close: tapir went FIN-WAIT-1 -> CLOSING -> TIME-WAIT" \
	grep -q '"from":"CLOSING","to":"TIME-WAIT"' "$OUT/simultaneous.jsonl"
expect "simultaneous close: the FINs crossed on the wire (two FINs before any ACK of one)" \
	test "$(tshark_count "$OUT/simultaneous.pcap" 'tcp.flags.fin == 1')" -ge 2
expect "the graphs were drawn" test -s "$OUT/graphs/index.html"
check_done
