#!/usr/bin/env bash
# test_live.sh — the live view of tapir-httpd in a real browser (/live/,
# www/live/; the feed is stack/ws/trace_feed.c):
#   - /live redirects to /live/, the page and /live/fsm.json (the TCP state
#     table, every row) are served;
#   - headless Chromium opens /live/, whose script opens the WebSocket
#     /ws/trace; meanwhile curl makes three connections to tapir; the page
#     must show each of them going LISTEN ... ESTABLISHED ... CLOSED, their
#     SYN and FIN segments on its ladder, and its own connection ESTABLISHED
#     with not one of its own segments (the feed does not feed itself);
#   - tapir-httpd restarts and the page reconnects by itself;
#   - tapir's trace shows the /ws/trace handshake; --stats shows no events lost.
# Chromium is driven over the DevTools protocol by live_cdp.js; every wait
# polls with a deadline. The screenshot goes to out/tap/live-chromium.png.
set -u
. "$(dirname "$0")/lib.sh"
tap_setup

URL=http://10.0.0.2
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
for tool in chromium node curl; do
	command -v "$tool" >/dev/null || { not_ok "$tool is installed (scripts/deps.sh)"; tap_finish; }
done
node -e "require('ws')" 2>/dev/null || { not_ok "Node's ws package is installed (node-ws)"; tap_finish; }
OUT_DIR=${TAPIR_OUT:-$ROOT/out}/tap
SHOT="$OUT_DIR/live-chromium.png"
mkdir -p "$OUT_DIR"
rm -f "$SHOT"

start_tapir httpd tapir-httpd --quiet --stats --trace "$WORK/httpd.jsonl"
pid=$TAPIR_PID
require "tapir-httpd is up" wait_reachable 10.0.0.2

# ---- what the server serves ----------------------------------------------------------------
curl_ns() { in_ns curl -s --max-time 10 "$@"; }
check "/live redirects to /live/" \
	test "$(curl_ns -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/live")" = "301 $URL/live/"
curl_ns "$URL/live/" >"$WORK/page.html"
check "/live/ is the page with its scripts" grep -q 'src="live.js"' "$WORK/page.html"
curl_ns -D "$WORK/fsm.head" "$URL/live/fsm.json" >"$WORK/fsm.json"
check "/live/fsm.json is JSON with the state table (>= 25 rows)" \
	python3 -c "import json,sys; t=json.load(open('$WORK/fsm.json'))['tcp']['transitions']; sys.exit(len(t) < 25)"
check "/live/fsm.json has the RFC's ESTABLISHED -> CLOSE-WAIT row" \
	grep -q '"from":"ESTABLISHED","event":"rcv FIN","to":"CLOSE-WAIT"' "$WORK/fsm.json"
check "/live/fsm.json is application/json" grep -qi '^content-type: application/json' "$WORK/fsm.head"

# ---- Chromium, driven over the DevTools protocol ----------------------------------------------
profile="$WORK/chromium-profile"
ip netns exec "$NS" chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --remote-debugging-port=0 about:blank \
	>"$WORK/chromium.out" 2>"$WORK/chromium.err" &
PIDS+=($!)
for _ in $(seq 1 200); do
	[ -s "$profile/DevToolsActivePort" ] && break
	sleep 0.1
done
require "Chromium is listening for DevTools" test -s "$profile/DevToolsActivePort"
devtools="ws://127.0.0.1:$(sed -n 1p "$profile/DevToolsActivePort")$(sed -n 2p "$profile/DevToolsActivePort")"

in_ns timeout 120 node "$ROOT/tests/tap/live_cdp.js" watch "$devtools" "$URL/live/" "$SHOT" "$URL/" 3 \
	>"$WORK/watch.out" 2>&1
rc=$?
sed 's/^/# /' "$WORK/watch.out"
check "the page opened /ws/trace and showed all three curl connections closing" test "$rc" -eq 0

self=$(grep '^self conn=' "$WORK/watch.out")
check "the page lists its own connection: ESTABLISHED via LISTEN and SYN-RECEIVED" \
	grep -q '^self conn=[0-9]* state=ESTABLISHED path=CLOSED>LISTEN>SYN-RECEIVED>ESTABLISHED$' \
	<<<"$self"
