#!/usr/bin/env bash
# Lab 4 — loss and retransmission: random loss from nftables on the kernel
# side, an outage that makes tapir back off, and delay/reordering from
# tapir's own fault injector; the congestion window plotted over time.
set -u
. "$(dirname "$0")/../lib.sh"
lab_start
MB=${LAB_MB:-2}

loss_on() { # loss_on PERCENT: drop that share of frames both ways on the kernel side
	in_ns nft -f - <<NFT
table inet lab_loss {
	chain in { type filter hook input priority 0; iifname "tap0" numgen random mod 100 < $1 drop; }
	chain out { type filter hook output priority 0; oifname "tap0" numgen random mod 100 < $1 drop; }
}
NFT
}
loss_off() { in_ns nft delete table inet lab_loss 2>/dev/null; }

say "1. tapir-echo starts; 5% of frames are now lost in each direction (nftables)"
tapir_start tapir-echo tapir-echo --pcap "$OUT/loss.pcap" --trace "$OUT/loss.jsonl" \
	--graph "$OUT/graphs" --stats
in_ns ping -c 1 -W 2 10.0.0.2 >/dev/null
loss_on 5

say "2. The kernel reads $MB MB from tapir's chargen (port 19): tapir sends, and retransmits"
in_ns socat -u TCP:10.0.0.2:19 - 2>/dev/null | head -c "${MB}000000" | wc -c |
	sed 's/^/    bytes received by the kernel: /'

say "3. The kernel sends $MB MB to tapir's discard (port 9): the kernel retransmits, tapir sends duplicate ACKs"
head -c "${MB}000000" /dev/zero | in_ns socat -u - TCP:10.0.0.2:9
loss_off

say "4. An outage: the kernel drops everything from tapir for 6 s during a transfer"
( sleep 1; in_ns nft -f - <<'NFT'
table inet lab_outage {
	chain in { type filter hook input priority 0; iifname "tap0" drop; }
}
NFT
  sleep 6; in_ns nft delete table inet lab_outage ) &
outage=$!
# chargen never ends: the kernel reads on until the outage is over.
ip netns exec "$NS" socat -u TCP:10.0.0.2:19 /dev/null 2>/dev/null &
reader=$!
wait "$outage"
sleep 2
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
tapir_stop "$TAPIR_PID"
sed -n '/^tcp:/,$p' "$OUT/tapir-echo.log" | sed 's/^/    /'

say "5. Delay 20 ms ± 10 ms and 5% reordering from tapir's fault injector, no loss"
tapir_start tapir-faults tapir-echo --delay 20 --jitter 10 --reorder 5 --seed 4 \
	--pcap "$OUT/reorder.pcap" --trace "$OUT/reorder.jsonl" --stats
in_ns ping -c 1 -W 2 10.0.0.2 >/dev/null
in_ns socat -u TCP:10.0.0.2:19 - 2>/dev/null | head -c "${MB}000000" >/dev/null
tapir_stop "$TAPIR_PID"
grep -A1 '^faults:' "$OUT/tapir-faults.log" | sed 's/^/    /'

say "The congestion window, from the traces"
/usr/bin/python3 "$LAB/plot_cwnd.py" "$OUT/loss.jsonl" 19 "$OUT/cwnd-loss" | sed 's/^/    /'
/usr/bin/python3 "$LAB/plot_cwnd.py" "$OUT/reorder.jsonl" 19 "$OUT/cwnd-reorder" | sed 's/^/    /'
say "The retransmission timer during the outage (RTO doubling each time)"
# The outage's connection is the last one opened on port 19 (an earlier one
# may still be closing, under loss, after it opened).
outage_conn=$(grep '"event":"tcp-state"' "$OUT/loss.jsonl" | grep '"local_port":19,' |
	grep '"from":"LISTEN","to":"SYN-RECEIVED"' | tail -n 1 | sed 's/.*"conn":\([0-9]*\),.*/\1/')
grep '"event":"tcp-timer"' "$OUT/loss.jsonl" | grep "\"conn\":$outage_conn," |
	grep '"timer":"retransmission"' |
	sed 's/.*"time_us":\([0-9]*\),.*"backoff":\([0-9]*\),"rto_us":\([0-9]*\).*/\1 \2 \3/' |
	awk 'NR == 1 { t0 = $1 } { printf "    t=%8.1f ms  backoff=%s  rto=%d ms\n", ($1 - t0) / 1000, $2, $3 / 1000 }' |
	tee "$OUT/rto.txt"
lab_done
