#!/usr/bin/env bash
# lint.sh FILE... — static checks that `make test` runs on every C file:
# clang-tidy (checks in .clang-tidy), cppcheck, and clang-format (.clang-format)
# in check mode. Exits non-zero on the first kind of finding.
set -uo pipefail
cd "$(dirname "$0")/.."

flags=(-std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Istack/include -Istack -Iapps)
status=0

echo "clang-tidy: $# files"
if ! printf '%s\n' "$@" | xargs -P 2 -I{} clang-tidy --quiet {} -- "${flags[@]}" \
	>/tmp/tapir-tidy.$$ 2>&1; then
	grep -v "warnings generated\|Suppressed\|Use -header-filter\|^$" /tmp/tapir-tidy.$$
	status=1
fi
rm -f /tmp/tapir-tidy.$$

echo "cppcheck"
if ! cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	--inline-suppr --suppress=missingIncludeSystem -Istack/include -Istack -Iapps \
	-D__GNUC__ "$@"; then
	status=1
fi

echo "clang-format"
unformatted=()
for f in "$@" $(ls stack/*/*.h stack/include/tapir/*.h apps/*.h 2>/dev/null); do
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if [ ${#unformatted[@]} -gt 0 ]; then
	echo "not clang-formatted: ${unformatted[*]}"
	echo "lint: run 'make format' to fix the layout"
	status=1
fi
exit $status