check "none of the page's own segments is on its ladder" grep -qx 'own-segments 0' "$WORK/watch.out"
check "the page's scripts threw no error" grep -qx 'page-errors 0' "$WORK/watch.out"
ports=$(sed -n 's/^curl port=\([0-9]*\) code=200$/\1/p' "$WORK/watch.out")
check "curl fetched / three times (200)" test "$(wc -w <<<"$ports")" -eq 3
for port in $ports; do
	check "connection from port $port: LISTEN > SYN-RECEIVED > ESTABLISHED ... > CLOSED" \
		grep -Eq "^conn port=$port state=CLOSED path=CLOSED>LISTEN>SYN-RECEIVED>ESTABLISHED>.*>CLOSED$" \
		"$WORK/watch.out"
	flags=$(grep "^ladder port=$port " "$WORK/watch.out")
	check "ladder of port $port: SYN in, SYN,ACK out, FIN both ways" \
		bash -c 'grep -q "in:SYN;" <<<"$1" && grep -q "out:SYN,ACK;" <<<"$1" &&
			grep -q "in:FIN" <<<"$1" && grep -q "out:FIN" <<<"$1"' _ "$flags"
done
png_ok() { # a PNG (its signature) of a real size
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] &&
		[ "$(stat -c %s "$1")" -gt 30000 ]
}
check "screenshot saved: a PNG over 30 kB ($SHOT)" png_ok "$SHOT"

# ---- tapir-httpd restarts: the page reconnects by itself ---------------------------------------
stop_tapir "$pid"
check "tapir-httpd exits cleanly" test $? -eq 0
start_tapir httpd2 tapir-httpd --quiet
require "tapir-httpd is up again" wait_reachable 10.0.0.2
old_key=$(sed -n 's/^self-key //p' "$WORK/watch.out")
in_ns timeout 90 node "$ROOT/tests/tap/live_cdp.js" reconnect "$devtools" "$URL/live/" \
	"$old_key" >"$WORK/reconnect.out" 2>&1
rc=$?
sed 's/^/# /' "$WORK/reconnect.out"
new_key=$(sed -n 's/^reconnected key=\([0-9:]*\) .*/\1/p' "$WORK/reconnect.out")
check "after the restart the page reconnected: a later session ($old_key -> $new_key), ESTABLISHED" \
	test "$rc" -eq 0 -a -n "$old_key" -a "${new_key%%:*}" -gt "${old_key%%:*}"
check "... and it said the feed had closed" grep -Eq 'closed-notes=[1-9]' "$WORK/reconnect.out"

# ---- the server's side ----------------------------------------------------------------------
check "trace: the page's upgrade to /ws/trace (101)" \
	bash -c "grep '\"what\":\"handshake\"' '$WORK/httpd.jsonl' | grep -q '\"path\":\"/ws/trace\".*\"status\":101'"
check "--stats: no live-trace events lost" \
	test "$(stat_drops "$WORK/httpd.err" ws feed-queue-full)" -eq 0 -a \
	"$(stat_drops "$WORK/httpd.err" ws feed-slow-viewer)" -eq 0

# ---- with --root DIR (no live/ folder in it) the page is still there ---------------------------
stop_tapir "$TAPIR_PID"
mkdir -p "$WORK/site"
printf 'a site of its own\n' >"$WORK/site/index.html"
start_tapir rooted tapir-httpd --quiet --root "$WORK/site"
require "tapir-httpd --root is up" wait_reachable 10.0.0.2
code=$(in_ns curl -s -o /dev/null -w '%{http_code}' "$URL/live")
check "--root: /live -> 301 to /live/ ($code)" test "$code" = 301
for f in "" live.js diagram.js live.css; do
	in_ns curl -s -o "$WORK/lent" "$URL/live/$f"
	check "--root: /live/$f is the default site's copy" cmp -s "$WORK/lent" "$ROOT/www/live/${f:-index.html}"
done
check "--root: the site itself is served" \
	bash -c "ip netns exec '$NS' curl -s '$URL/' | grep -q 'a site of its own'"
tap_finish
