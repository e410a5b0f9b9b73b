#!/usr/bin/env bash
# test_dns.sh — tapir-dig against real name servers in the lab namespace:
# dnsmasq on 10.0.0.1 (answers must equal dig's), the cache (trace and
# capture: one query on the wire for a name asked twice), NXDOMAIN and
# timeout exit codes, and a fake server (tests/tap/fake_dns.py) sending
# hostile answers, each of which must be refused with its reason or bounded,
# never crash tapir-dig; a truncated answer is fetched again over TCP.
set -u
. "$(dirname "$0")/lib.sh"
tap_setup

for tool in dnsmasq dig tshark python3; do
	command -v "$tool" >/dev/null || { not_ok "$tool is installed (scripts/deps.sh)"; tap_finish; }
done

# ---- dnsmasq, stopped by PID in the cleanup (lib.sh kills every PID in PIDS) ----
ip netns exec "$NS" dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.0.0.1 --port 53 --local=/lab/ --local-ttl=300 \
	--address=/www.lab/10.0.0.80 --host-record=mail.lab,10.0.0.25 \
	--host-record=v6.lab,10.0.0.26,2001:db8::26 --cname=web.lab,mail.lab \
	--mx-host=lab,mail.lab,10 --txt-record=lab,"hello world" \
	--txt-record=txt.lab,"v=spf1 -all","second string" \
	--log-queries --log-facility="$WORK/dnsmasq.log" >"$WORK/dnsmasq.out" 2>&1 &
DNSMASQ_PID=$!
PIDS+=("$DNSMASQ_PID")
ready=0
for _ in $(seq 1 50); do
	[ -n "$(in_ns dig @10.0.0.1 +short +time=1 +tries=1 mail.lab 2>/dev/null)" ] && { ready=1; break; }
	sleep 0.1
done
require "dnsmasq answers on 10.0.0.1 (pid $DNSMASQ_PID)" test "$ready" -eq 1

dig_tapir() { in_ns "$ROOT/$BUILD/tapir-dig" "$@"; }

# The answer section of dig-style output, one record a line, fields single-spaced.
answer_section() {
	sed -n '/^;; ANSWER SECTION:$/,/^$/p' | grep -v '^;;' | grep -v '^$' |
		awk '{$1=$1; print}' | sort
}

# ---- answers equal dig's -----------------------------------------------------------
for q in "mail.lab A" "www.lab A" "web.lab A" "lab MX" "lab TXT" "txt.lab TXT" "v6.lab AAAA"; do
	set -- $q
	want=$(in_ns dig @10.0.0.1 +noedns "$1" "$2" | answer_section)
	got=$(dig_tapir "$1" "$2" 2>"$WORK/dig.err" | answer_section)
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		ok "tapir-dig $q answers as dig does ($(echo "$got" | wc -l) records)"
	else
		not_ok "tapir-dig $q answers as dig does"
		echo "# dig:"; echo "$want" | sed 's/^/#   /'
		echo "# tapir-dig:"; echo "$got" | sed 's/^/#   /'; sed 's/^/#   /' "$WORK/dig.err"
	fi
done

out=$(dig_tapir www.lab +short)
check "+short prints only the data ($out)" test "$out" = "10.0.0.80"

# ---- the cache: a repeated name is not asked again ---------------------------------------
dig_tapir www.lab mail.lab mail.lab --trace "$WORK/cache.jsonl" --pcap "$WORK/cache.pcap" \
	>"$WORK/cache.out" 2>"$WORK/cache.err"
check "three lookups in one run succeed" test $? -eq 0
hits=$(grep -c '"what":"cache-hit","query":3,"name":"mail.lab."' "$WORK/cache.jsonl")
check "the trace shows the third lookup as a cache hit ($hits)" test "$hits" -eq 1
queries=$(tshark -r "$WORK/cache.pcap" -Y 'dns.flags.response == 0 and dns.qry.name == "mail.lab"' \
	2>/dev/null | wc -l)
check "the capture holds one query for mail.lab, not two ($queries)" test "$queries" -eq 1
answers=$(tshark -r "$WORK/cache.pcap" -Y 'dns.flags.response == 1' 2>/dev/null | wc -l)
check "the capture holds two answers (www.lab, mail.lab) ($answers)" test "$answers" -eq 2
check "the output says the third answer came from the cache" \
	grep -q "from tapir's cache: no query sent" "$WORK/cache.out"
bad=$(tshark -r "$WORK/cache.pcap" -o udp.check_checksum:TRUE \
	-Y '_ws.malformed or _ws.expert.severity == error' 2>/dev/null | wc -l)
check "tshark finds our queries well formed ($bad errors)" test "$bad" -eq 0
# Measured numbers for the record: the 2nd lookup (ARP resolved) and the cache hit.
qt=$(grep -m2 'Query time' "$WORK/cache.out" | tail -n1)
ct=$(grep 'Query time' "$WORK/cache.out" | tail -n1)
echo "# through dnsmasq: $qt"
echo "# from the cache:  $ct"

