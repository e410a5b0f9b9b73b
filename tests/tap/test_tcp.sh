#!/usr/bin/env bash
# test_tcp.sh — tapir's TCP against the Linux kernel's over the lab TAP:
# 10 MB each way byte-exact, through 5% random loss in both directions
# (nftables on the kernel side) and through delay, jitter, reordering and
# duplication from tapir's own fault injector; refused connections both
# ways, also by a firewall's ICMP port unreachable; and the kernel's view (ss) agreeing with tapir's trace through a
# close begun by each side.
set -u
. "$(dirname "$0")/lib.sh"
tap_setup

head -c 10000000 /dev/urandom >"$WORK/10m.bin"
SIZE=10000000

# echo_10mb NAME: socat sends 10 MB to tapir-echo's TCP echo and keeps what comes back.
echo_10mb() {
	local t0=$SECONDS
	trap 'echo "# $1: $((SECONDS - t0)) s"' RETURN
	# -t 60: after sending its last byte socat waits this long for the echo to
	# finish (its default, 0.5 s, cuts a transfer slowed by loss short).
	in_ns timeout 120 socat -b 65536 -t 60 -T 30 - TCP:10.0.0.2:7 <"$WORK/10m.bin" >"$WORK/$1.out"
}

# nc_to_kernel NAME [tapir options...]: tapir-nc sends 10 MB to a kernel listener.
nc_to_kernel() {
	local name=$1 t0=$SECONDS
	trap 'echo "# $name: $((SECONDS - t0)) s"' RETURN
	shift
	in_ns timeout 120 socat -u TCP-LISTEN:5001,reuseaddr - >"$WORK/$name.out" &
	local listener=$!
	sleep 0.3
	in_ns timeout 120 "$ROOT/$BUILD/tapir-nc" "$@" 10.0.0.1 5001 <"$WORK/10m.bin"
	local rc=$?
	wait "$listener"
	return $rc
}

same() { cmp -s "$WORK/10m.bin" "$WORK/$1.out"; }

# ---- clean link ---------------------------------------------------------------
start_tapir echo tapir-echo --stats --trace "$WORK/echo.jsonl"
pid=$TAPIR_PID
require "tapir-echo is up" wait_reachable 10.0.0.2
echo_10mb clean
check "kernel -> tapir-echo -> kernel: 10 MB back byte-exact" same clean

out=$(in_ns socat -T 2 - TCP:10.0.0.2:8 </dev/null 2>&1)
check "connection to a closed tapir port is refused (RST)" grep -qi "refused" <<<"$out"

# A close begun by tapir: daytime sends the time and closes first.
# -u: socat only reads, so it cannot close its side before tapir does (with
# stdin at EOF it would send its own FIN at once: a simultaneous close).
in_ns socat -u -T 2 TCP:10.0.0.2:13 - >"$WORK/daytime.out"
check "daytime answers with the date" grep -q "UTC" "$WORK/daytime.out"
sleep 0.3
check "tapir closed first: tapir's trace shows FIN-WAIT-1 -> FIN-WAIT-2/CLOSING -> TIME-WAIT" \
	grep -q '"local_port":13,.*"to":"TIME-WAIT"' "$WORK/echo.jsonl"
check "tapir closed first: the kernel holds no TIME-WAIT for port 13" \
	bash -c "! ip netns exec '$NS' ss -tan state time-wait | grep -q ':13 '"

# A close begun by the kernel: the client shuts down after its data.
printf 'bye\n' | in_ns socat -T 2 - TCP:10.0.0.2:9
sleep 0.3
check "the kernel closed first: tapir went CLOSE-WAIT -> LAST-ACK -> CLOSED" \
	bash -c "grep '\"local_port\":9,' '$WORK/echo.jsonl' | grep -q '\"from\":\"LAST-ACK\",\"to\":\"CLOSED\"'"
