#!/usr/bin/python3
"""timeline.py TRACE.jsonl — the resolver's side of a tapir-dig run, one
event a line: when (ms since the first lookup began), which lookup, the name,
what happened (cache-miss, query-sent, answer, cache-store, cache-hit,
cache-expired, ...) and the detail that matters for it (message ID and
server, response code and answer count, TTL). Read from the `dns` events of
tapir's trace (docs/trace.md)."""
import json
import sys


def detail(ev):
    what = ev["what"]
    if what in ("query-sent", "retransmit"):
        return f"id {ev['id']} to {ev['server']} (try {ev['attempt']})"
    if what == "answer":
        return f"id {ev['id']}: {ev['rcode']}, {ev['answers']} answer record(s)"
    if what == "cache-store":
        kind = "negative answer" if ev["rcode"] != "NOERROR" else "answer"
        return f"{kind} kept for {ev['ttl']} s"
    if what == "cache-hit":
        kind = "negative, " if ev["detail"] == "negative" else ""
        return f"{kind}{ev['rcode']}, {ev['ttl']} s of its TTL left: no query sent"
    if what == "cache-expired":
        return f"the entry's TTL of {ev['ttl']} s ran out"
    if what == "cname":
        return ev["detail"] or ""
    return ev["detail"] or ""


def main():
    events = []
    with open(sys.argv[1]) as trace:
        for line in trace:
            ev = json.loads(line)
            if ev["event"] == "dns" and ev["what"] not in ("state", "done"):
                events.append(ev)
    if not events:
        print("no DNS events in", sys.argv[1])
        return
    t0 = events[0]["time_us"]
    print(f"{'t (ms)':>9}  lookup  {'name':<12} {'event':<14} detail")
    for ev in events:
        print(f"{(ev['time_us'] - t0) / 1000:9.1f}  #{ev['query']:<5}  {ev['name']:<12} "
              f"{ev['what']:<14} {detail(ev)}")


main()
