#!/usr/bin/env bash
# test_labs.sh — every coursework lab runs on this machine and its check.sh
# finds what the lab's questions rely on.
set -u
. "$(dirname "$0")/lib.sh"
tap_setup

for lab in "$ROOT"/labs/[0-9]*/; do
	name=$(basename "$lab")
	if TAPIR_BUILD="$BUILD" LAB_MB=1 "$lab/run.sh" >"$WORK/$name.run" 2>&1; then
		ok "lab $name runs"
	else
		tail -n 20 "$WORK/$name.run" | sed 's/^/# /'
		not_ok "lab $name runs"
	fi
	if "$lab/check.sh" >"$WORK/$name.check" 2>&1; then
		ok "lab $name: check.sh finds everything"
	else
		grep "^not ok" "$WORK/$name.check" | sed 's/^/# /'
		not_ok "lab $name: check.sh finds everything"
	fi
	rm -rf "$lab/out"
done
tap_finish
