#!/usr/bin/env bash
# Lab 5 — DNS: tapir's stub resolver (tapir-dig) asks a real name server
# (dnsmasq on the kernel side) and keeps the answers in its cache: a lookup,
# a cache hit, NXDOMAIN kept as a negative answer, and a short TTL running
# out so that the same name is asked again.
set -u
. "$(dirname "$0")/../lib.sh"
lab_start

# dns_server TTL LOG: dnsmasq on 10.0.0.1:53 as the authoritative server of
# the zone "lab" (so its "no such name" answers carry the zone's SOA record),
# every record with a TTL of TTL seconds, its log of queries in OUT/LOG.
# Waits until it answers; sets DNS_PID.
dns_server() {
	ip netns exec "$NS" dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
		--listen-address=10.0.0.1 --port 53 --auth-server=ns.lab,tap0 --auth-zone=lab \
		--auth-ttl="$1" --host-record=www.lab,10.0.0.80 --host-record=mail.lab,10.0.0.25 \
		--cname=web.lab,www.lab --log-queries --log-facility="$OUT/$2" 2>/dev/null &
	DNS_PID=$!
	LAB_PIDS+=("$DNS_PID")
	for _ in $(seq 1 50); do
		[ -n "$(in_ns dig @10.0.0.1 +short +time=1 +tries=1 www.lab 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	echo "dnsmasq did not answer on 10.0.0.1" >&2
	exit 1
}

# dig_tapir NAME ARGS...: tapir-dig in the lab network; its output in
# OUT/NAME.txt (like dig's), messages and exit status in OUT/NAME.log,
# capture and trace.
dig_tapir() {
	local name=$1
	shift
	in_ns "$BUILD/tapir-dig" --pcap "$OUT/$name.pcap" --trace "$OUT/$name.jsonl" "$@" \
		>"$OUT/$name.txt" 2>"$OUT/$name.log"
	echo "tapir-dig exited with status $?" >>"$OUT/$name.log"
	sed -n '/^; <<>>/p;/ANSWER SECTION/,/^$/p;/status:/p;/Query time/p;/SERVER:/p' "$OUT/$name.txt" |
		grep -v '^$' | sed 's/^/    /'
	sed 's/^/    /' "$OUT/$name.log"
}

say "1. dnsmasq answers for the zone lab on 10.0.0.1 (www.lab, mail.lab, web.lab -> www.lab; TTL 300 s)"
dns_server 300 dnsmasq.log
in_ns dig @10.0.0.1 www.lab >"$OUT/kernel-dig.txt"
echo "    the kernel's dig asks too: out/kernel-dig.txt, to compare tapir-dig's output with"

say "2. tapir looks up www.lab, www.lab again, then web.lab (one run: one cache)"
dig_tapir lookup www.lab www.lab web.lab

say "3. tapir looks up nosuch.lab twice: there is no such name"
dig_tapir nxdomain nosuch.lab nosuch.lab

say "4. The zone's TTL is lowered to 1 s (dnsmasq restarted); the server is 400 ms away each way"
kill -TERM "$DNS_PID"
wait "$DNS_PID" 2>/dev/null
dns_server 1 dnsmasq-ttl1.log
# tapir's fault injector delays every frame 400 ms, so each question to the
# server takes 0.8 s: after mail.lab and web.lab, www.lab's 1 s have run out.
dig_tapir ttl --delay 400 --timeout 5 www.lab www.lab mail.lab web.lab www.lab
kill -TERM "$DNS_PID"
wait "$DNS_PID" 2>/dev/null

say "The resolver's side of each run, from tapir's traces"
for run in lookup nxdomain ttl; do
	/usr/bin/python3 "$LAB/timeline.py" "$OUT/$run.jsonl" >"$OUT/$run-timeline.txt"
	echo "  $run-timeline.txt:"
	sed 's/^/    /' "$OUT/$run-timeline.txt"
done

say "What dnsmasq was asked by tapir (10.0.0.2), from its logs"
for log in dnsmasq.log dnsmasq-ttl1.log; do
	echo "  $log (questions, name):"
	grep 'from 10.0.0.2' "$OUT/$log" | sed 's/.*auth\[\([A-Z]*\)\] \([^ ]*\) from.*/\2 \1/' |
		sort | uniq -c | sed 's/^/    /'
done
lab_done
