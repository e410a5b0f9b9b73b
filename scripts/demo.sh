#!/usr/bin/env bash
# demo.sh — the lab demo behind `sudo make demo`.
#
# Brings up the lab network (namespace "tapir", tap0, kernel at 10.0.0.1),
# starts tapir at 10.0.0.2, lets the Linux kernel ping it, talk UDP and TCP
# echo to it and fetch the time (tapir closes that connection first), lets
# tapir ping the kernel, and leaves the captures, the trace and the log in
# out/demo/. The network is taken down again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

NS=${TAPIR_NS:-tapir}
OUT=out/demo
BUILD=${TAPIR_BUILD:-build}
bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }

if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	echo "demo: the lab network needs root and /dev/net/tun: run 'sudo make demo'" >&2
	exit 1
fi
if ip netns list | awk '{print $1}' | grep -qx "$NS" && [ -n "$(ip netns pids "$NS")" ]; then
	echo "demo: namespace '$NS' is in use by running programs; stop them or set TAPIR_NS" >&2
	exit 1
fi

rm -rf "$OUT"
mkdir -p "$OUT"
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	scripts/netns.sh down "$NS"
}
trap cleanup EXIT

bold "1. Lab network: namespace '$NS', tap0 with 10.0.0.1/24 on the kernel side"
scripts/netns.sh up "$NS"
ip -n "$NS" -brief addr show tap0

bold "2. tapir starts at 10.0.0.2 (02:54:41:50:00:02) and announces itself with ARP"
ip netns exec "$NS" "$BUILD/tapir-echo" --stats --log info --pcap "$OUT/tapir.pcap" \
	--trace "$OUT/trace.jsonl" --graph "$OUT/graphs" 2>"$OUT/tapir.log" &
pid=$!
for _ in $(seq 1 50); do
	[ -s "$OUT/tapir.pcap" ] && break
	sleep 0.1
done

bold "3. The kernel pings tapir"
ip netns exec "$NS" ping -c 3 -i 0.3 10.0.0.2

bold "4. The kernel sends a UDP datagram to tapir's echo service (port 7)"
echo "hello from the Linux kernel" | ip netns exec "$NS" socat -T 1 - UDP:10.0.0.2:7

bold "5. A UDP datagram to a closed port: tapir answers ICMP port unreachable"
echo "anyone there?" | ip netns exec "$NS" socat -T 1 - UDP:10.0.0.2:9 2>&1 || true

bold "6. TCP: the kernel opens a connection to tapir's echo service and talks"
printf 'hello over TCP\nsecond line\n' | ip netns exec "$NS" socat -t 2 - TCP:10.0.0.2:7

bold "7. TCP: tapir's daytime service answers and closes first (tapir goes to TIME-WAIT)"
ip netns exec "$NS" socat -u -T 2 TCP:10.0.0.2:13 -
sleep 0.2
echo "tapir's view of that connection (from the trace):"
grep '"event":"tcp-state"' "$OUT/trace.jsonl" | grep '"local_port":13,' | grep -v '"remote_port":0,' |
	sed 's/.*"from":"\([^"]*\)","to":"\([^"]*\)","cause":"\([^"]*\)".*/    \1 -> \2   (\3)/'

kill -TERM "$pid"
wait "$pid" || true
pid=

bold "8. tapir pings the kernel"
ip netns exec "$NS" "$BUILD/tapir-ping" -c 3 -i 0.3 --pcap "$OUT/tapir-ping.pcap" 10.0.0.1

bold "9. tapir looks a name up through a real DNS server (dnsmasq on 10.0.0.1), twice"
ip netns exec "$NS" dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.0.0.1 --local=/lab/ --local-ttl=300 \
	--host-record=www.lab,10.0.0.80 --cname=web.lab,www.lab 2>"$OUT/dnsmasq.log" &
dns_pid=$!
sleep 0.3
ip netns exec "$NS" "$BUILD/tapir-dig" web.lab web.lab --pcap "$OUT/dns.pcap" \
	--trace "$OUT/dns.jsonl" 2>&1 | sed -n '/ANSWER SECTION/,/^$/p;/Query time/p'
echo "The second answer came from tapir's cache: the capture holds $(tshark -r "$OUT/dns.pcap" \
	-Y 'dns.flags.response == 0' 2>/dev/null | wc -l) query on the wire."
kill "$dns_pid"
wait "$dns_pid" 2>/dev/null || true

bold "What tapir counted (tapir-echo --stats)"
sed -n '/^link:/,$p' "$OUT/tapir.log"

bold "The capture, as tshark reads it ($OUT/tapir.pcap; TCP summarised)"
tshark -r "$OUT/tapir.pcap" 2>/dev/null | head -n 40

bold "Done. Artifacts in $OUT/:"
ls -l "$OUT"
cat <<MSG

  Open the pictures in a browser:   $OUT/graphs/index.html  (every TCP connection's
                                    state diagram and ladder diagram)
  Open the captures in Wireshark:   wireshark $OUT/tapir.pcap $OUT/tapir-ping.pcap $OUT/dns.pcap
  (or in a terminal:                tshark -r $OUT/tapir.pcap -V | less)
  The event trace, one JSON object a line:  $OUT/trace.jsonl
  The readable log:                         $OUT/tapir.log
MSG
