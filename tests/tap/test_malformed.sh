#!/usr/bin/env bash
# test_malformed.sh — a burst of broken frames from a host impersonated by
# scapy on the kernel side of tap0: tapir must keep answering, never answer
# the broken ones, and count every refusal under its named reason.
set -u
. "$(dirname "$0")/lib.sh"
tap_setup

start_tapir echo tapir-echo --stats --pcap "$WORK/m.pcap"
pid=$TAPIR_PID
require "tapir is up" wait_reachable 10.0.0.2

in_ns "$SCAPY_PY" "$ROOT/tests/tap/malformed.py" tap0 20 >"$WORK/scapy.out" 2>"$WORK/scapy.err"
cat "$WORK/scapy.out"
grep -q "^ok" "$WORK/scapy.out" || { sed 's/^/# /' "$WORK/scapy.err"; not_ok "scapy burst ran"; }

out=$(in_ns ping -c 3 -i 0.2 -W 2 10.0.0.2)
check "the kernel's ping is still answered after the burst" \
	grep -q "3 packets transmitted, 3 received" <<<"$out"

stop_tapir "$pid"
check "tapir-echo exits cleanly after the burst" test $? -eq 0
sed 's/^/# /' "$WORK/echo.err"
# Every class of broken frame is counted under its own name, once per round.
for pair in eth:unknown-ethertype eth:bad-source arp:not-for-us arp:truncated \
	arp:bad-hardware ip:truncated ip:bad-version ip:bad-ihl ip:bad-checksum ip:ttl-zero \
	ip:bad-length ip:not-for-us ip:bad-fragment icmp:truncated icmp:bad-checksum \
	udp:truncated udp:bad-length udp:bad-checksum; do
	n=$(stat_drops "$WORK/echo.err" "${pair%%:*}" "${pair#*:}")
	check "--stats counts 20 drops as '$pair' ($n)" test "$n" -eq 20
done

tap_finish
