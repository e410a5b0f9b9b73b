#!/usr/bin/env bash
# Lab 8 — tapir against the Linux kernel: four TCP exchanges, each served
# once by tapir and once by the kernel, with the same kernel client, both
# captured at the client and drawn side by side (scripts/compare-kernel.sh,
# `tapir-viz --compare`). The four run at once, each in namespaces of its own.
set -u
. "$(dirname "$0")/../lib.sh"
lab_prepare
SCENARIOS=(get close-client close-server bulk)

say "1. Four exchanges, each served by tapir and by the kernel (scripts/compare-kernel.sh), side by side"
cat <<'TXT'
    get           the client sends "GET / HTTP/1.0", the server answers 3000 bytes and closes
    close-client  the client says hello and closes first (as the kernel did to discard, Lab 3)
    close-server  the server says hello and closes first (as daytime does, Lab 3)
    bulk          the client sends 1 MB, then closes
TXT
pids=()
for scenario in "${SCENARIOS[@]}"; do
	"$ROOT/scripts/compare-kernel.sh" "$scenario" "$OUT/$scenario" >"$OUT/$scenario.log" 2>&1 &
	pids+=($!)
	LAB_PIDS+=($!)
done
for i in "${!SCENARIOS[@]}"; do
	if wait "${pids[$i]}"; then
		echo "    ${SCENARIOS[$i]}: done ($OUT/${SCENARIOS[$i]}/compare.html)"
	else
		echo "    ${SCENARIOS[$i]}: FAILED, see $OUT/${SCENARIOS[$i]}.log"
	fi
	grep -h 'compare-kernel.sh:.*\(dropped\|instead\|incomplete\)' "$OUT/${SCENARIOS[$i]}.log" |
		sed 's/^/    /'
done

say "2. The segments of each run as text (tshark), to read beside the ladders"
for scenario in "${SCENARIOS[@]}"; do
	for stack in tapir kernel; do
		tshark -r "$OUT/$scenario/$stack.pcap" -o tcp.relative_sequence_numbers:TRUE \
			-T fields -e frame.time_relative -e tcp.srcport -e tcp.dstport -e _ws.col.Info \
			2>/dev/null >"$OUT/$scenario/$stack.txt"
	done
	echo "    $scenario: $(wc -l <"$OUT/$scenario/tapir.txt") segments with tapir," \
		"$(wc -l <"$OUT/$scenario/kernel.txt") with the kernel"
done
echo "    The handshake of 'get', tapir then the kernel, as the client saw it:"
for stack in tapir kernel; do
	head -n 3 "$OUT/get/$stack.txt" | cut -f 4 | sed "s/^/      $stack: /"
done

say "3. One page for everything: $OUT/index.html"
{
	printf '<!doctype html>\n<meta charset="utf-8">\n<title>Lab 8: tapir and the Linux kernel</title>\n'
	printf '<h1>Lab 8: the same exchanges, tapir and the Linux kernel</h1>\n<ul>\n'
	for scenario in "${SCENARIOS[@]}"; do
		printf '<li><b>%s</b>: <a href="%s/compare.html">side by side</a>' "$scenario" "$scenario"
		printf ' · <a href="%s/a/index.html">tapir run (from the capture)</a>' "$scenario"
		printf ' · <a href="%s/b/index.html">kernel run (from the capture)</a>' "$scenario"
		printf ' · <a href="%s/tapir-live/index.html">tapir run (its own trace)</a></li>\n' "$scenario"
	done
	printf '</ul>\n'
} >"$OUT/index.html"
lab_done
echo "Open $OUT/index.html for the comparisons."
