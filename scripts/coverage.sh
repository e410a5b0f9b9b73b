#!/usr/bin/env bash
# coverage.sh BUILD_DIR — line coverage of stack/ from a --coverage build
# whose tests have run: one line per file and the total, from gcov.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/coverage}
total_lines=0
total_hit=0
printf '%-28s %8s %8s\n' file lines covered
for src in stack/*/*.c; do
	obj="$build/obj/${src%.c}.o"
	[ -f "${obj%.o}.gcda" ] || { printf '%-28s %8s %8s\n' "$src" "-" "not run"; continue; }
	line=$(gcov -n -o "$(dirname "$obj")" "$src" 2>/dev/null |
		awk -v f="$src" '$0 ~ "^File .*"f"'"'"'" {getline; print; exit}')
	pct=$(sed -n "s/Lines executed:\([0-9.]*\)% of \([0-9]*\)/\1 \2/p" <<<"$line")
	[ -n "$pct" ] || continue
	read -r p n <<<"$pct"
	hit=$(awk -v p="$p" -v n="$n" 'BEGIN { printf "%d", p * n / 100 + 0.5 }')
	total_lines=$((total_lines + n))
	total_hit=$((total_hit + hit))
	printf '%-28s %8d %7.1f%%\n' "$src" "$n" "$p"
done
awk -v h="$total_hit" -v n="$total_lines" \
	'BEGIN { printf "%-28s %8d %7.1f%%\n", "total (stack/)", n, n ? 100 * h / n : 0 }'
