#!/usr/bin/python3
"""bad_frame.py HOST PORT PATH — a WebSocket client that breaks the rules
once: after a correct opening handshake it sends a text frame *without* a
mask, which RFC 6455 section 5.1 forbids a client to do. It prints the
close frame the server answers with (code and reason) and whether the
server then ends the TCP connection. A plain socket, so that nothing fixes
the frame on the way."""
import base64
import os
import socket
import struct
import sys

host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
key = base64.b64encode(os.urandom(16)).decode()
request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
           "Sec-WebSocket-Version: 13\r\n\r\n")

sock = socket.create_connection((host, port), timeout=5)
sock.sendall(request.encode())
data = b""
while b"\r\n\r\n" not in data:
    chunk = sock.recv(4096)
    if not chunk:
        sys.exit("the server closed during the handshake")
    data += chunk
head, _, rest = data.partition(b"\r\n\r\n")
print("opening handshake:", head.split(b"\r\n")[0].decode())

# FIN + text opcode, then the length with the MASK bit clear: no masking key.
sock.sendall(bytes([0x81, 2]) + b"hi")
print("sent: a text frame \"hi\" without a mask (MASK bit 0)")

while len(rest) < 2 or len(rest) < 2 + (rest[1] & 0x7F):
    chunk = sock.recv(4096)
    if not chunk:
        sys.exit("the server closed TCP without a close frame")
    rest += chunk
opcode, length = rest[0] & 0x0F, rest[1] & 0x7F
payload = rest[2:2 + length]
if opcode != 0x8:
    sys.exit(f"expected a close frame, got opcode {opcode:#x}")
code = struct.unpack("!H", payload[:2])[0] if length >= 2 else 1005
print(f"received: close frame, code {code}, reason \"{payload[2:].decode(errors='replace')}\"")

try:
    ended = sock.recv(4096) == b""
except OSError:
    ended = False
print("then the server", "closed the TCP connection (FIN)" if ended else "kept TCP open")
sock.close()
sys.exit(0 if code == 1002 and ended else 1)
