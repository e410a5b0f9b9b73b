#!/usr/bin/env bash
# grade.sh — build and run the grading tests of one implementation lab.
#
#   labs/impl/grade.sh NAME        (make grade, or make grade LAB=NAME)
#
# labs/impl/NAME/tests lists the lab's cmocka programs. They are built
# (libtapir and those programs only) into $TAPIR_BUILD (build/ by default)
# and run; each program's output is shown, and the last line is the score,
# "grade NAME: N/M tests pass". The exit status is 0 only when all pass.
# A program that crashes or runs over GRADE_TIMEOUT seconds (default 120)
# counts as failing the tests it had not passed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

lab=${1:-}
if [ -z "$lab" ] || [ ! -f "labs/impl/$lab/tests" ]; then
	echo "usage: labs/impl/grade.sh NAME   (make grade LAB=NAME; a handout knows its lab)" >&2
	exit 2
fi
build=${TAPIR_BUILD:-build}
timeout_s=${GRADE_TIMEOUT:-120}

programs=()
while read -r line; do
	case "$line" in '' | '#'*) continue ;; esac
	programs+=("$build/$line")
done <"labs/impl/$lab/tests"
if [ ${#programs[@]} -eq 0 ]; then
	echo "grade $lab: labs/impl/$lab/tests lists no test program" >&2
	exit 2
fi

if ! make --no-print-directory -j2 BUILD="$build" "${programs[@]}"; then
	echo "grade $lab: the build failed (fix the errors above); 0 tests pass"
	exit 1
fi

passed=0
total=0
log=$(mktemp /tmp/tapir-grade.XXXXXX)
trap 'rm -f "$log"' EXIT
for bin in "${programs[@]}"; do
	echo "== $(basename "$bin")"
	timeout "$timeout_s" "$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	# cmocka announces "Running N test(s)" first and marks each pass "[ OK ]",
	# so a crash part-way still leaves a score.
	n=$(sed -n 's/^\[==========\] Running \([0-9]*\) test.*/\1/p' "$log" | head -n1)
	ok=$(grep -c '^\[       OK \]' "$log")
	n=${n:-1} # crashed before it began: one failure
	[ "$rc" -eq 124 ] && echo "(stopped after ${timeout_s} s)"
	[ "$rc" -ne 0 ] && [ "$ok" -ge "$n" ] && ok=$((n - 1))
	passed=$((passed + ok))
	total=$((total + n))
done
echo "grade $lab: $passed/$total tests pass"
[ "$passed" -eq "$total" ]
