# lib.sh — shared by the tap tests: a uniquely named lab namespace that is
# removed on exit (even on failure), "ok"/"not ok" reporting, and starting
# tapir programs inside the namespace.
#
# Source it, then call tap_setup. Each check prints "ok - what" or
# "not ok - what"; scripts/run-tests.sh counts those lines.

BUILD=${TAPIR_BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NS="tpt-$$-$RANDOM"
WORK=$(mktemp -d "/tmp/tapir-tap.XXXXXX")
PIDS=()
FAILED=0
SCAPY_PY=/usr/bin/python3

tap_cleanup() {
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	"$ROOT/scripts/netns.sh" down "$NS" >/dev/null 2>&1
	if [ "$FAILED" -ne 0 ] && [ -n "${KEEP_FAILED:-}" ]; then
		echo "# artifacts kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}

tap_setup() {
	if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
		echo "# skipped: needs root and /dev/net/tun"
		exit 77
	fi
	trap tap_cleanup EXIT
	trap 'exit 130' INT TERM
	"$ROOT/scripts/netns.sh" up "$NS" || { echo "not ok - lab network up"; exit 1; }
}

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }
check() { # check "description" command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

in_ns() { ip netns exec "$NS" "$@"; }

# start_tapir NAME PROGRAM ARGS...: run a tapir program in the namespace in
# the background, stdout/stderr to $WORK/NAME.out/.err; sets TAPIR_PID.
start_tapir() {
	local name=$1 prog=$2
	shift 2
	if [ ! -x "$ROOT/$BUILD/$prog" ]; then
		not_ok "$prog is built (make all)"
		exit 1
	fi
	# Not through in_ns: a function would fork a subshell and $! would not be
	# the program itself (ip netns exec execs it, keeping the PID).
	ip netns exec "$NS" "$ROOT/$BUILD/$prog" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	TAPIR_PID=$!
	PIDS+=("$TAPIR_PID")
}

# stop_tapir PID: SIGTERM and wait, so the program prints --stats and
# flushes its pcap. Returns the program's exit status.
stop_tapir() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
}

# wait_udp_listener PORT: until a kernel UDP socket listens on PORT in the
# namespace (at most ~5 s). A server must be listening before tapir asks it:
# tapir's resolver takes the kernel's ICMP port unreachable as "refused".
wait_udp_listener() {
	for _ in $(seq 1 50); do
		[ -n "$(in_ns ss -Hlun "sport = :$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_reachable IP: until the kernel can ping IP (at most ~5 s).
wait_reachable() {
	for _ in $(seq 1 25); do
		in_ns ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# require CONDITION...: like check, but stop the script when it fails.
require() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; exit 1; fi
}

# stat_drops FILE LAYER NAME: how many drops --stats reported for a reason,
# reading the "layer:" sections that tapir_stats_print writes (0 if none).
stat_drops() {
	awk -v layer="$2:" -v name="($3)" '
		/^[a-z]+:$/ { section = $1 }
		section == layer && index($0, name) && /dropped:/ { print $1; found = 1 }
		END { if (!found) print 0 }' "$1"
}

tap_finish() {
	exit "$FAILED"
}
