#!/usr/bin/python3
"""ws_raw.py — WebSocket protocol violations (RFC 6455) thrown at a tapir
server from a plain TCP socket, one connection each: every one must be
answered with a close frame carrying the right code (1002 protocol error,
1007 invalid data, 1009 too big) and then the end of the TCP connection,
while a well-behaved connection opened first keeps being served. Also the
opening handshake's refusals (400/405/426) and a few things that must be
accepted (a UTF-8 character split across fragments, control frames between
fragments, close codes echoed). Prints "ok - ..." / "not ok - ..." lines.

Usage: ws_raw.py HOST PORT PATH
"""
import base64
import hashlib
import os
import socket
import struct
import sys

HOST, PORT, PATH = sys.argv[1], int(sys.argv[2]), sys.argv[3]
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
failed = False


def report(good, what):
    global failed
    print(("ok - " if good else "not ok - ") + what, flush=True)
    failed = failed or not good


def frame(opcode, payload=b"", fin=True, rsv=0, mask=True, length=None):
    """A frame as a client sends it (masked unless told otherwise)."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def request(extra="", key=None, version="13", method="GET", upgrade=True, conn="Upgrade"):
    key = key or base64.b64encode(os.urandom(16)).decode()
    lines = [f"{method} {PATH} HTTP/1.1", f"Host: {HOST}"]
    if upgrade:
        lines.append("Upgrade: websocket")
    if conn:
        lines.append(f"Connection: {conn}")
    if key != "-":
        lines.append(f"Sec-WebSocket-Key: {key}")
    if version:
        lines.append(f"Sec-WebSocket-Version: {version}")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode(), key


def read_head(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode(errors="replace"), rest


def connect(**kw):
    """An upgraded connection: (socket, bytes after the 101 head)."""
    s = socket.create_connection((HOST, PORT), timeout=5)
    req, key = request(**kw)
    s.sendall(req)
    head, rest = read_head(s)
    want = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    if not head.startswith("HTTP/1.1 101") or f"Sec-WebSocket-Accept: {want}" not in head:
        raise RuntimeError("handshake failed: " + head.splitlines()[0] if head else "empty")
    return s, rest


class Reader:
    """Server frames from a socket (unmasked, as a server sends them)."""

    def __init__(self, s, rest=b""):
        self.s, self.buf = s, rest

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk

    def next(self):
        self.need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            self.need(4)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self.need(10)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        if b1 & 0x80:
            raise RuntimeError("a server frame is masked")
        self.need(off + n)
        payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
        return b0 & 0x0F, bool(b0 & 0x80), payload

    def until_close(self):
        while True:
            op, _, payload = self.next()
            if op == 0x8:
                return payload

    def tcp_ends(self):
        """True when the server closes TCP (FIN) within the timeout."""
        try:
            while True:
                chunk = self.s.recv(65536)
                if not chunk:
                    return True
        except (socket.timeout, ConnectionResetError):
            return False


def close_code(payload):
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005


def violation(what, frames, want):
    try:
        s, rest = connect()
        for f in frames:
            s.sendall(f)
        r = Reader(s, rest)
        code = close_code(r.until_close())
        ended = r.tcp_ends()
        report(code == want and ended,
               f"{what}: close {code} (want {want}), then TCP {'ends' if ended else 'stays open'}")
        s.close()
    except (OSError, EOFError, RuntimeError) as e:
        report(False, f"{what}: {e}")


def echo_once(s, r, text):
    s.sendall(frame(0x1, text))
    op, fin, payload = r.next()
    return op == 0x1 and fin and payload == text


def handshake_refused(what, want_status, want_header=None, **kw):
    s = socket.create_connection((HOST, PORT), timeout=5)
    req, _ = request(**kw)
    s.sendall(req)
    head, _ = read_head(s)
    status = head.split(" ")[1] if " " in head else "?"
    good = status == str(want_status) and (want_header is None or want_header in head)
    report(good, f"handshake {what}: {status} (want {want_status}"
           + (f" with '{want_header}')" if want_header else ")"))
    s.close()


# A well-behaved client that stays connected through everything below.
keeper, keeper_rest = connect()
keeper_reader = Reader(keeper, keeper_rest)
report(echo_once(keeper, keeper_reader, b"before"), "a good client is echoed before the violations")

CTRL126 = b"p" * 126
violation("unmasked client frame", [frame(0x1, b"hi", mask=False)], 1002)
violation("RSV1 set without an extension", [frame(0x1, b"hi", rsv=4)], 1002)
violation("RSV3 set", [frame(0x2, b"hi", rsv=1)], 1002)
violation("reserved data opcode 0x3", [frame(0x3, b"hi")], 1002)
violation("reserved control opcode 0xB", [frame(0xB, b"")], 1002)
violation("fragmented ping (FIN clear)", [frame(0x9, b"x", fin=False)], 1002)
violation("ping of 126 bytes", [frame(0x9, CTRL126)], 1002)
violation("close of 126 bytes", [frame(0x8, struct.pack("!H", 1000) + CTRL126[:124])], 1002)
violation("invalid UTF-8 (overlong C0 80)", [frame(0x1, b"a\xc0\x80")], 1007)
violation("invalid UTF-8 (surrogate ED A0 80)", [frame(0x1, b"\xed\xa0\x80")], 1007)
violation("invalid UTF-8 (beyond U+10FFFF, F4 90 80 80)", [frame(0x1, b"\xf4\x90\x80\x80")], 1007)
violation("invalid UTF-8 split across fragments",
          [frame(0x1, b"ok \xe2\x82", fin=False), frame(0x0, b"\x28 bad")], 1007)
violation("text ending inside a character", [frame(0x1, b"euro \xe2\x82")], 1007)
violation("close code 999", [frame(0x8, struct.pack("!H", 999))], 1002)
violation("close code 1005 on the wire", [frame(0x8, struct.pack("!H", 1005))], 1002)
violation("close code 1006 on the wire", [frame(0x8, struct.pack("!H", 1006))], 1002)
violation("close code 1015 on the wire", [frame(0x8, struct.pack("!H", 1015))], 1002)
violation("close code 2999 (unassigned)", [frame(0x8, struct.pack("!H", 2999))], 1002)
violation("close with a 1-byte body", [frame(0x8, b"\x03")], 1002)
violation("close reason not UTF-8", [frame(0x8, struct.pack("!H", 1000) + b"\xff")], 1007)
violation("continuation without a start", [frame(0x0, b"orphan")], 1002)
violation("new text inside a fragmented message",
          [frame(0x1, b"one", fin=False), frame(0x1, b"two")], 1002)
violation("message over the size limit (header says 64 MiB)",
          [frame(0x2, b"", length=64 * 1024 * 1024)], 1009)

# Things that must work.
try:
    s, rest = connect()
    r = Reader(s, rest)
    s.sendall(frame(0x1, b"euro \xe2\x82", fin=False) + frame(0x9, b"between")
              + frame(0x0, b"\xac sign"))
    op1, _, p1 = r.next()
    op2, _, p2 = r.next()
    report(op1 == 0xA and p1 == b"between",
           "a ping between fragments is answered with a pong (same data)")
    report(op2 == 0x1 and p2 == "euro \u20ac sign".encode(),
           "a UTF-8 character split across fragments is accepted and echoed whole")
    s.sendall(frame(0x8, struct.pack("!H", 3000) + "bye \u00e9".encode()))
    payload = r.until_close()
    report(close_code(payload) == 3000 and payload[2:] == "bye \u00e9".encode(),
           "close 3000 with a UTF-8 reason is echoed (code and reason)")
    report(r.tcp_ends(), "after the close handshake the server closes TCP")
    s.close()
    s, rest = connect()
    r = Reader(s, rest)
    s.sendall(frame(0x8, b""))
    report(r.until_close() == b"", "an empty close is answered with an empty close")
    s.close()
except (OSError, EOFError, RuntimeError) as e:
    report(False, f"valid sequences: {e}")

handshake_refused("with Sec-WebSocket-Version 8", 426, "Sec-WebSocket-Version: 13", version="8")
handshake_refused("without Sec-WebSocket-Key", 400, key="-")
handshake_refused("with a 15-byte key", 400, key=base64.b64encode(b"x" * 15).decode())
handshake_refused("with POST", 405, method="POST")
handshake_refused("without Upgrade: websocket", 426, "Upgrade: websocket", upgrade=False)
try:
    s, _ = connect(conn="keep-alive, upgrade")
    report(True, "Connection: keep-alive, upgrade (token list, any case) is accepted")
    s.close()
except (OSError, RuntimeError) as e:
    report(False, f"Connection token list: {e}")

report(echo_once(keeper, keeper_reader, b"after"),
       "the good client is still served after every violation")
keeper.sendall(frame(0x8, struct.pack("!H", 1000)))
report(close_code(keeper_reader.until_close()) == 1000, "the good client closes cleanly (1000)")
sys.exit(1 if failed else 0)
