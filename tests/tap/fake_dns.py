#!/usr/bin/env python3
"""fake_dns.py ADDR PORT — a small, deliberately broken name server for
tests/tap/test_dns.sh (Python standard library only).

The first label of the question picks the answer (RFC 1035 4.1 layouts):
  ok.*        a normal answer: A 10.0.0.99, TTL 60
  wrongid.*   the right answer with another ID
  wrongq.*    an answer to another question (evil.lab)
  loop.*      an answer record whose owner name is a pointer to itself
  pastend.*   an answer record whose owner name points past the end
  trunc.*     a message cut off in the middle of its answer record (no TC)
  many.*      1,000 answer records (16 KB, fragmented on the wire)
  tc.*        TC set over UDP; over TCP the full answer, 40 A records
  servfail.*  rcode SERVFAIL
  negative.*  NXDOMAIN with an SOA (MINIMUM 30): negatively cacheable
Queries it cannot read are ignored. It serves UDP and TCP on the same port
and runs until killed.
"""
import socket
import struct
import sys
import threading


def parse_question(msg):
    """(id, flags, qname labels, qtype, end offset) of a query, or None."""
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack(">HHH", msg[:6])
    if qd != 1:
        return None
    pos, labels = 12, []
    while pos < len(msg) and msg[pos] != 0:
        n = msg[pos]
        if n > 63:
            return None
        labels.append(msg[pos + 1:pos + 1 + n].decode("ascii", "replace").lower())
        pos += 1 + n
    pos += 1
    if pos + 4 > len(msg):
        return None
    qtype = struct.unpack(">H", msg[pos:pos + 2])[0]
    return qid, flags, labels, qtype, pos + 4


def header(qid, rcode=0, an=0, ns=0, tc=False):
    flags = 0x8580 | rcode | (0x0200 if tc else 0)  # QR AA RD RA
    return struct.pack(">HHHHHH", qid, flags, 1, an, ns, 0)


def a_record(owner, ip, ttl=60):
    return owner + struct.pack(">HHIH", 1, 1, ttl, 4) + socket.inet_aton(ip)


def encode_name(labels):
    return b"".join(bytes([len(l)]) + l.encode() for l in labels) + b"\0"


def answer(query, over_tcp=False):
    parsed = parse_question(query)
    if not parsed:
        return None
    qid, _, labels, qtype, end = parsed
    question = query[12:end]
    kind = labels[0] if labels else ""
    to_question = b"\xc0\x0c"
    if kind == "ok":
        return header(qid, an=1) + question + a_record(to_question, "10.0.0.99")
    if kind == "wrongid":
        return header(qid ^ 0x5a5a, an=1) + question + a_record(to_question, "10.0.0.66")
    if kind == "wrongq":
        q = encode_name(["evil", "lab"]) + struct.pack(">HH", qtype, 1)
        return header(qid, an=1) + q + a_record(to_question, "10.0.0.66")
    if kind == "loop":
        own = 12 + len(question)
        return header(qid, an=1) + question + a_record(struct.pack(">H", 0xC000 | own), "10.0.0.66")
    if kind == "pastend":
        return header(qid, an=1) + question + a_record(b"\xc3\xff", "10.0.0.66")
    if kind == "trunc":
        return (header(qid, an=1) + question + a_record(to_question, "10.0.0.66"))[:-7]
    if kind == "many":
        return header(qid, an=1000) + question + a_record(to_question, "10.0.0.66") * 1000
    if kind == "tc":
        if not over_tcp:
            return header(qid, tc=True) + question
        records = b"".join(a_record(to_question, "10.0.3.%d" % i) for i in range(40))
        return header(qid, an=40) + question + records
    if kind == "servfail":
        return header(qid, rcode=2) + question
    if kind == "negative":
        soa = (encode_name(["ns", "lab"]) + encode_name(["hostmaster", "lab"])
               + struct.pack(">IIIII", 1, 3600, 600, 86400, 30))
        rr = encode_name(["lab"]) + struct.pack(">HHIH", 6, 1, 300, len(soa)) + soa
        return header(qid, rcode=3, ns=1) + question + rr
    return None


def serve_udp(sock):
    while True:
        query, peer = sock.recvfrom(4096)
        reply = answer(query)
        if reply:
            sock.sendto(reply, peer)


def serve_tcp_client(conn):
    with conn:
        conn.settimeout(5)
        try:
            size = conn.recv(2)
            if len(size) < 2:
                return
            need = struct.unpack(">H", size)[0]
            query = b""
            while len(query) < need:
                chunk = conn.recv(need - len(query))
                if not chunk:
                    return
                query += chunk
            reply = answer(query, over_tcp=True)
            if reply:
                conn.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            pass


def serve_tcp(sock):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_client, args=(conn,), daemon=True).start()


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, port))
    tcp.listen(8)
    threading.Thread(target=serve_tcp, args=(tcp,), daemon=True).start()
    print("fake_dns: ready on %s:%d" % (addr, port), flush=True)
    serve_udp(udp)


if __name__ == "__main__":
    main()
