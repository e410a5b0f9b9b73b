#!/usr/bin/env bash
# test_ws.sh — WebSocket (RFC 6455) on tapir against real peers over the lab
# TAP link:
#   - Node's `ws` client against tapir's /ws/echo and /ws/chat (ws_client.js):
#     0 ... 1 MiB messages echoed exactly, fragments, ping/pong, a clean close,
#     two chat clients;
#   - protocol violations from a raw socket (ws_raw.py), each closed with the
#     right code and then the TCP connection, while a good client is served;
#   - headless Chromium loading a page from tapir whose script round-trips
#     text and binary and closes with 1000 (result read from the DOM,
#     screenshot saved to out/tap/ws-chromium.png);
#   - tapir's trace: ready-states and TCP states of the same connection;
#   - tapir-ws, the client on tapir, against Node's `ws` server in the kernel.
#
# The server is tapir-httpd when it has the /ws/ routes, else tapir-ws --serve
# (the same library routes on tapir's HTTP server).
set -u
. "$(dirname "$0")/lib.sh"
tap_setup

export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
if ! node -e "require('ws')" 2>/dev/null; then
	not_ok "Node's ws package is installed (scripts/deps.sh: node-ws)"
	exit 1
fi
OUT_DIR=${TAPIR_OUT:-$ROOT/out}/tap
mkdir -p "$OUT_DIR" "$WORK/www"
cp "$ROOT/tests/tap/ws_page.html" "$WORK/www/"

# ---- tapir serves /ws/echo and /ws/chat -------------------------------------------------
if "$ROOT/$BUILD/tapir-httpd" --help 2>&1 | grep -q "/ws/echo"; then
	server=(tapir-httpd --root "$WORK/www" --quiet)
else
	echo "# tapir-httpd has no /ws/ routes yet: serving them with tapir-ws --serve"
	server=(tapir-ws --serve --root "$WORK/www")
fi
start_tapir ws "${server[@]}" --stats --trace "$WORK/ws.jsonl"
pid=$TAPIR_PID
require "${server[0]} is up" wait_reachable 10.0.0.2

in_ns timeout 120 node "$ROOT/tests/tap/ws_client.js" ws://10.0.0.2 >"$WORK/node.out" 2>&1
cat "$WORK/node.out"
grep -q "^not ok" "$WORK/node.out" && FAILED=1
check "Node ws client: every check ran" bash -c "[ \$(grep -c '^ok' '$WORK/node.out') -ge 25 ]"

in_ns timeout 120 "$SCAPY_PY" "$ROOT/tests/tap/ws_raw.py" 10.0.0.2 80 /ws/echo \
	>"$WORK/raw.out" 2>&1
cat "$WORK/raw.out"
grep -q "^not ok" "$WORK/raw.out" && FAILED=1
check "raw-socket violations: every check ran" bash -c "[ \$(grep -c '^ok' '$WORK/raw.out') -ge 35 ]"

# ---- a real browser ----------------------------------------------------------------------
chromium_run() { # chromium_run ARGS...: headless, in the namespace, on its own profile
	local profile
	profile=$(mktemp -d)
	in_ns timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$profile" --virtual-time-budget=15000 "$@" \
		2>>"$WORK/chromium.err"
	local rc=$?
	rm -rf "$profile"
	return $rc
}
if command -v chromium >/dev/null; then
	chromium_run --dump-dom http://10.0.0.2/ws_page.html >"$WORK/page.html"
	grep -o '<li[^>]*>[^<]*' "$WORK/page.html" | sed 's/<li[^>]*>/# chromium: /'
	check "Chromium: text and binary round-trip, close 1000 clean (read from the DOM)" \
		grep -q 'data-state="pass">PASS code=1000' "$WORK/page.html"
	rm -f "$OUT_DIR/ws-chromium.png"
	chromium_run --window-size=900,500 --screenshot="$OUT_DIR/ws-chromium.png" \
		http://10.0.0.2/ws_page.html >/dev/null
	check "Chromium: screenshot saved ($OUT_DIR/ws-chromium.png)" test -s "$OUT_DIR/ws-chromium.png"
else
	not_ok "chromium is installed (scripts/deps.sh)"
fi

