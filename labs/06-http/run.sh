#!/usr/bin/env bash
# Lab 6 — HTTP/1.1 on tapir: curl (the kernel) fetches pages from
# tapir-httpd: one GET, three on one kept-alive connection, three with
# `Connection: close`, a conditional GET answered 304 and a range 206.
set -u
. "$(dirname "$0")/../lib.sh"
lab_start
URL=http://10.0.0.2

# fetch NAME CURL-ARGS...: curl in the lab network, its -v dialogue (the
# request and response heads, what it does with the connection) in OUT/NAME.txt.
fetch() {
	local name=$1
	shift
	in_ns curl -sS -v --max-time 10 "$@" 2>"$OUT/$name.txt"
}
# heads NAME: the request and response lines of OUT/NAME.txt, and curl's words
# about the connection.
heads() {
	grep -E '^> [A-Z]+ /|^< HTTP/|^< (Connection|ETag|Content-Range|Content-Length):|^\* (Connected|Re-using|Closing)|left intact' \
		"$OUT/$1.txt" | tr -d '\r' | sed 's/^/    /'
}
# syns FILTER: connections opened by the kernel (SYNs without ACK) among FILTER's packets.
syns() { tshark_count "$OUT/http.pcap" "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ($1)"; }

say "1. tapir-httpd serves its default site (www/) on port 80"
tapir_start tapir-httpd tapir-httpd --pcap "$OUT/http.pcap" --trace "$OUT/trace.jsonl" \
	--graph "$OUT/graphs"
in_ns ping -c 1 -W 2 10.0.0.2 >/dev/null

say "2. curl GETs / (the request and the response heads are in get.txt)"
fetch get -o "$OUT/page.html" "$URL/"
grep -E '^[<>]' "$OUT/get.txt" | tr -d '\r' | sed 's/^/    /'

say "3. Keep-alive: curl fetches three URLs over one connection (from kernel port 41000)"
fetch keepalive --local-port 41000 -o /dev/null -o /dev/null -o /dev/null \
	"$URL/" "$URL/style.css" "$URL/tapir.png"
heads keepalive

say "4. Connection: close: the same three URLs, one connection each (from the kernel's second address, 10.0.0.3)"
ip -n "$NS" addr add 10.0.0.3/24 dev tap0
fetch close --interface 10.0.0.3 -H 'Connection: close' -o /dev/null -o /dev/null -o /dev/null \
	"$URL/" "$URL/style.css" "$URL/tapir.png"
heads close
sleep 0.2
in_ns ss -tan state time-wait | tee "$OUT/ss-time-wait.txt" | sed 's/^/    kernel: /'

say "5. A conditional GET: curl keeps the ETag of /tapir.png and asks again with If-None-Match"
fetch conditional-1 --etag-save "$OUT/etag.txt" -o /dev/null "$URL/tapir.png"
fetch conditional-2 --etag-compare "$OUT/etag.txt" -o /dev/null "$URL/tapir.png"
heads conditional-1
grep '^> If-None-Match' "$OUT/conditional-2.txt" | tr -d '\r' | sed 's/^/    /'
heads conditional-2

say "6. A range: the first 100 bytes of /tapir.png"
fetch range -r 0-99 -o "$OUT/range.bin" "$URL/tapir.png"
heads range
echo "    bytes received: $(wc -c <"$OUT/range.bin")"

tapir_stop "$TAPIR_PID"
say "tapir-httpd's access log"
grep '" [0-9][0-9][0-9] ' "$OUT/tapir-httpd.log" | sed 's/^/    /'
say "Handshakes in the capture (SYN without ACK)"
echo "    keep-alive, 3 requests (tcp.port == 41000): $(syns 'tcp.port == 41000') handshake(s)"
echo "    Connection: close, 3 requests (ip.addr == 10.0.0.3): $(syns 'ip.addr == 10.0.0.3') handshake(s)"
lab_done
