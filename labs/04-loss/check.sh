#!/usr/bin/env bash
# check.sh — did run.sh produce what Lab 4's questions rely on?
set -u
. "$(dirname "$0")/../lib.sh"
[ -d "$OUT" ] || { echo "no $OUT: run sudo ./run.sh first"; exit 1; }
expect "tapir retransmitted under loss (retransmission flags in the trace)" \
	grep -q '"retransmission":true' "$OUT/loss.jsonl"
expect "fast retransmit happened" grep -q '"timer":"fast retransmit"' "$OUT/loss.jsonl"
expect "retransmission timeouts happened" grep -q '"timer":"retransmission"' "$OUT/loss.jsonl"
expect "the RTO backed off to at least 1.6 s during the outage" \
	awk '$5 ~ /rto=/ { split($5, a, "="); if (a[2] + 0 >= 1600) found = 1 } END { exit !found }' "$OUT/rto.txt"
expect "the cwnd plot was drawn" test -s "$OUT/cwnd-loss.svg"
expect "the cwnd table has slow start and congestion avoidance" \
	bash -c "grep -q 'slow start' '$OUT/cwnd-loss.csv' && grep -q 'congestion avoidance' '$OUT/cwnd-loss.csv'"
expect "the kernel's retransmissions are in the capture" \
	test "$(tshark_count "$OUT/loss.pcap" 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission')" -ge 1
expect "the fault injector reordered frames" grep -Eq '[1-9][0-9]* reordered' "$OUT/tapir-faults.log"
expect "Wireshark sees out-of-order segments in the reordering run" \
	test "$(tshark_count "$OUT/reorder.pcap" 'tcp.analysis.out_of_order || tcp.analysis.duplicate_ack')" -ge 1
check_done