# ---- NXDOMAIN and timeout: clear message, non-zero exit ----------------------------------------
dig_tapir nosuch.lab >"$WORK/nx.out" 2>"$WORK/nx.err"
rc=$?
check "NXDOMAIN: exit status 1 ($rc)" test "$rc" -eq 1
check "NXDOMAIN: the message says so" grep -q "nosuch.lab.: NXDOMAIN: no such name" "$WORK/nx.err"
check "NXDOMAIN: the header line shows status NXDOMAIN" grep -q "status: NXDOMAIN" "$WORK/nx.out"

dig_tapir --port 5399 --timeout 0.3 --tries 2 www.lab >/dev/null 2>"$WORK/to.err"
rc=$?
check "no server on the port: exit status 9 ($rc)" test "$rc" -eq 9
# The kernel answers each query with ICMP port unreachable (RFC 1122
# 4.1.3.3): the resolver gives up on it at once instead of timing out.
check "no server on the port: 'connection refused', not 'timed out'" \
	grep -q "connection refused: no server listening" "$WORK/to.err"

# ---- hostile answers from a fake server ---------------------------------------------------------
ip netns exec "$NS" python3 "$ROOT/tests/tap/fake_dns.py" 10.0.0.1 5353 >"$WORK/fake.out" 2>&1 &
FAKE_PID=$!
PIDS+=("$FAKE_PID")
for _ in $(seq 1 50); do grep -q ready "$WORK/fake.out" && break; sleep 0.1; done
require "fake server ready on 10.0.0.1:5353 (pid $FAKE_PID)" grep -q ready "$WORK/fake.out"

# One try, but long enough to cover an ARP retry (1 s) should the kernel miss
# the first request just after the TAP device came up.
fake() { dig_tapir --port 5353 --timeout 1.2 --tries 1 --stats "$@" @10.0.0.1; }

out=$(fake ok.lab +short 2>/dev/null)
check "fake server: a good answer gets through ($out)" test "$out" = "10.0.0.99"

for case in "wrongid wrong-id" "wrongq wrong-question" "loop pointer-loop" \
	"pastend bad-pointer" "trunc truncated" "many too-many-records"; do
	set -- $case
	fake "$1.lab" >"$WORK/$1.out" 2>"$WORK/$1.err"
	rc=$?
	drops=$(stat_drops "$WORK/$1.err" dns "$2")
	if [ "$rc" -eq 9 ] && grep -q "the last was refused: $2" "$WORK/$1.err" && [ "$drops" -ge 1 ]; then
		ok "$1: refused as $2 ($drops dropped), exit 9 with the reason"
	else
		not_ok "$1: refused as $2 (exit $rc, $drops dropped)"
		sed 's/^/#   /' "$WORK/$1.err" | head -n 20
	fi
	check "$1: no address leaked to the output" bash -c "! grep -q 10.0.0.66 '$WORK/$1.out'"
done

fake tc.lab >"$WORK/tc.out" 2>"$WORK/tc.err" --trace "$WORK/tc.jsonl"
rc=$?
n=$(answer_section <"$WORK/tc.out" | wc -l)
check "TC answer: asked again over TCP, 40 records ($n, exit $rc)" \
	bash -c "[ $rc -eq 0 ] && [ $n -eq 40 ] && grep -q '(TCP)' '$WORK/tc.out'"
check "TC answer: the trace shows the TCP fallback" grep -q '"what":"tcp-fallback"' "$WORK/tc.jsonl"

fake servfail.lab >/dev/null 2>"$WORK/sf.err"
rc=$?
check "SERVFAIL: exit 1 and a message ($rc)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'answered SERVFAIL' '$WORK/sf.err'"

fake negative.lab negative.lab --trace "$WORK/neg.jsonl" >/dev/null 2>&1
check "NXDOMAIN with an SOA is cached: the second lookup is a cache hit" \
	grep -q '"what":"cache-hit","query":2,"name":"negative.lab."' "$WORK/neg.jsonl"
check "negative TTL is the SOA MINIMUM (30 s, RFC 2308)" \
	grep -q '"what":"cache-store","query":1,"name":"negative.lab.".*"ttl":30' "$WORK/neg.jsonl"

# ---- stop the servers by PID -------------------------------------------------------------------
kill -TERM "$FAKE_PID" "$DNSMASQ_PID" 2>/dev/null
wait "$DNSMASQ_PID" 2>/dev/null
check "dnsmasq stopped by its PID" bash -c "! kill -0 $DNSMASQ_PID 2>/dev/null"

# With no DNS server left on 10.0.0.1 the kernel answers each query with
# ICMP port unreachable; --stats shows them handed to the resolver's socket.
sleep 0.2
out=$(in_ns timeout 30 "$ROOT/$BUILD/tapir-dig" --stats www.lab @10.0.0.1 2>&1)
rc=$?
check "no server listening: exit status 9, refused ($rc)" \
	bash -c "[ $rc -eq 9 ] && grep -q 'connection refused' <<<'$out'"
check "--stats counts the port unreachables handed to the resolver's socket" \
	grep -q 'ICMP unreachables about our datagrams' <<<"$out"

tap_finish
