#!/usr/bin/env bash
# test_http.sh — tapir-httpd and tapir-get against real clients and servers
# on the lab network (RFC 9110/9112): curl byte-exact (small, 10 MB), HEAD,
# keep-alive reuse (one SYN in the capture for three URLs), 304, 206/416,
# 404, traversal refused, malformed and pipelined requests over a raw
# socket (http_raw.py), POST /echo chunked, server-sent events, headless
# Chromium on the default site (screenshot kept in $WORK), wrk with 100
# connections, 1,000 connections opened and closed with nothing leaked, and
# tapir-get fetching from Python's http.server by name through dnsmasq.
#
# wrk runs for WRK_SECONDS (default 5 s here; bench/http.sh runs longer).
set -u
. "$(dirname "$0")/lib.sh"
tap_setup

WRK_SECONDS=${WRK_SECONDS:-5}
for tool in curl wrk ab tshark python3; do
	command -v "$tool" >/dev/null || { not_ok "$tool is installed (scripts/deps.sh)"; tap_finish; }
done

URL=http://10.0.0.2
curl_ns() { in_ns curl -s --max-time 20 "$@"; }

# ---- the document root ----------------------------------------------------------------
ROOTDIR="$WORK/root"
mkdir -p "$ROOTDIR/dir" "$WORK/outside"
cp -r "$ROOT"/www/. "$ROOTDIR/"
printf 'small file for tapir\n' >"$ROOTDIR/small.txt"
head -c $((10 * 1024 * 1024)) /dev/urandom >"$ROOTDIR/big.bin"
printf 'index of dir\n' >"$ROOTDIR/dir/index.html"
printf 'secret outside the root\n' >"$WORK/outside/secret.txt"
ln -s "$WORK/outside/secret.txt" "$ROOTDIR/escape.txt"
ln -s "$WORK/outside" "$ROOTDIR/escape-dir"

start_tapir httpd tapir-httpd --root "$ROOTDIR" --header-timeout 2 --stats \
	--pcap "$WORK/httpd.pcap" --trace "$WORK/httpd.jsonl"
httpd_pid=$TAPIR_PID
require "tapir-httpd answers ping (ready)" wait_reachable 10.0.0.2

# ---- GET, HEAD, keep-alive ------------------------------------------------------------------
curl_ns -o "$WORK/small.out" "$URL/small.txt"
check "GET /small.txt is byte-exact" cmp -s "$ROOTDIR/small.txt" "$WORK/small.out"
start=$(date +%s.%N)
curl_ns -o "$WORK/big.out" "$URL/big.bin"
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
check "GET of 10 MB is byte-exact (${took} s)" cmp -s "$ROOTDIR/big.bin" "$WORK/big.out"

head=$(curl_ns -I "$URL/big.bin")
check "HEAD gives Content-Length 10485760" grep -q "Content-Length: 10485760" <<<"$head"
check "HEAD has Date, Server, ETag and Last-Modified" \
	bash -c "grep -q '^Date: ' <<<'$head' && grep -q '^Server: tapir' <<<'$head' &&
	         grep -q '^ETag: \"' <<<'$head' && grep -q '^Last-Modified: ' <<<'$head'"

# Three URLs on one connection from a fixed port: one SYN in the capture.
curl_ns -v --local-port 40123 -o /dev/null -o /dev/null -o /dev/null \
	"$URL/" "$URL/style.css" "$URL/tapir.png" 2>"$WORK/keepalive.err"
reused=$(grep -c "Re-using existing connection" "$WORK/keepalive.err")
check "curl re-used the connection for URLs 2 and 3 ($reused)" test "$reused" -eq 2
check "the default index is text/html" grep -q "Content-Type: text/html" "$WORK/keepalive.err"

