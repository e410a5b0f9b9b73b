#!/usr/bin/env python3
"""http_raw.py HOST PORT — hand-made requests to tapir-httpd over a plain
socket, for what curl will not send: malformed and oversized requests
(RFC 9112 limits), pipelining, a slow client. Prints one "ok - ..." or
"not ok - ..." line per check, as the tap tests do."""
import re
import select
import socket
import sys
import time

HOST, PORT = sys.argv[1], int(sys.argv[2])
failed = 0


def report(good, what):
    global failed
    print(("ok - " if good else "not ok - ") + what, flush=True)
    if not good:
        failed = 1


def exchange(data, timeout=5.0, pause=None):
    """Send data, read until the server closes (or timeout); return bytes."""
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    try:
        if pause is None:
            s.sendall(data)
        else:
            for b in data:  # one byte at a time, `pause` seconds apart
                try:
                    s.sendall(bytes([b]))
                except OSError:
                    break
                r, _, _ = select.select([s], [], [], pause)
                if r:  # the server answered (or closed): stop sending
                    break
        if pause is None:
            s.shutdown(socket.SHUT_WR)
        out = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def status_of(resp):
    line = resp.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


H = b"Host: 10.0.0.2\r\n"
cases = [
    ("garbage line", b"GARBAGE\r\n\r\n", 400),
    ("HTTP/0.9 request line", b"GET /\r\n\r\n", 400),
    ("lower-case version", b"GET / http/1.1\r\n" + H + b"\r\n", 400),
    ("request line over 8 KiB", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n", 414),
    ("header section over 16 KiB", b"GET / HTTP/1.1\r\n" + H + b"X-Big: " + b"v" * 17000 + b"\r\n\r\n", 431),
    ("body over the limit", b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 2000000\r\n\r\n", 413),
    ("HTTP/2.0 request line", b"GET / HTTP/2.0\r\n" + H + b"\r\n", 505),
    ("HTTP/1.1 without Host", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("two Host fields", b"GET / HTTP/1.1\r\n" + H + b"Host: other\r\n\r\n", 400),
    ("Content-Length with Transfer-Encoding",
     b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("obs-fold header", b"GET / HTTP/1.1\r\n" + H + b"X: a\r\n b\r\n\r\n", 400),
    ("space before colon", b"GET / HTTP/1.1\r\n" + H + b"X : a\r\n\r\n", 400),
    ("gzip transfer coding", b"POST /echo HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip, chunked\r\n\r\n", 501),
    ("unknown method FOO", b"FOO / HTTP/1.1\r\n" + H + b"\r\n", 501),
    ("PUT on a file", b"PUT /index.html HTTP/1.1\r\n" + H + b"Content-Length: 0\r\n\r\n", 405),
    ("traversal with ..", b"GET /../../../etc/passwd HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("traversal with %2e%2e", b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("bad percent escape", b"GET /a%zz HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("OPTIONS *", b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n", 204),
]
for name, data, want in cases:
    resp = exchange(data)
    got = status_of(resp)
    report(got == want, "raw: %s -> %d (got %d)" % (name, want, got))
    if want == 405:
        report(b"\r\nAllow: GET, HEAD, OPTIONS\r\n" in resp, "raw: 405 carries Allow")
    if want in (400, 413, 414, 431, 501, 505) and want != 501:
        report(b"Connection: close" in resp, "raw: %s closes the connection" % name)

# Pipelining: three requests in one segment, answered in order on one connection.
pipe = (b"GET /small.txt HTTP/1.1\r\n" + H + b"\r\n"
        b"HEAD /small.txt HTTP/1.1\r\n" + H + b"\r\n"
        b"GET /nope HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
resp = exchange(pipe)
statuses = [int(x) for x in re.findall(rb"HTTP/1\.1 (\d{3}) ", resp)]
report(statuses == [200, 200, 404], "raw: 3 pipelined requests answered in order (%s)" % statuses)

# HEAD then GET pipelined: the HEAD response has headers only, so the GET's
# status line follows its empty line at once.
resp = exchange(b"HEAD /small.txt HTTP/1.1\r\n" + H + b"\r\n"
                b"GET /small.txt HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
first_end = resp.find(b"\r\n\r\n")
report(first_end > 0 and resp[first_end + 4:].startswith(b"HTTP/1.1 200 OK")
       and b"Content-Length: 21\r\n" in resp[:first_end + 2],
       "raw: HEAD has Content-Length and no body (the next response follows at once)")

# HTTP/1.0 keep-alive on request, then close.
resp = exchange(b"GET /small.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                b"GET /small.txt HTTP/1.0\r\n\r\n")
report(resp.count(b"HTTP/1.1 200") == 2 and b"Connection: keep-alive" in resp,
       "raw: HTTP/1.0 keep-alive serves two requests")

# A slow client: one header byte every 0.4 s is cut off by the header
# timeout (--header-timeout 2) with 408 long before the head is complete.
start = time.time()
resp = exchange(b"GET /small.txt HTTP/1.1\r\n" + H + b"X-Slow: " + b"z" * 40 + b"\r\n\r\n",
                timeout=8, pause=0.4)
took = time.time() - start
report(status_of(resp) == 408 and took < 6,
       "raw: a client dribbling a byte every 0.4 s gets 408 after the header timeout (%.1f s)" % took)
sys.exit(failed)
