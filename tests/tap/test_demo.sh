#!/usr/bin/env bash
# test_demo.sh — `make demo` (scripts/demo.sh) runs through and leaves what
# it promises in out/demo/. It runs in a namespace named for this test.
set -u
. "$(dirname "$0")/lib.sh"
tap_setup
"$ROOT/scripts/netns.sh" down "$NS" # the demo brings up its own, with this name

out="$ROOT/out/demo"
if TAPIR_NS="$NS" TAPIR_BUILD="$BUILD" "$ROOT/scripts/demo.sh" >"$WORK/demo.log" 2>&1; then
	ok "the demo runs to the end"
else
	tail -n 30 "$WORK/demo.log" | sed 's/^/# /'
	not_ok "the demo runs to the end"
fi
check "the kernel's pings were answered" grep -q "3 packets transmitted, 3 received" "$WORK/demo.log"
check "the TCP echo came back" grep -q "hello over TCP" "$WORK/demo.log"
check "the DNS answer came through dnsmasq" grep -q "10.0.0.80" "$WORK/demo.log"
check "the capture is in out/demo/" test -s "$out/tapir.pcap"
check "the trace is in out/demo/" grep -q '"event":"tcp-state"' "$out/trace.jsonl"
check "the graphs are in out/demo/graphs/" test -s "$out/graphs/index.html"
check "the demo took its network down" bash -c "! ip netns list | grep -qw '$NS'"
tap_finish