# ---- conditional requests, ranges, errors -------------------------------------------------------
etag=$(curl_ns -I "$URL/small.txt" | sed -n 's/^ETag: \(.*\)\r$/\1/p')
code=$(curl_ns -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL/small.txt")
check "If-None-Match with the ETag -> 304 ($code)" test "$code" = 304
code=$(curl_ns -o /dev/null -w '%{http_code}' -H 'If-None-Match: "other"' "$URL/small.txt")
check "If-None-Match with another tag -> 200 ($code)" test "$code" = 200
lm=$(curl_ns -I "$URL/small.txt" | sed -n 's/^Last-Modified: \(.*\)\r$/\1/p')
code=$(curl_ns -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $lm" "$URL/small.txt")
check "If-Modified-Since the Last-Modified -> 304 ($code)" test "$code" = 304
code=$(curl_ns -o /dev/null -w '%{http_code}' -H "If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT" \
	"$URL/small.txt")
check "If-Modified-Since long ago -> 200 ($code)" test "$code" = 200

code=$(curl_ns -o "$WORK/range.out" -w '%{http_code}' -r 1000-1999 "$URL/big.bin")
dd if="$ROOTDIR/big.bin" of="$WORK/range.want" bs=1000 skip=1 count=1 status=none
check "Range bytes=1000-1999 -> 206 and the right 1000 bytes ($code)" \
	bash -c "[ '$code' = 206 ] && cmp -s '$WORK/range.want' '$WORK/range.out'"
hdr=$(curl_ns -o /dev/null -D - -r -5 "$URL/small.txt")
check "suffix range bytes=-5 -> Content-Range bytes 16-20/21" grep -q "Content-Range: bytes 16-20/21" <<<"$hdr"
code=$(curl_ns -o /dev/null -w '%{http_code}' -r 50000000- "$URL/big.bin")
check "unsatisfiable range -> 416 ($code)" test "$code" = 416
code=$(curl_ns -o /dev/null -w '%{http_code}' "$URL/no/such/file")
check "missing file -> 404 ($code)" test "$code" = 404
code=$(curl_ns -o /dev/null -w '%{http_code}' "$URL/dir")
loc=$(curl_ns -o /dev/null -D - "$URL/dir" | sed -n 's/^Location: \(.*\)\r$/\1/p')
check "a directory without its slash -> 301 to /dir/ ($code $loc)" \
	bash -c "[ '$code' = 301 ] && [ '$loc' = /dir/ ]"
check "a directory serves its index.html" grep -q "index of dir" <<<"$(curl_ns "$URL/dir/")"

# ---- nothing outside the root -----------------------------------------------------------------
for path in "/../outside/secret.txt" "/%2e%2e/outside/secret.txt" "/dir/../../outside/secret.txt" \
	"/escape.txt" "/escape-dir/secret.txt" "/..%2foutside/secret.txt"; do
	body=$(curl_ns --path-as-is -w ' %{http_code}' "$URL$path")
	code=${body##* }
	check "traversal $path refused ($code)" \
		bash -c "([ '$code' = 400 ] || [ '$code' = 404 ]) && ! grep -q secret <<<'$body'"
done

# ---- POST /echo (chunked), server-sent events ---------------------------------------------------
head -c 100000 /dev/urandom >"$WORK/echo.in"
curl_ns -H "Transfer-Encoding: chunked" -H "Content-Type: application/x-tapir" \
	--data-binary @"$WORK/echo.in" -D "$WORK/echo.hdr" -o "$WORK/echo.out" "$URL/echo"
check "POST /echo with a chunked body of 100000 bytes comes back byte-exact" \
	cmp -s "$WORK/echo.in" "$WORK/echo.out"
check "POST /echo keeps the Content-Type" grep -q "Content-Type: application/x-tapir" "$WORK/echo.hdr"
code=$(curl_ns -o /dev/null -w '%{http_code}' "$URL/echo")
check "GET /echo -> 405 ($code)" test "$code" = 405

start=$(date +%s.%N)
curl_ns -D "$WORK/sse.hdr" -o "$WORK/sse.out" "$URL/events?count=3"
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
check "GET /events?count=3 is text/event-stream, chunked" \
	bash -c "grep -q 'Content-Type: text/event-stream' '$WORK/sse.hdr' &&
	         grep -q 'Transfer-Encoding: chunked' '$WORK/sse.hdr'"
check "three numbered events about a second apart (${took} s)" \
	bash -c "[ \"\$(grep -c '^data: event' '$WORK/sse.out')\" = 3 ] && grep -q '^id: 3' '$WORK/sse.out' &&
	         awk 'BEGIN {exit !($took > 1.5 && $took < 4)}'"

# ---- malformed, pipelined and slow requests over a raw socket ------------------------------------
in_ns python3 "$ROOT/tests/tap/http_raw.py" 10.0.0.2 80

# ---- stop: stats, trace, capture ------------------------------------------------------------------
stop_tapir "$httpd_pid"
check "tapir-httpd exits cleanly on SIGTERM" test $? -eq 0
grep -A4 '^http:' "$WORK/httpd.err" | sed 's/^/# /'
open=$(sed -n 's/^ *[0-9]* connections accepted, \([0-9]*\) open$/\1/p' "$WORK/httpd.err")
check "no connection left open at the end ($open)" test "${open:-1}" -eq 0
check "--stats counts the refusals (uri-too-long)" test "$(stat_drops "$WORK/httpd.err" http uri-too-long)" -ge 1
check "--stats counts the slow client" test "$(stat_drops "$WORK/httpd.err" http slow-client)" -ge 1
check "the access log has a line per request" \
	grep -q '"GET /small.txt HTTP/1.1" 200 21 ' "$WORK/httpd.err"
check "the trace has HTTP request and response events" \
	bash -c "grep -q '\"event\":\"http\",.*\"what\":\"request\"' '$WORK/httpd.jsonl' &&
	         grep -q '\"what\":\"response\"' '$WORK/httpd.jsonl' && grep -q '\"what\":\"refused\"' '$WORK/httpd.jsonl'"
tshark -r "$WORK/httpd.pcap" -Y 'tcp.port == 40123' -T fields -e tcp.flags.syn -e tcp.flags.ack \
	-e http.request.method >"$WORK/keepalive.fields" 2>/dev/null
syns=$(awk '$1 == "1" && $2 == "0"' "$WORK/keepalive.fields" | wc -l)
gets=$(grep -c GET "$WORK/keepalive.fields")
check "the capture shows one handshake for the three keep-alive requests ($syns SYN, $gets GETs)" \
	bash -c "[ $syns -eq 1 ] && [ $gets -eq 3 ]"

# ---- the default site (no --root, no capture): a real browser, then load ----------------------------
start_tapir site tapir-httpd --stats
site_pid=$TAPIR_PID
require "tapir-httpd serves the default site (ready)" wait_reachable 10.0.0.2
if command -v chromium >/dev/null; then
	profile=$(mktemp -d "$WORK/chromium.XXXXXX")
	chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
		--disable-background-networking --disable-component-update --disable-sync
		--user-data-dir="$profile" --window-size=900,700)
	in_ns timeout 30 "${chrome[@]}" --screenshot="$WORK/site.png" "$URL/" >"$WORK/chromium.log" 2>&1
	in_ns timeout 30 "${chrome[@]}" --dump-dom "$URL/" >"$WORK/site.dom" 2>>"$WORK/chromium.log"
	check "Chromium saved a screenshot of the default site" \
		bash -c "[ -s '$WORK/site.png' ] && head -c 8 '$WORK/site.png' | od -An -tx1 | grep -q '89 50 4e 47'"
	check "Chromium rendered the page with both images loaded" \
		grep -q "images: tapir=96 packet=160" "$WORK/site.dom"
	check "the browser fetched the page, the stylesheet and the images" \
		bash -c "grep -q 'GET /style.css' '$WORK/site.err' && grep -q 'GET /tapir.png' '$WORK/site.err' &&
		         grep -q 'GET /packet.svg' '$WORK/site.err'"
	cp "$WORK/site.png" "${HTTP_SCREENSHOT:-/tmp/tapir-http-site.png}" 2>/dev/null
	echo "# screenshot: ${HTTP_SCREENSHOT:-/tmp/tapir-http-site.png}"
else
	echo "# chromium is not installed: the browser check is skipped"
fi

# ---- load: wrk with 100 connections, then 1,000 connections opened and closed --------------------
in_ns wrk -t 2 -c 100 -d "${WRK_SECONDS}s" --latency "$URL/style.css" >"$WORK/wrk.out" 2>&1
sed 's/^/# /' "$WORK/wrk.out" | head -n 20
reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
check "wrk -c 100 -d ${WRK_SECONDS}s completed requests ($reqs)" test "${reqs:-0}" -gt 1000
check "wrk saw no socket errors" bash -c "! grep -q 'Socket errors' '$WORK/wrk.out'"
check "wrk saw no non-2xx responses" bash -c "! grep -q 'Non-2xx' '$WORK/wrk.out'"
# A first thousand warms the allocator up; the second must not grow it.
in_ns ab -q -n 1000 -c 20 "$URL/style.css" >"$WORK/ab-warm.out" 2>&1
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$site_pid/status")
in_ns ab -q -n 1000 -c 20 "$URL/style.css" >"$WORK/ab.out" 2>&1
failed=$(awk '/^Failed requests:/ {print $3}' "$WORK/ab.out")
complete=$(awk '/^Complete requests:/ {print $3}' "$WORK/ab.out")
check "ab: 1,000 connections, each one request, all complete ($complete, $failed failed)" \
	bash -c "[ '${complete:-0}' = 1000 ] && [ '${failed:-1}' = 0 ]"
sleep 2.2 # longer than the linger timeout: every connection is gone
rss_after=$(awk '/VmRSS/ {print $2}' "/proc/$site_pid/status")
check "memory after 1,000 more connections grew less than 2 MiB (${rss_before} -> ${rss_after} KiB)" \
	test $((rss_after - rss_before)) -lt 2048

stop_tapir "$site_pid"
grep -A4 '^http:' "$WORK/site.err" | sed 's/^/# /'
open=$(sed -n 's/^ *[0-9]* connections accepted, \([0-9]*\) open$/\1/p' "$WORK/site.err")
check "no connection left open after the load ($open)" test "${open:-1}" -eq 0

# ---- tapir-get against the kernel: Python's http.server, by name through dnsmasq -------------------
mkdir -p "$WORK/kroot/sub"
printf 'hello from the kernel side\n' >"$WORK/kroot/a.txt"
head -c 500000 /dev/urandom >"$WORK/kroot/b.bin"
printf 'sub index\n' >"$WORK/kroot/sub/index.html"
ip netns exec "$NS" python3 "$ROOT/tests/tap/http_server.py" 10.0.0.1 8080 "$WORK/kroot" \
	>"$WORK/pyhttp.out" 2>"$WORK/pyhttp.err" &
PIDS+=("$!")
ip netns exec "$NS" dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.0.0.1 --port 53 --address=/web.lab/10.0.0.1 >"$WORK/dnsmasq.out" 2>&1 &
PIDS+=("$!")
require "dnsmasq listens on 10.0.0.1:53" wait_udp_listener 53
for _ in $(seq 1 50); do
	in_ns curl -s -o /dev/null --max-time 1 http://10.0.0.1:8080/a.txt && break
	sleep 0.1
done
get() { in_ns timeout 20 "$ROOT/$BUILD/tapir-get" "$@"; }
get -v http://web.lab:8080/a.txt http://web.lab:8080/b.bin http://10.0.0.1:8080/a.txt \
	>"$WORK/get.out" 2>"$WORK/get.err"
rc=$?
cat "$WORK/kroot/a.txt" "$WORK/kroot/b.bin" "$WORK/kroot/a.txt" >"$WORK/get.want"
check "tapir-get fetched 3 URLs by name via dnsmasq, byte-exact (rc $rc)" \
	cmp -s "$WORK/get.want" "$WORK/get.out"
check "tapir-get kept one connection for the 3 URLs" grep -q "1 connection(s) for 3 URL(s)" "$WORK/get.err"
get http://web.lab:8080/chunked http://web.lab:8080/until-close http://web.lab:8080/a.txt \
	>"$WORK/get-framing.out" 2>"$WORK/get-framing.err"
printf 'chunked body in pieces\nbody until the connection closes\n' >"$WORK/get-framing.want"
cat "$WORK/kroot/a.txt" >>"$WORK/get-framing.want"
check "tapir-get reads chunked and close-delimited bodies (then reconnects)" \
	cmp -s "$WORK/get-framing.want" "$WORK/get-framing.out"
get -L http://web.lab:8080/sub >"$WORK/get-redirect.out" 2>"$WORK/get-redirect.err"
check "tapir-get -L follows the 301 to /sub/" grep -q "sub index" "$WORK/get-redirect.out"
get http://nosuch.lab:8080/ >/dev/null 2>"$WORK/get-nx.err"
rc=$?
check "tapir-get reports an unknown name and exits 1 ($rc)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'cannot resolve' '$WORK/get-nx.err'"

tap_finish
