#!/usr/bin/env bash
# check.sh — did run.sh produce what Lab 5's questions rely on?
set -u
. "$(dirname "$0")/../lib.sh"
[ -d "$OUT" ] || { echo "no $OUT: run sudo ./run.sh first"; exit 1; }
queries() { tshark_count "$1" "dns.flags.response == 0 && dns.qry.name == \"$2\""; }
asked_by_tapir() { grep -c "auth\[A\] $2 from 10.0.0.2" "$OUT/$1"; }

l=$OUT/lookup.pcap
expect "step 2: one query for www.lab on the wire, though it was looked up twice ($(queries "$l" www.lab))" \
	test "$(queries "$l" www.lab)" -eq 1
expect "step 2: the second answer came from tapir's cache (lookup.txt)" \
	grep -q "from tapir's cache: no query sent" "$OUT/lookup.txt"
expect "step 2: the trace shows lookup 2 as a cache hit" \
	grep -q '"what":"cache-hit","query":2,"name":"www.lab."' "$OUT/lookup.jsonl"
expect "step 2: the answers are authoritative (aa) with TTL 300" \
	test "$(tshark_count "$l" 'dns.flags.authoritative == 1 && dns.resp.ttl == 300')" -ge 2
expect "step 2: web.lab is answered with a CNAME to www.lab and its address" \
	test "$(tshark_count "$l" 'dns.cname == "www.lab" && dns.a == 10.0.0.80')" -eq 1
ids_q=$(tshark -r "$l" -Y 'dns.flags.response == 0' -T fields -e dns.id 2>/dev/null | sort | tr '\n' ' ')
ids_r=$(tshark -r "$l" -Y 'dns.flags.response == 1' -T fields -e dns.id 2>/dev/null | sort | tr '\n' ' ')
expect "step 2: every response carries its query's ID ($ids_q)" \
	test -n "$ids_q" -a "$ids_q" = "$ids_r"
expect "step 2: dnsmasq logged one question for www.lab from tapir" \
	test "$(asked_by_tapir dnsmasq.log www.lab)" -eq 1
expect "the kernel's dig got the same answer (kernel-dig.txt)" \
	grep -Eq '^www\.lab\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.0\.0\.80' "$OUT/kernel-dig.txt"

n=$OUT/nxdomain.pcap
expect "step 3: one query for nosuch.lab on the wire ($(queries "$n" nosuch.lab))" \
	test "$(queries "$n" nosuch.lab)" -eq 1
expect "step 3: the NXDOMAIN answer carries the zone's SOA (MINIMUM 300)" \
	test "$(tshark_count "$n" 'dns.flags.rcode == 3 && dns.soa.minimum_ttl == 300')" -eq 1
expect "step 3: the trace keeps the negative answer 300 s" \
	grep -q '"what":"cache-store","query":1,"name":"nosuch.lab.".*"rcode":"NXDOMAIN","ttl":300' \
	"$OUT/nxdomain.jsonl"
expect "step 3: tapir-dig said NXDOMAIN and exited with status 1 (nxdomain.log)" \
	bash -c "grep -q 'nosuch.lab.: NXDOMAIN: no such name' '$OUT/nxdomain.log' &&
	         grep -q 'exited with status 1' '$OUT/nxdomain.log'"
expect "step 3: the second lookup is a negative cache hit" \
	grep -q '"what":"cache-hit","query":2,"name":"nosuch.lab.".*"detail":"negative"' "$OUT/nxdomain.jsonl"

t=$OUT/ttl.pcap
expect "step 4: two queries for www.lab on the wire ($(queries "$t" www.lab))" \
	test "$(queries "$t" www.lab)" -eq 2
expect "step 4: the answers carry TTL 1" \
	test "$(tshark_count "$t" 'dns.flags.response == 1 && dns.resp.ttl == 1')" -eq 4
first_answer=$(tshark -r "$t" -Y 'dns.flags.response == 1 && dns.qry.name == "www.lab"' \
	-T fields -e frame.time_relative 2>/dev/null | head -n 1)
second_query=$(tshark -r "$t" -Y 'dns.flags.response == 0 && dns.qry.name == "www.lab"' \
	-T fields -e frame.time_relative 2>/dev/null | tail -n 1)
expect "step 4: www.lab was asked again more than 1 s after its first answer ($first_answer -> $second_query)" \
	awk -v a="$first_answer" -v b="$second_query" 'BEGIN { exit !(a != "" && b - a > 1.0) }'
expect "step 4: lookup 2 was a cache hit, lookup 5 found the entry expired" \
	bash -c "grep -q '\"what\":\"cache-hit\",\"query\":2,' '$OUT/ttl.jsonl' &&
	         grep -q '\"what\":\"cache-expired\",\"query\":5,\"name\":\"www.lab.\"' '$OUT/ttl.jsonl'"
expect "step 4: dnsmasq logged two questions for www.lab from tapir" \
	test "$(asked_by_tapir dnsmasq-ttl1.log www.lab)" -eq 2
expect "the timelines were written" \
	bash -c "grep -q cache-hit '$OUT/lookup-timeline.txt' && grep -q cache-expired '$OUT/ttl-timeline.txt'"
check_done