check "the kernel closed first: ss shows the kernel in TIME-WAIT with port 9" \
	bash -c "ip netns exec '$NS' ss -tan state time-wait | grep -q '10.0.0.2:9 '"
stop_tapir "$pid"
check "tapir-echo exits cleanly" test $? -eq 0

# ---- tapir-nc to the kernel ---------------------------------------------------------
nc_to_kernel nc
check "tapir-nc -> kernel listener: 10 MB byte-exact, exit 0" same nc

out=$(in_ns "$ROOT/$BUILD/tapir-nc" 10.0.0.1 5999 </dev/null 2>&1)
rc=$?
check "tapir-nc to a closed kernel port: refused, exit 1 ($rc)" \
	bash -c "[ $rc -eq 1 ] && grep -qi refused <<<'$out'"

# A firewall that rejects with ICMP port unreachable instead of a RST: tapir
# takes the ICMP error (RFC 1122 4.2.3.9) and gives up at once, instead of
# retransmitting its SYN for a minute.
in_ns nft -f - <<'NFT'
table inet tapirreject {
	chain in { type filter hook input priority 0; iifname "tap0" tcp dport 5998 reject with icmp type port-unreachable; }
}
NFT
out=$(in_ns timeout 30 "$ROOT/$BUILD/tapir-nc" --trace "$WORK/icmp.jsonl" 10.0.0.1 5998 </dev/null 2>&1)
rc=$?
in_ns nft delete table inet tapirreject
check "tapir-nc to a port a firewall rejects with ICMP: refused, exit 1 ($rc)" \
	bash -c "[ $rc -eq 1 ] && grep -qi refused <<<'$out'"
syns=$(grep -c '"dir":"out","flags":"SYN"' "$WORK/icmp.jsonl")
check "refused at once: one SYN sent, none retransmitted ($syns)" test "$syns" -eq 1
check "tapir's trace: SYN-SENT -> CLOSED on the ICMP error" \
	grep -q '"from":"SYN-SENT","to":"CLOSED","cause":"rcv ICMP port unreachable' "$WORK/icmp.jsonl"

# ---- 5% loss in both directions on the kernel side (nftables) ----------------------
in_ns nft -f - <<'NFT'
table inet tapirloss {
	chain in { type filter hook input priority 0; iifname "tap0" numgen random mod 100 < 5 drop; }
	chain out { type filter hook output priority 0; oifname "tap0" numgen random mod 100 < 5 drop; }
}
NFT
check "nftables loss rules installed" in_ns nft list table inet tapirloss
start_tapir lossy tapir-echo --stats
pid=$TAPIR_PID
require "tapir-echo is up behind the lossy link" wait_reachable 10.0.0.2
echo_10mb lossy
check "through 5% loss both ways: 10 MB echoed byte-exact" same lossy
stop_tapir "$pid"
sed -n '/^tcp/,$p' "$WORK/lossy.err" | sed 's/^/# /'
nc_to_kernel nc-lossy
check "through 5% loss both ways: tapir-nc 10 MB byte-exact" same nc-lossy
dropped=$(in_ns nft list table inet tapirloss | grep -c drop)
in_ns nft delete table inet tapirloss

# ---- tapir's own fault injector: delay, jitter, reordering, duplication ------------
start_tapir faulty tapir-echo --stats --delay 2 --jitter 3 --reorder 5 --duplicate 5 --seed 7
pid=$TAPIR_PID
require "tapir-echo is up with the fault injector" wait_reachable 10.0.0.2
echo_10mb faulty
check "through delay, jitter, 5% reordering and 5% duplication: 10 MB echoed byte-exact" same faulty
stop_tapir "$pid"
grep -A1 '^faults:' "$WORK/faulty.err" | sed 's/^/# /'
check "the fault injector reports reordered and duplicated frames" \
	grep -Eq '[1-9][0-9]* duplicated, .* [1-9][0-9]* reordered' "$WORK/faulty.err"

tap_finish
