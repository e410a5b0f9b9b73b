#!/usr/bin/env bash
# test_demo.sh — `make demo` (scripts/demo.sh) does what it promises, on the
# lab network and on the sim link:
#   - the session: ping answered, www.lab resolved through tapir to 10.0.0.2,
#     curl's GET answered 200 with www/index.html (taken back out of the
#     capture and compared), the WebSocket message echoed and closed with 1000;
#   - a close from each side in tapir's trace: one connection on port 80 went
#     CLOSE-WAIT -> LAST-ACK (the client closed first), another FIN-WAIT-1 ...
#     TIME-WAIT -> CLOSED (tapir closed first);
#   - index.html exists, links the capture, the trace and both connections'
#     pictures, and every file it links exists;
#   - the lab run took its namespace down again;
#   - the sim run works without root (as nobody, when nobody can reach the
#     checkout) and says why it fell back; tapir-demo-sim gives the same trace
#     every time.
# The lab run uses a namespace named for this test; both write under $WORK.
set -u
. "$(dirname "$0")/lib.sh"
tap_setup
"$ROOT/scripts/netns.sh" down "$NS" # the demo brings up its own, with this name

for tool in tshark node dnsmasq curl mergecap; do
	command -v "$tool" >/dev/null || { not_ok "$tool is installed (scripts/deps.sh)"; tap_finish; }
done

# port80_paths TRACE: "CONN: STATE STATE ..." for each of tapir's connections on port 80.
port80_paths() {
	grep '"event":"tcp-state"' "$1" | grep '"local_port":80,' | grep -v '"remote_port":0,' |
		sed 's/.*"conn":\([0-9]*\),.*"to":"\([^"]*\)".*/\1 \2/' |
		awk '{ path[$1] = path[$1] " " $2 } END { for (c in path) print c ":" path[c] }'
}

# links DIR: every href and src of DIR/index.html, one a line.
links() {
	grep -o '\(href\|src\)="[^"]*"' "$1/index.html" | sed 's/^[a-z]*="\(.*\)"$/\1/'
}

# links_exist DIR: every file DIR/index.html links is there.
links_exist() {
	local target missing=0
	for target in $(links "$1"); do
		if [ ! -e "$1/$target" ]; then
			echo "# index.html links a missing file: $target"
			missing=1
		fi
	done
	return $missing
}

# page_in_capture PCAP: the HTTP response body in the capture is www/index.html.
page_in_capture() {
	local objects
	objects=$(mktemp -d "$WORK/objects.XXXXXX")
	tshark -r "$1" -q --export-objects "http,$objects" >/dev/null 2>&1
	cmp -s "$objects/%2f" "$ROOT/www/index.html"
}

# links_main_files DIR: index.html links the capture, the trace and the graphs' index.
links_main_files() {
	local all
	all=$(links "$1")
	grep -qx tapir.pcap <<<"$all" && grep -qx trace.jsonl <<<"$all" &&
		grep -qx graphs/index.html <<<"$all"
}

# shows_pictures DIR: index.html shows two state diagrams and two ladders.
shows_pictures() {
	[ "$(grep -o '<img src="graphs/conn-[0-9]*\(-ladder\)\?\.svg"' "$1/index.html" |
		sort -u | wc -l)" -eq 4 ]
}

# ws_frames_in_capture PCAP: the message went out and came back.
ws_frames_in_capture() {
	[ "$(tshark -r "$1" -Y 'websocket.payload.text == "hello, tapir"' 2>/dev/null | wc -l)" -eq 2 ]
}

# dns_in_capture PCAP: the answer www.lab A 10.0.0.2 is in the capture.
dns_in_capture() {
	tshark -r "$1" -Y dns.a -T fields -e dns.a 2>/dev/null | grep -qx 10.0.0.2
}

