#!/usr/bin/env bash
# check.sh — did run.sh produce what Lab 6's questions rely on?
set -u
. "$(dirname "$0")/../lib.sh"
[ -d "$OUT" ] || { echo "no $OUT: run sudo ./run.sh first"; exit 1; }
p=$OUT/http.pcap
count() { tshark_count "$p" "$1"; }
syns() { count "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ($1)"; }

expect "step 2: curl got 200 OK with ETag, Last-Modified and Content-Length (get.txt)" \
	bash -c "grep -q '^< HTTP/1.1 200 OK' '$OUT/get.txt' && grep -q '^< ETag: \"' '$OUT/get.txt' &&
	         grep -q '^< Last-Modified: ' '$OUT/get.txt' && grep -q '^< Content-Length: ' '$OUT/get.txt'"
expect "step 2: the page curl got is www/index.html, byte for byte" cmp -s "$ROOT/www/index.html" "$OUT/page.html"
expect "step 3: one handshake for the three kept-alive requests ($(syns 'tcp.port == 41000') SYN)" \
	test "$(syns 'tcp.port == 41000')" -eq 1
expect "step 3: three GETs on that connection, Wireshark numbers them 1-3" \
	test "$(count 'tcp.srcport == 41000 && http.request && http.request_number == 3')" -eq 1
expect "step 3: curl re-used the connection twice (keepalive.txt)" \
	test "$(grep -c 'Re-using existing connection' "$OUT/keepalive.txt")" -eq 2
expect "step 3: tapir's trace numbers the third request on one connection" \
	grep -q '"what":"request",.*"remote_port":41000,.*"request":3,' "$OUT/trace.jsonl"
expect "step 4: three handshakes for the three Connection: close requests ($(syns 'ip.addr == 10.0.0.3') SYN)" \
	test "$(syns 'ip.addr == 10.0.0.3')" -eq 3
expect "step 4: tapir's three responses say Connection: close" \
	test "$(count 'ip.dst == 10.0.0.3 && http.response && http.connection == "close"')" -eq 3
expect "step 4: tapir sent a FIN on each of the three connections" \
	test "$(count 'ip.dst == 10.0.0.3 && tcp.flags.fin == 1')" -eq 3
expect "step 4: the kernel's TIME-WAIT sockets were listed (ss-time-wait.txt)" \
	grep -q '10.0.0.1:41000' "$OUT/ss-time-wait.txt"
expect "step 5: the second request carries If-None-Match and is answered 304 Not Modified" \
	bash -c "grep -q '^> If-None-Match: \"' '$OUT/conditional-2.txt' &&
	         grep -q '^< HTTP/1.1 304 Not Modified' '$OUT/conditional-2.txt'"
expect "step 5: the capture has the 304 (with its ETag) and no body after it" \
	test "$(count 'http.response.code == 304 && http.response.line contains "ETag" && !http.file_data')" -eq 1
expect "step 6: the range is answered 206 with Content-Range bytes 0-99/" \
	test "$(count 'http.response.code == 206 && http.response.line contains "Content-Range: bytes 0-99/"')" -eq 1
expect "step 6: the 100 bytes are the first 100 of tapir.png" \
	cmp -s "$OUT/range.bin" <(head -c 100 "$ROOT/www/tapir.png")
expect "tapir's access log has the 304 and the 206" \
	bash -c "grep -q '\" 304 0 ' '$OUT/tapir-httpd.log' && grep -q '\" 206 100 ' '$OUT/tapir-httpd.log'"
expect "the graphs were drawn, the kept-alive connection among them" \
	grep -q '10.0.0.1:41000' "$OUT/graphs/index.html"
check_done
