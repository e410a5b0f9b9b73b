#!/usr/bin/env bash
# test_link.sh — tapir against the Linux kernel on the lab network: ping in
# both directions, UDP echo byte-exact (also fragmented), and the pcap we
# wrote read back by tshark with no malformed packets or bad checksums.
set -u
. "$(dirname "$0")/lib.sh"
tap_setup

start_tapir echo tapir-echo --stats --pcap "$WORK/echo.pcap" --trace "$WORK/echo.jsonl"
echo_pid=$TAPIR_PID
require "tapir answers ARP and ping (ready)" wait_reachable 10.0.0.2

out=$(in_ns ping -c 3 -i 0.2 -W 2 10.0.0.2)
echo "$out" | sed 's/^/# /'
check "kernel ping -c 3 10.0.0.2 gets 3 replies" grep -q "3 packets transmitted, 3 received" <<<"$out"

out=$(in_ns ping -c 2 -s 3000 -W 2 10.0.0.2)
check "kernel ping -s 3000 (fragmented both ways) gets 2 replies" \
	grep -q "2 packets transmitted, 2 received" <<<"$out"

head -c 1000 /dev/urandom >"$WORK/small.bin"
in_ns socat -T 2 - UDP:10.0.0.2:7 <"$WORK/small.bin" >"$WORK/small.out"
check "UDP echo of 1000 bytes via socat is byte-exact" cmp -s "$WORK/small.bin" "$WORK/small.out"

head -c 8000 /dev/urandom >"$WORK/big.bin"
in_ns socat -T 2 - UDP:10.0.0.2:7 <"$WORK/big.bin" >"$WORK/big.out"
check "UDP echo of 8000 bytes (6 fragments) is byte-exact" cmp -s "$WORK/big.bin" "$WORK/big.out"

printf 'hello tapir\n' | in_ns nc -u -w 1 10.0.0.2 7 >"$WORK/nc.out"
check "UDP echo via nc -u" grep -qx "hello tapir" "$WORK/nc.out"

# A closed UDP port: the kernel gets ICMP port unreachable (socat reports
# "Connection refused" on the next read).
out=$(printf 'x' | in_ns socat -T 1 - UDP:10.0.0.2:9 2>&1)
check "closed UDP port answered with ICMP port unreachable" grep -qi "refused" <<<"$out"

stop_tapir "$echo_pid"
check "tapir-echo exits cleanly on SIGTERM" test $? -eq 0
sed 's/^/# /' "$WORK/echo.err"
check "--stats shows the port-unreachable" grep -q "destination unreachables sent" "$WORK/echo.err"

# tapir pings the kernel (the TAP is free again now).
out=$(in_ns "$ROOT/$BUILD/tapir-ping" -c 3 -i 0.2 10.0.0.1)
echo "$out" | sed 's/^/# /'
check "tapir-ping 10.0.0.1 gets 3 replies" grep -q "3 packets transmitted, 3 received" <<<"$out"

# The capture: every frame readable, no malformed packets, no bad checksums.
frames=$(tshark -r "$WORK/echo.pcap" 2>/dev/null | wc -l)
check "pcap opens in tshark with frames in it ($frames)" test "$frames" -gt 20
bad=$(tshark -r "$WORK/echo.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
	-Y '_ws.malformed or _ws.expert.severity == error' 2>/dev/null | wc -l)
check "pcap has no malformed packets and no checksum errors ($bad)" test "$bad" -eq 0
frags=$(tshark -r "$WORK/echo.pcap" -Y 'ip.flags.mf == 1' 2>/dev/null | wc -l)
check "pcap shows the fragments ($frags)" test "$frags" -ge 8
check "trace has JSON lines with ARP and ICMP events" \
	grep -q '"event":"icmp"' "$WORK/echo.jsonl"

# Clear errors when the TAP device cannot be opened.
out=$(in_ns "$ROOT/$BUILD/tapir-ping" --tap nosuch0 -c 1 10.0.0.1 2>&1)
rc=$?
check "a missing TAP device: exit status 1 ($rc)" test "$rc" -eq 1
check "a missing TAP device: the message says how to create it" grep -q "netns.sh up" <<<"$out"
check "a missing TAP device was not created by tapir" \
	bash -c "! ip -n '$NS' link show nosuch0 >/dev/null 2>&1"
# (A copy the user nobody can reach, wherever the checkout is.)
mkdir -p "$WORK/nobody" && cp "$ROOT/$BUILD/tapir-ping" "$WORK/nobody/"
chmod 711 "$WORK" "$WORK/nobody"
out=$(in_ns setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$WORK/nobody/tapir-ping" -c 1 10.0.0.1 2>&1)
rc=$?
check "without root: exit status 1 and a word about root ($rc)" \
	bash -c "[ $rc -eq 1 ] && grep -q root <<<'$out'"
"$ROOT/$BUILD/tapir-echo" --help >"$WORK/help.out"
check "--help exits 0 and lists the common options" grep -q -- "--pcap FILE" "$WORK/help.out"

tap_finish
