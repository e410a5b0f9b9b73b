#!/usr/bin/env bash
# handout.sh — make the student tree of an implementation lab (labs/impl/).
#
#   scripts/handout.sh NAME DEST        (make handout LAB=NAME DEST=DIR)
#
# Copies the repository's files (tracked, and new ones not ignored) to DEST,
# which must not exist or be empty. In stack/ and apps/, the solution
# regions of lab NAME are replaced by their stubs, and the markers of every
# other lab are removed (their code stays). A region in the real source:
#
#	/* LAB(rto) begin: RFC 6298 2.2 and 2.3, SRTT, RTTVAR and RTO */
#	/* LAB(rto) stub: (void)conn, (void)r; */
#	... the solution ...
#	/* LAB(rto) end */
#
# becomes, in the handout of lab rto:
#
#	/* TODO(lab rto): RFC 6298 2.2 and 2.3, SRTT, RTTVAR and RTO */
#	(void)conn, (void)r;
#
# Stub lines follow the begin line; each gives one line of C. DEST also
# gets LAB.md (labs/impl/NAME/README.md and where the TODOs are) and .lab,
# so that `make grade` there grades lab NAME.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	local names=()
	for dir in "$root"/labs/impl/*/; do
		names+=("$(basename "$dir")")
	done
	echo "usage: scripts/handout.sh NAME DEST   (NAME: ${names[*]})" >&2
	exit 2
}

lab=${1:-}
dest=${2:-}
if [ -z "$lab" ] || [ -z "$dest" ]; then
	usage
fi
dest=$(realpath -m "$dest") # DEST is relative to where we were called from
cd "$root"
if ! [[ "$lab" =~ ^[a-z0-9-]+$ ]] || [ ! -f "labs/impl/$lab/README.md" ] ||
	[ ! -f "labs/impl/$lab/tests" ]; then
	echo "handout.sh: no lab '$lab' in labs/impl/" >&2
	usage
fi
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
	echo "handout.sh: $dest exists and is not empty" >&2
	exit 1
fi
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" != "$root" ]; then
	echo "handout.sh: run it in the tapir repository (a handout cannot make handouts)" >&2
	exit 1
fi

# The marker lines, and what each becomes. mawk-compatible (POSIX awk).
# Exits 1 with a message on a malformed, nested or unterminated region.
strip_regions() {
	awk -v lab="$lab" -v file="$1" '
	function fail(msg) {
		printf "handout.sh: %s:%d: %s\n", file, NR, msg > "/dev/stderr"
		failed = 1
		exit 1
	}
	# The lab named by a marker line ("/* LAB(name) kind..."), or "".
	function marker_lab(line) {
		if (!match(line, /^[ \t]*\/\* LAB\([a-z0-9-]+\) /))
			return ""
		sub(/^[ \t]*\/\* LAB\(/, "", line)
		sub(/\).*$/, "", line)
		return line
	}
	# What follows "kind: " up to the closing " */".
	function marker_text(line) {
		sub(/^[^:]*: /, "", line)
		sub(/ \*\/$/, "", line)
		return line
	}
	{
		name = marker_lab($0)
		if (name == "") {
			if (index($0, "LAB("))
				fail("malformed LAB marker: " $0)
			if (open != "")
				in_code = 1
			if (open == lab)
				next # the solution
			print
			next
		}
		if ($0 ~ /\) begin: .* \*\/$/) {
			if (open != "")
				fail("LAB(" name ") begins inside LAB(" open ")")
			open = name
			in_code = 0
			match($0, /^[ \t]*/)
			indent = substr($0, 1, RLENGTH)
			if (name == lab)
				print indent "/* TODO(lab " lab "): " marker_text($0) " */"
		} else if ($0 ~ /\) stub: .* \*\/$/) {
			if (open != name || in_code)
				fail("LAB(" name ") stub line outside the top of its region")
			if (name == lab)
				print indent marker_text($0)
		} else if ($0 ~ /\) end \*\/$/) {
			if (open != name)
				fail("LAB(" name ") end without its begin")
			open = ""
		} else {
			fail("malformed LAB marker: " $0)
		}
	}
	END {
		if (!failed && open != "")
			fail("LAB(" open ") has no end")
	}
	' "$1"
}

mkdir -p "$dest"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		[ -f "$f" ] && printf '%s\0' "$f" # skip files deleted but not yet committed
	done |
	tar --null -T - -cf - | tar -xf - -C "$dest"

# The C sources that may hold regions.
cd "$dest"
sources=()
for dir in stack apps; do
	[ -d "$dir" ] && sources+=("$dir")
done
regions=0
while IFS= read -r -d '' f; do
	n=$(grep -c "/\* LAB($lab) begin: " "$f" || true)
	regions=$((regions + n))
	strip_regions "$f" >"$f.handout"
	mv "$f.handout" "$f"
done < <(grep -rlZ --include='*.c' --include='*.h' 'LAB(' "${sources[@]}" || true)
cd "$root"
if [ "$regions" -eq 0 ]; then
	echo "handout.sh: lab $lab has no regions in stack/ or apps/" >&2
	exit 1
fi

echo "$lab" >"$dest/.lab"
{
	cat "labs/impl/$lab/README.md"
	echo
	echo "## Where"
	echo
	echo "The $regions stubs of this handout, each marked \`TODO(lab $lab)\`:"
	echo
	(cd "$dest" && grep -rn "TODO(lab $lab)" "${sources[@]}") |
		sed 's|^\([^:]*:[0-9]*\):[[:space:]]*/\* TODO(lab [a-z0-9-]*): \(.*\) \*/$|- `\1`: \2|'
	echo
	echo "## Grading"
	echo
	echo "\`make grade\` builds the stack and runs the grading tests of this lab:"
	echo
	grep -v '^[[:space:]]*#' "labs/impl/$lab/tests" | grep -v '^[[:space:]]*$' | sed 's/^/- `/; s/$/`/'
	echo
	echo "It prints what each test checks when it fails, and ends with \"N/M tests pass\"."
	echo "On the stubs some fail; the lab is done when all pass."
} >"$dest/LAB.md"
echo "handout of lab $lab in $dest: $regions stubs; see $dest/LAB.md, then: make grade"
