#!/usr/bin/env bash
# check.sh — did run.sh produce what Lab 1's questions rely on?
set -u
. "$(dirname "$0")/../lib.sh"
[ -d "$OUT" ] || { echo "no $OUT: run sudo ./run.sh first"; exit 1; }

e=$OUT/tapir-echo.pcap
p=$OUT/tapir-ping.pcap
expect "tapir-echo.pcap holds tapir's gratuitous ARP" test "$(tshark_count "$e" 'arp.isannouncement == 1')" -ge 1
expect "tapir-echo.pcap holds the kernel's ARP request for 10.0.0.2" \
	test "$(tshark_count "$e" 'arp.opcode == 1 && arp.dst.proto_ipv4 == 10.0.0.2 && arp.src.proto_ipv4 == 10.0.0.1')" -ge 1
expect "tapir-echo.pcap holds tapir's ARP reply" \
	test "$(tshark_count "$e" 'arp.opcode == 2 && arp.src.proto_ipv4 == 10.0.0.2')" -ge 1
expect "three echo requests from the kernel answered" \
	test "$(tshark_count "$e" 'icmp.type == 0 && ip.src == 10.0.0.2')" -eq 3
expect "tapir-ping.pcap holds tapir's ARP request for 10.0.0.1" \
	test "$(tshark_count "$p" 'arp.opcode == 1 && arp.dst.proto_ipv4 == 10.0.0.1')" -ge 1
expect "three echo replies from the kernel to tapir-ping" \
	test "$(tshark_count "$p" 'icmp.type == 0 && ip.src == 10.0.0.1')" -eq 3
expect "the kernel's own capture saw the same exchange" \
	test "$(tshark_count "$OUT/kernel-view.pcap" 'icmp')" -ge 12
expect "tapir-ping printed its summary" grep -q "3 received" "$OUT/tapir-ping.txt"
expect "the kernel learned tapir's MAC 02:54:41:50:00:02" grep -q "02:54:41:50:00:02" "$OUT/kernel-neighbours.txt"
expect "the trace holds ARP events" grep -q '"event":"arp"' "$OUT/tapir-echo.jsonl"
check_done
