#!/usr/bin/python3
"""idle_conns.py HOST PORT N — open N TCP connections and keep them idle.

Prints "ready N" once all are established (or how many made it), then
waits for a line on stdin and closes them all."""
import resource
import socket
import sys

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, count + 100), max(hard, count + 100)))
conns = []
for _ in range(count):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((host, port))
    except OSError as e:
        print(f"connect failed after {len(conns)}: {e}", flush=True)
        break
    conns.append(s)
print(f"ready {len(conns)}", flush=True)
sys.stdin.readline()
for s in conns:
    s.close()
