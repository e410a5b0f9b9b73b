#!/usr/bin/env bash
# run-tests.sh — run test tiers and keep one tally across them.
#
#   scripts/run-tests.sh all             build, lint, unit, sim, labs-impl, fuzz (short), tap
#   scripts/run-tests.sh unit sim ...    just those tiers (already built)
#
# Every cmocka case, every "ok"/"not ok" line of a tap script, every fuzz
# harness and the lint run count as one test each. The last line is the
# tally, "N passed, N failed", and the exit status is 1 if anything failed.
# TAPIR_BUILD picks the build directory (build/sanitize for make sanitize).
set -uo pipefail
cd "$(dirname "$0")/.."

build=${TAPIR_BUILD:-build}
fuzz_seconds=${FUZZ_SECONDS:-4}
passed=0
failed=0
timings=()
skipped=0
failures=()
log_dir=$(mktemp -d /tmp/tapir-tests.XXXXXX)
trap 'rm -rf "$log_dir"' EXIT

note() { printf '\n== %s ==\n' "$*"; }
pass() { passed=$((passed + ${2:-1})); }
fail() { failed=$((failed + ${2:-1})); failures+=("$1"); }

# A cmocka program: count its PASSED and FAILED lines.
run_cmocka() {
	local bin=$1 name log p f
	name=$(basename "$bin")
	log="$log_dir/$name.log"
	"$bin" >"$log" 2>&1
	local rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed before cmocka could report
	fi
	pass "$name" "$p"
	[ "$f" -gt 0 ] && fail "$name" "$f"
	return 0
}

tier_unit() {
	note "unit tests (cmocka)"
	for bin in "$build"/tests/unit/test_*; do
		[ -x "$bin" ] && run_cmocka "$bin"
	done
}

tier_sim() {
	note "sim tests (stacks on the sim link, virtual clock)"
	for bin in "$build"/tests/sim/test_*; do
		[ -x "$bin" ] && run_cmocka "$bin"
	done
}

tier_lint() {
	note "lint (clang-tidy, cppcheck, clang-format)"
	if make --no-print-directory lint; then pass lint; else fail lint; fi
}

tier_fuzz() {
	note "fuzz (libFuzzer, ${fuzz_seconds}s per harness)"
	for bin in build/fuzz/fuzz_*; do
		[ -x "$bin" ] || continue
		local name corpus
		name=$(basename "$bin")
		corpus="$log_dir/corpus-$name"
		mkdir -p "$corpus"
		[ -d "tests/fuzz/seeds/$name" ] && cp -r "tests/fuzz/seeds/$name/." "$corpus/"
		if "$bin" -max_total_time="$fuzz_seconds" -print_final_stats=1 "$corpus" \
			>"$log_dir/$name.log" 2>&1; then
			echo "fuzz $name: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log_dir/$name.log" | awk '{print $2}') inputs, no crash"
			pass "$name"
		else
			tail -n 40 "$log_dir/$name.log"
			fail "$name"
		fi
	done
}

# The implementation labs (labs/impl/check.sh): each lab's handout builds,
# its grading tests fail on the stubs and pass on the real source. Every
# "ok" / "not ok" line counts.
tier_labs_impl() {
	note "implementation labs (handouts build, fail on the stubs, pass on the stack)"
	local log="$log_dir/labs-impl.log" rc p f
	TAPIR_BUILD="$build" labs/impl/check.sh >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	pass labs-impl "$p"
	[ "$f" -gt 0 ] && fail labs-impl "$f"
}

# A tap script prints "ok - what" / "not ok - what" per check, or exits 77
# to say it was skipped (no root, no /dev/net/tun).
tier_tap() {
	note "tap tests (tapir against the Linux kernel in a network namespace)"
	if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
		echo "SKIPPED: tap tests need root and /dev/net/tun (run: sudo make test)"
		skipped=$((skipped + 1))
		return
	fi
	for script in tests/tap/test_*.sh; do
		[ -f "$script" ] || continue
		local name log rc p f
		name=$(basename "$script" .sh)
		log="$log_dir/$name.log"
		local t0=$SECONDS
		echo "-- $name"
		TAPIR_BUILD="$build" bash "$script" >"$log" 2>&1
		rc=$?
		cat "$log"
		echo "-- $name: $((SECONDS - t0)) s"
		if [ "$rc" -eq 77 ]; then
			skipped=$((skipped + 1))
			continue
		fi
		p=$(grep -c '^ok ' "$log")
		f=$(grep -c '^not ok ' "$log")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
		fi
		pass "$name" "$p"
		[ "$f" -gt 0 ] && fail "$name" "$f"
	done
}

tiers=("$@")
if [ "${tiers[0]:-all}" = all ]; then
	note "build"
	build_start=$SECONDS
	if ! make --no-print-directory -j2 all tests fuzz-bins >"$log_dir/build.log" 2>&1; then
		cat "$log_dir/build.log"
		echo "build failed"
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "built $(ls "$build"/tests/unit "$build"/tests/sim 2>/dev/null | grep -c '^test_') test programs in $((SECONDS - build_start)) s"
	tiers=(lint unit sim labs-impl fuzz tap)
fi

start=$SECONDS
for tier in "${tiers[@]}"; do
	tier_start=$SECONDS
	case "$tier" in
	lint | unit | sim | fuzz | tap) "tier_$tier" ;;
	labs-impl) tier_labs_impl ;;
	*) echo "run-tests.sh: unknown tier '$tier'" >&2; exit 2 ;;
	esac
	timings+=("$tier $((SECONDS - tier_start)) s")
done

note "summary ($((SECONDS - start)) s: ${timings[*]/%/,})"
[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
[ "$skipped" -gt 0 ] && echo "$skipped tier(s) or script(s) skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