# check_session WHAT OUT LOG: what every demo run leaves behind.
check_session() {
	local what=$1 out=$2 log=$3 paths
	check "$what: the pings were answered" grep -q "2 packets transmitted, 2 received" "$log"
	check "$what: tapir's resolver got www.lab A 10.0.0.2" \
		grep -Eq '^ +www\.lab\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.0\.0\.2$' "$log"
	check "$what: the GET was answered 200 OK" grep -q "HTTP/1.1 200 OK" "$log"
	check "$what: the capture holds the page, byte for byte www/index.html" \
		page_in_capture "$out/tapir.pcap"
	check "$what: the capture holds the DNS answer" dns_in_capture "$out/tapir.pcap"
	check "$what: the WebSocket message came back" grep -q "echo: hello, tapir" "$log"
	check "$what: the capture holds the WebSocket frames both ways" \
		ws_frames_in_capture "$out/tapir.pcap"
	check "$what: the WebSocket closed with 1000" grep -q "closed: 1000 (demo over)" "$log"
	paths=$(port80_paths "$out/trace.jsonl")
	echo "$paths" | sed 's/^/# tapir: conn /'
	check "$what: a connection closed by the client first (CLOSE-WAIT, LAST-ACK, CLOSED)" \
		grep -q "ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED$" <<<"$paths"
	check "$what: a connection closed by tapir first (FIN-WAIT-1 ... TIME-WAIT, CLOSED)" \
		grep -Eq "ESTABLISHED FIN-WAIT-1 (FIN-WAIT-2|CLOSING) TIME-WAIT CLOSED$" <<<"$paths"
	check "$what: index.html is written" test -s "$out/index.html"
	check "$what: index.html links the capture, the trace and the graphs" links_main_files "$out"
	check "$what: index.html shows both connections' state diagram and ladder" \
		shows_pictures "$out"
	check "$what: every file index.html links exists" links_exist "$out"
}

# ---- on the lab network, as root ---------------------------------------------------------
out="$WORK/demo"
if TAPIR_NS="$NS" TAPIR_BUILD="$BUILD" TAPIR_DEMO_OUT="$out" "$ROOT/scripts/demo.sh" \
	>"$WORK/demo.log" 2>&1; then
	ok "lab: the demo runs to the end"
else
	tail -n 30 "$WORK/demo.log" | sed 's/^/# /'
	not_ok "lab: the demo runs to the end"
fi
check "lab: it ran on the lab network, not the sim link" \
	grep -q "The lab network: namespace '$NS'" "$WORK/demo.log"
check "lab: it did not fall back to the sim link" bash -c "! grep -q 'sim link' '$WORK/demo.log'"
check_session lab "$out" "$WORK/demo.log"
check "lab: the demo took its network down" bash -c "! ip netns list | grep -qw '$NS'"

# ---- on the sim link, without root --------------------------------------------------------
sim_out="$WORK/sim/demo"
chmod 711 "$WORK"
mkdir -p "$WORK/sim"
chown 65534:65534 "$WORK/sim"
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if command -v setpriv >/dev/null &&
	"${as_nobody[@]}" test -x "$ROOT/$BUILD/tapir-demo-sim" -a -r "$ROOT/www/index.html"; then
	who="nobody"
	run=("${as_nobody[@]}" env TAPIR_BUILD="$BUILD" TAPIR_DEMO_OUT="$sim_out" "$ROOT/scripts/demo.sh")
	why="not running as root"
else
	echo "# nobody cannot reach the checkout: the sim run is forced as root instead"
	who="root with TAPIR_DEMO_SIM=1"
	run=(env TAPIR_DEMO_SIM=1 TAPIR_BUILD="$BUILD" TAPIR_DEMO_OUT="$sim_out" "$ROOT/scripts/demo.sh")
	why="TAPIR_DEMO_SIM is set"
fi
if "${run[@]}" >"$WORK/sim.log" 2>&1; then
	ok "sim: the demo runs to the end as $who"
else
	tail -n 30 "$WORK/sim.log" | sed 's/^/# /'
	not_ok "sim: the demo runs to the end as $who"
fi
check "sim: it says why it runs on the sim link" grep -q "demo: $why" "$WORK/sim.log"
check "sim: every step of tapir-demo-sim worked" grep -q "^Every step worked.$" "$WORK/sim.log"
check_session sim "$sim_out" "$WORK/sim.log"

# ---- the sim run is repeatable -------------------------------------------------------------
for n in 1 2; do
	(cd "$ROOT" && "$BUILD/tapir-demo-sim" --trace "$WORK/sim-$n.jsonl") >/dev/null 2>&1
done
check "sim: tapir-demo-sim writes the same trace every time (virtual clock, seed 1)" \
	cmp -s "$WORK/sim-1.jsonl" "$WORK/sim-2.jsonl"
tap_finish
