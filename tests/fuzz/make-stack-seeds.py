#!/usr/bin/python3
"""make-stack-seeds.py DIR — seed inputs for fuzz_stack: sequences of frames
addressed to the stack (10.0.0.2, 02:54:41:50:00:02) from 10.0.0.1, each
framed as 2-byte length + 1-byte time step (100 ms units). Uses scapy."""
import os
import struct
import sys

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw, fragment, raw

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
ME, PEER = "02:54:41:50:00:02", "02:00:00:00:00:01"


def eth(p):
    return Ether(dst=ME, src=PEER) / p


def framed(frames, step=1):
    return b"".join(struct.pack(">HB", len(f), step) + f for f in frames)


arp = raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER) / ARP(op=1, hwsrc=PEER, psrc="10.0.0.1", pdst="10.0.0.2"))
ip = IP(src="10.0.0.1", dst="10.0.0.2")
seeds = {
    "arp-request": [arp],
    "ping": [arp, raw(eth(ip / ICMP(id=1, seq=1) / Raw(b"abcdefgh" * 7)))],
    "udp-echo": [arp, raw(eth(ip / UDP(sport=4000, dport=7) / Raw(b"hello")))],
    "udp-closed-port": [arp, raw(eth(ip / UDP(sport=4000, dport=9) / Raw(b"x")))],
    "fragments": [arp] + [raw(eth(f)) for f in fragment(ip / UDP(sport=1, dport=7) / Raw(b"F" * 3000), fragsize=1480)],
    "fragments-reversed": [arp] + [raw(eth(f)) for f in reversed(fragment(ip / ICMP() / Raw(b"R" * 2000), fragsize=1480))],
    "tcp-syn": [arp, raw(eth(ip / TCP(sport=40000, dport=80, flags="S", seq=1000, options=[("MSS", 1460), ("WScale", 7), ("SAckOK", b""), ("Timestamp", (1, 0))])))],
    "tcp-handshake": [arp, raw(eth(ip / TCP(sport=40001, dport=7, flags="S", seq=5000))),
                      raw(eth(ip / TCP(sport=40001, dport=7, flags="A", seq=5001, ack=1))),
                      raw(eth(ip / TCP(sport=40001, dport=7, flags="PA", seq=5001, ack=1) / Raw(b"data")))],
    "tcp-rst": [arp, raw(eth(ip / TCP(sport=40002, dport=7, flags="R", seq=1)))],
}
for name, frames in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(framed(frames))
