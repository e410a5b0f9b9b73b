#!/usr/bin/env bash
# check.sh — keep the implementation labs in step with the stack they cut.
#
#   labs/impl/check.sh [NAME ...]     every lab in labs/impl/ by default
#
# For each lab: its handout is made in a temporary directory, must contain
# its stubs and no marker, and must build (make all, -Werror) with them;
# its grading tests must fail there, on the stubs; and they must pass on the
# real source (in $TAPIR_BUILD, build/ by default). Each is one "ok" or
# "not ok" line, as in the tap tests; scripts/run-tests.sh counts them
# (tier labs-impl). A lab's handout is built with -O2 like the real tree, so
# that -Werror sees the same warnings.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

build=${TAPIR_BUILD:-build}
work=$(mktemp -d /tmp/tapir-labs-impl.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	failed=1
}

# The end of a log, indented, without the compiler command lines, to see
# why a check failed.
show() { grep -v '^cc ' "$1" | tail -n "${2:-30}" | sed 's/^/    | /'; }

# "N M" from grade.sh's last line "grade NAME: N/M tests pass", or nothing.
score_of() { sed -n 's|^grade [^:]*: \([0-9]*\)/\([0-9]*\) tests pass$|\1 \2|p' "$1"; }

labs=("$@")
if [ ${#labs[@]} -eq 0 ]; then
	for dir in labs/impl/*/; do
		labs+=("$(basename "$dir")")
	done
fi

# Every marker in the source names a lab that exists.
unknown=$(grep -rhoE '/\* LAB\([a-z0-9-]+\)' stack apps | sed 's/.*LAB(\(.*\))/\1/' | sort -u |
	while read -r name; do [ -f "labs/impl/$name/tests" ] || echo "$name"; done)
if [ -z "$unknown" ]; then
	ok "every LAB() marker in stack/ and apps/ names a lab in labs/impl/"
else
	not_ok "markers of labs with no labs/impl/NAME/tests: $unknown"
fi

for lab in "${labs[@]}"; do
	t0=$SECONDS
	tree="$work/$lab"
	log="$work/$lab.log"
	regions=$(grep -rho "/\* LAB($lab) begin: " stack apps | wc -l)

	if scripts/handout.sh "$lab" "$tree" >"$log" 2>&1 &&
		[ "$(grep -rho "TODO(lab $lab)" "$tree/stack" "$tree/apps" | wc -l)" -eq "$regions" ] &&
		! grep -rq 'LAB(' "$tree/stack" "$tree/apps" &&
		make -C "$tree" --no-print-directory -j2 all >>"$log" 2>&1; then
		ok "$lab: the handout has its $regions stubs, no marker, and builds with -Werror"
	else
		not_ok "$lab: the handout (its $regions stubs, no marker left, make all)"
		show "$log"
		continue
	fi

	make -C "$tree" --no-print-directory grade >"$log" 2>&1
	rc=$?
	read -r pass total < <(score_of "$log") || true
	if [ "$rc" -ne 0 ] && [ "${total:-0}" -gt 0 ] && [ "$pass" -lt "$total" ]; then
		ok "$lab: its grading tests fail on the stubs ($pass/$total pass)"
	else
		not_ok "$lab: its grading tests should fail on the stubs (${pass:-?}/${total:-?} pass)"
		show "$log"
	fi

	TAPIR_BUILD="$build" labs/impl/grade.sh "$lab" >"$log" 2>&1
	rc=$?
	read -r pass total < <(score_of "$log") || true
	if [ "$rc" -eq 0 ] && [ "${total:-0}" -gt 0 ] && [ "$pass" -eq "$total" ]; then
		ok "$lab: its grading tests pass on the real source ($pass/$total)"
	else
		not_ok "$lab: its grading tests should pass on the real source (${pass:-?}/${total:-?})"
		show "$log" 60
	fi
	rm -rf "$tree"
	echo "-- $lab: $((SECONDS - t0)) s"
done
exit "$failed"
