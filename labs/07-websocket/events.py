#!/usr/bin/python3
"""events.py TRACE.jsonl — tapir's side of every WebSocket connection in a
trace, one event a line, in order: the opening handshake, the ready-state
changes (CONNECTING, OPEN, CLOSING, CLOSED, with their cause), each frame in
and out (opcode, FIN, mask, length), the close frames' codes and reasons,
protocol violations, and the TCP state changes of the same connections, so
that the WebSocket close can be seen next to TCP's. Read from the `ws` and
`tcp-state` events of tapir's trace (docs/trace.md)."""
import json
import sys


def describe(ev):
    if ev["event"] == "tcp-state":
        return f"TCP {ev['from']} -> {ev['to']}  ({ev['cause']})"
    what = ev["what"]
    if what == "handshake":
        return f"handshake: {ev['status']} {ev['reason']} for {ev['path']}"
    if what == "state":
        return f"ready-state {ev['from']} -> {ev['to']}  ({ev['cause']})"
    if what == "frame":
        flags = ("FIN" if ev["fin"] else "no FIN") + (", masked" if ev["masked"] else ", not masked")
        return f"frame {ev['dir']:<3} {ev['opcode']:<12} {flags}, {ev['length']} bytes of payload"
    if what == "close":
        return f"close {ev['dir']:<3} code {ev['code']}, reason \"{ev['reason'] or ''}\""
    if what == "violation":
        return f"violation: {ev['reason']}, to be closed with {ev['code']}"
    return what


def main():
    events = [json.loads(line) for line in open(sys.argv[1])]
    ws_conns = {ev["conn"] for ev in events if ev["event"] == "ws"}
    shown = [ev for ev in events
             if ev["event"] == "ws" or (ev["event"] == "tcp-state" and ev["conn"] in ws_conns)]
    if not shown:
        print("no WebSocket events in", sys.argv[1])
        return
    t0 = shown[0]["time_us"]
    for ev in shown:
        print(f"{(ev['time_us'] - t0) / 1000:9.1f} ms  conn {ev['conn']}  {describe(ev)}")


main()
