#!/usr/bin/python3
"""malformed.py — impersonate a host (10.0.0.9, 02:00:00:00:00:09) on the
kernel side of tap0 and throw a burst of broken frames at tapir, then check
that tapir still answers a valid ping from the same host and never answered
the broken ones. Run inside the lab namespace. Prints "ok - ..." lines.

Usage: malformed.py IFACE ROUNDS
"""
import sys
import time

from scapy.all import (ARP, ICMP, IP, UDP, AsyncSniffer, Ether, Raw, conf, raw, sendp)

conf.verb = 0
IFACE = sys.argv[1]
ROUNDS = int(sys.argv[2])
ME_IP, ME_MAC = "10.0.0.9", "02:00:00:00:00:09"
TAPIR_IP, TAPIR_MAC = "10.0.0.2", "02:54:41:50:00:02"
LIE_ID = 0x4C49  # the echo request that lies about its length


def eth(type_=0x0800, src=ME_MAC):
    return Ether(dst=TAPIR_MAC, src=src, type=type_)


def ip_bytes(**kw):
    """A valid IPv4 header + ICMP echo, as bytes we can then break."""
    return bytearray(raw(IP(src=ME_IP, dst=TAPIR_IP, **kw) / ICMP(id=7, seq=1) / Raw(b"x" * 8)))


def with_byte(data, index, value, fix_checksum=True):
    data = bytearray(data)
    data[index] = value
    if fix_checksum:
        data[10:12] = b"\0\0"
        s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, (data[0] & 15) * 4, 2))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        data[10:12] = (~s & 0xFFFF).to_bytes(2, "big")
    return bytes(data)


def broken_frames():
    frames = []
    # (A frame shorter than 14 bytes cannot be sent through a packet socket:
    # the kernel refuses it, so the unit tests cover that case.)
    frames.append(("unknown ethertype", raw(eth(0x86DD) / Raw(b"\x60" + b"\0" * 50))))
    frames.append(("multicast source MAC", raw(eth(src="01:00:5e:00:00:01") / IP(src=ME_IP, dst=TAPIR_IP) / ICMP())))
    frames.append(("arp for another host", raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=ME_MAC) /
                   ARP(op=1, hwsrc=ME_MAC, psrc=ME_IP, pdst="10.0.0.77"))))
    frames.append(("arp truncated", raw(eth(0x0806)) + b"\x00\x01\x08\x00\x06"))
    frames.append(("arp bad hardware", raw(eth(0x0806) / ARP(hwtype=6, op=1, hwsrc=ME_MAC, psrc=ME_IP, pdst=TAPIR_IP))))
    base = ip_bytes()
    frames.append(("ip truncated", raw(eth()) + bytes(base[:12])))
    frames.append(("ip bad version", raw(eth()) + with_byte(base, 0, 0x65)))
    frames.append(("ip bad ihl", raw(eth()) + with_byte(base, 0, 0x44)))
    frames.append(("ip bad checksum", raw(eth()) + with_byte(base, 10, base[10] ^ 0xFF, fix_checksum=False)))
    frames.append(("ip ttl 0", raw(eth()) + bytes(ip_bytes(ttl=0))))
    # 28 bytes of IP + ICMP echo that claim a 1,500-byte datagram.
    lie = bytearray(raw(IP(src=ME_IP, dst=TAPIR_IP, len=1500) / ICMP(id=LIE_ID, seq=1)))
    frames.append(("ip length beyond frame", raw(eth()) + bytes(lie[:28])))
    frames.append(("ip not for us", raw(eth() / IP(src=ME_IP, dst="10.0.0.99") / ICMP())))
    frames.append(("ip fragment past 64 KiB", raw(eth() / IP(src=ME_IP, dst=TAPIR_IP, frag=8190, proto=17) / Raw(b"z" * 80))))
    frames.append(("icmp bad checksum", raw(eth() / IP(src=ME_IP, dst=TAPIR_IP) / ICMP(chksum=0x1234, id=8))))
    frames.append(("icmp truncated", raw(eth() / IP(src=ME_IP, dst=TAPIR_IP, proto=1) / Raw(b"\x08\x00"))))
    frames.append(("udp bad checksum", raw(eth() / IP(src=ME_IP, dst=TAPIR_IP) / UDP(sport=999, dport=7, chksum=0x4242) / Raw(b"bad"))))
    frames.append(("udp bad length", raw(eth() / IP(src=ME_IP, dst=TAPIR_IP) / UDP(sport=999, dport=7, len=400, chksum=0) / Raw(b"bad"))))
    frames.append(("udp truncated", raw(eth() / IP(src=ME_IP, dst=TAPIR_IP, proto=17) / Raw(b"\x03\xe7\x00"))))
    return frames


def main():
    # Teach tapir our MAC with a valid ARP request first.
    sendp(Ether(dst="ff:ff:ff:ff:ff:ff", src=ME_MAC) /
          ARP(op=1, hwsrc=ME_MAC, psrc=ME_IP, pdst=TAPIR_IP), iface=IFACE)
    sniffer = AsyncSniffer(iface=IFACE, filter="icmp or udp", store=True)
    sniffer.start()
    time.sleep(0.5)
    frames = broken_frames()
    for _ in range(ROUNDS):
        sendp([Raw(f) for _, f in frames], iface=IFACE)
    time.sleep(0.3)
    sendp(eth() / IP(src=ME_IP, dst=TAPIR_IP) / ICMP(id=0x600D, seq=1) / Raw(b"still alive"), iface=IFACE)
    time.sleep(1.0)
    sniffer.stop()
    got = [p for p in sniffer.results if p.haslayer(IP) and p[IP].src == TAPIR_IP]
    good = [p for p in got if p.haslayer(ICMP) and p[ICMP].type == 0 and p[ICMP].id == 0x600D]
    lies = [p for p in got if p.haslayer(ICMP) and p[ICMP].type == 0 and p[ICMP].id == LIE_ID]
    udp_echo = [p for p in got if p.haslayer(UDP)]
    print(f"# sent {ROUNDS} rounds of {len(frames)} broken frames; tapir sent {len(got)} IP packets back")
    print(("ok" if good and good[0][Raw].load == b"still alive" else "not ok") +
          " - tapir still answers a valid ping from the same host after the burst")
    print(("ok" if not lies else "not ok") +
          " - a 28-byte echo request claiming 1,500 bytes is not answered")
    print(("ok" if not udp_echo else "not ok") + " - no UDP datagram with a bad checksum or length is echoed")


if __name__ == "__main__":
    main()