stop_tapir "$pid"
check "${server[0]} exits cleanly" test $? -eq 0

# ---- the trace: WebSocket ready-states over TCP states -------------------------------------
# The chat client's connection: its ws states and the TCP states with the same conn id.
conn=$(grep '"event":"ws"' "$WORK/ws.jsonl" | grep '"path":"/ws/chat"' |
	grep -o '"conn":[0-9]*' | head -n1 | cut -d: -f2)
states=$(grep '"event":"ws"' "$WORK/ws.jsonl" | grep "\"conn\":$conn," | grep '"what":"state"' |
	sed 's/.*"from":"\([A-Z]*\)","to":"\([A-Z]*\)".*/\1>\2/' | tr '\n' ' ')
echo "# ws states of conn $conn: $states"
check "trace: a chat connection went CONNECTING>OPEN>CLOSING>CLOSED" \
	test "$states" = "CONNECTING>OPEN OPEN>CLOSING CLOSING>CLOSED "
check "trace: the same connection's TCP states are there (ESTABLISHED ... CLOSED/TIME-WAIT)" \
	bash -c "grep '\"event\":\"tcp-state\"' '$WORK/ws.jsonl' | grep '\"conn\":$conn,' |
		grep -q '\"to\":\"ESTABLISHED\"'"
check "trace: every violation is a ws violation event with its close code" \
	bash -c "[ \$(grep -c '\"what\":\"violation\"' '$WORK/ws.jsonl') -ge 20 ]"
utf8_drops=$(stat_drops "$WORK/ws.err" ws bad-utf8)
check "--stats counts the violations by reason (ws bad-utf8: $utf8_drops)" test "$utf8_drops" -ge 5

# ---- tapir-ws, the client on tapir, against Node's ws server ------------------------------------
in_ns node "$ROOT/tests/tap/ws_server.js" 8080 >"$WORK/node-server.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do grep -q listening "$WORK/node-server.out" && break; sleep 0.1; done
printf 'hello\nüber tapir\n\nlast line' |
	in_ns timeout 30 "$ROOT/$BUILD/tapir-ws" --trace "$WORK/client.jsonl" \
		ws://10.0.0.1:8080/echo >"$WORK/client.out" 2>"$WORK/client.err"
rc=$?
sed 's/^/# tapir-ws: /' "$WORK/client.err"
check "tapir-ws -> Node ws server: lines echoed, masked (ws accepts them), exit 0 ($rc)" \
	bash -c "[ $rc -eq 0 ] && printf 'hello\nüber tapir\n\nlast line\n' | cmp -s - '$WORK/client.out'"
check "tapir-ws: clean close 1000 reported" grep -q "closed, code 1000 bye (clean)" "$WORK/client.err"
check "tapir-ws trace: client frames are masked" \
	bash -c "grep '\"what\":\"frame\"' '$WORK/client.jsonl' | grep '\"dir\":\"out\"' |
		grep -q '\"masked\":true' && ! grep '\"what\":\"frame\"' '$WORK/client.jsonl' |
		grep '\"dir\":\"out\"' | grep -q '\"masked\":false'"
if command -v dnsmasq >/dev/null; then
	in_ns dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces --listen-address=10.0.0.1 \
		--port 53 --host-record=ws.lab,10.0.0.1 >"$WORK/dnsmasq.out" 2>&1 &
	PIDS+=($!)
	require "dnsmasq listens on 10.0.0.1:53" wait_udp_listener 53
	echo "by name" | in_ns timeout 30 "$ROOT/$BUILD/tapir-ws" --quiet ws://ws.lab:8080/echo \
		>"$WORK/named.out" 2>&1
	check "tapir-ws resolves ws.lab with tapir's DNS resolver and is echoed" \
		grep -qx "by name" "$WORK/named.out"
else
	not_ok "dnsmasq is installed (scripts/deps.sh: dnsmasq-base)"
fi
in_ns timeout 30 "$ROOT/$BUILD/tapir-ws" ws://10.0.0.1:8080/bad-accept </dev/null \
	>/dev/null 2>"$WORK/bad.err"
rc=$?
check "tapir-ws refuses a 101 with the wrong Sec-WebSocket-Accept (exit $rc)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'could not open' '$WORK/bad.err'"

tap_finish
