# lib.sh — what every lab's run.sh and check.sh share. Source it from the
# lab's folder: it sets LAB (the folder), OUT (LAB/out), BUILD, NS (a lab
# network namespace of its own, removed on exit, also on failure), and
# gives small helpers to start tapir programs and talk from the kernel side.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=$(cd "$(dirname "$0")" && pwd)
OUT="$LAB/out"
BUILD="$ROOT/${TAPIR_BUILD:-build}"
NS="lab-$(basename "$LAB" | cut -c1-12)-$$"
LAB_PIDS=()

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
in_ns() { ip netns exec "$NS" "$@"; }

lab_cleanup() {
	for pid in "${LAB_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${LAB_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	"$ROOT/scripts/netns.sh" down "$NS" >/dev/null 2>&1
}

# lab_prepare: check root, build if needed, make out/ afresh, clean up on exit.
# Enough for a lab whose scripts bring their own networks (Lab 8).
lab_prepare() {
	if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
		echo "This lab needs root and /dev/net/tun: run it with sudo." >&2
		exit 1
	fi
	[ -x "$BUILD/tapir-echo" ] || make -C "$ROOT" --no-print-directory -s all
	rm -rf "$OUT"
	mkdir -p "$OUT"
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
}

# lab_start: lab_prepare, then bring the lab network up.
lab_start() {
	lab_prepare
	"$ROOT/scripts/netns.sh" up "$NS"
	say "Lab network: namespace $NS, tap0 with 10.0.0.1/24 (the Linux kernel); tapir will be 10.0.0.2"
}

# tapir_start NAME PROGRAM ARGS...: a tapir program in the background, its
# stderr in OUT/NAME.log; sets TAPIR_PID. Waits until it answers ping.
tapir_start() {
	local name=$1 prog=$2
	shift 2
	ip netns exec "$NS" "$BUILD/$prog" "$@" 2>"$OUT/$name.log" &
	TAPIR_PID=$!
	LAB_PIDS+=("$TAPIR_PID")
	for _ in $(seq 1 50); do
		[ -s "$OUT/$name.log" ] && break
		sleep 0.1
	done
	sleep 0.2
}

# tapir_stop PID: SIGTERM, so the program writes its graphs, stats and pcap.
tapir_stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# kernel_capture_start FILE: the kernel's own view of tap0, for comparison.
kernel_capture_start() {
	ip netns exec "$NS" tshark -q -i tap0 -w "$1" >/dev/null 2>&1 &
	KERNEL_CAPTURE_PID=$!
	LAB_PIDS+=("$KERNEL_CAPTURE_PID")
	sleep 1 # tshark needs a moment before it sees frames
}

kernel_capture_stop() {
	sleep 0.5
	kill -INT "$KERNEL_CAPTURE_PID" 2>/dev/null
	wait "$KERNEL_CAPTURE_PID" 2>/dev/null
	return 0
}

lab_done() {
	say "Done. Everything this run produced is in $OUT/:"
	ls -1 "$OUT" | sed 's/^/    /'
	[ -f "$OUT/graphs/index.html" ] && echo "Open $OUT/graphs/index.html in a browser for the pictures."
	echo "Open the .pcap files in Wireshark; answer the questions in $LAB/README.md."
}

# ---- for check.sh ---------------------------------------------------------------

CHECK_FAILED=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; CHECK_FAILED=1; }
expect() { # expect "what" command...
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
# tshark_count FILE FILTER: packets in FILE matching the display FILTER.
tshark_count() { tshark -r "$1" -Y "$2" 2>/dev/null | wc -l; }
check_done() {
	if [ "$CHECK_FAILED" -eq 0 ]; then
		echo "The lab's artifacts are all there: it works on this machine."
	else
		echo "Some artifacts are missing or wrong: run.sh did not work as the lab expects."
	fi
	exit "$CHECK_FAILED"
}
