#!/usr/bin/env python3
"""make-seeds.py — write the seed corpora of the wire/ fuzz harnesses.

Usage: tests/fuzz/make-seeds.py tests/fuzz/seeds

Writes DIR/fuzz_eth/, fuzz_arp/, fuzz_ipv4/, fuzz_icmp/ and fuzz_udp/, each
with a few valid inputs (frames captured from Linux 6.18 on a TAP device, and
packets built here with correct checksums) and edge cases that the parsers
must refuse with a named reason. Python 3 standard library only.
"""

import os
import struct
import sys

# Captured from Linux 6.18 on a TAP device (10.0.0.1 aa:a8:be:4f:6f:ef talking
# to 10.0.0.2 02:54:41:50:00:02): an ARP request, a ping echo request and a
# UDP datagram "hello tapir\n" to port 7.
LINUX_ARP_FRAME = bytes.fromhex(
    "ffffffffffffaaa8be4f6fef08060001080006040001aaa8be4f6fef0a000001"
    "0000000000000a000002")
LINUX_PING_FRAME = bytes.fromhex(
    "025441500002aaa8be4f6fef08004500005434a640004001f2000a0000010a00"
    "00020800052810b40001e052026b000000003b92050000000000101112131415"
    "161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
    "3637")
LINUX_UDP_FRAME = bytes.fromhex(
    "025441500002aaa8be4f6fef0800450000286a7b40004011bc470a0000010a00"
    "00029f9e00070014b15668656c6c6f2074617069720a")

ETH_HEADER_LEN = 14
LINUX_MAC = bytes.fromhex("aaa8be4f6fef")
TAPIR_MAC = bytes.fromhex("025441500002")
LINUX_IP = bytes([10, 0, 0, 1])
TAPIR_IP = bytes([10, 0, 0, 2])


def checksum(data):
    """RFC 1071: one's-complement of the one's-complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    total = 0
    for (word,) in struct.iter_unpack("!H", data):
        total += word
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def with_checksum(data, offset):
    """data with the 16-bit checksum at offset computed over all of it."""
    data = bytearray(data)
    data[offset:offset + 2] = b"\0\0"
    data[offset:offset + 2] = struct.pack("!H", checksum(bytes(data)))
    return bytes(data)


def eth_frame(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def arp_packet(opcode, sender_mac, sender_ip, target_mac, target_ip,
               hrd=1, pro=0x0800, hln=6, pln=4):
    return (struct.pack("!HHBBH", hrd, pro, hln, pln, opcode) + sender_mac +
            sender_ip + target_mac + target_ip)


def ipv4_packet(payload, protocol, options=b"", ttl=64, ident=1, flags_offset=0x4000,
                version=4, ihl=None, total_len=None, good_checksum=True):
    if ihl is None:
        ihl = 5 + len(options) // 4
    if total_len is None:
        total_len = 20 + len(options) + len(payload)
    header = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, total_len, ident,
                         flags_offset, ttl, protocol, 0, LINUX_IP, TAPIR_IP) + options
    header = with_checksum(header, 10)
    if not good_checksum:
        header = header[:10] + bytes([header[10] ^ 0x01]) + header[11:]
    return header + payload


def icmp_message(icmp_type, code, rest, data):
    return with_checksum(struct.pack("!BBH", icmp_type, code, 0) + rest + data, 2)


def udp_datagram(src_port, dst_port, payload, compute_checksum=True, length=None,
                 src=LINUX_IP, dst=TAPIR_IP):
    if length is None:
        length = 8 + len(payload)
    header = struct.pack("!HHHH", src_port, dst_port, length, 0)
    if not compute_checksum:
        return header + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 17, length)
    value = checksum(pseudo + header + payload) or 0xFFFF
    return header[:6] + struct.pack("!H", value) + payload


def udp_payload_with_zero_checksum():
    """A payload whose datagram checksum computes to 0, so is sent as 0xffff."""
    zero = udp_datagram(1234, 5678, b"\0\0")
    return udp_datagram(1234, 5678, zero[6:8])


def eth_seeds():
    return {
        "linux-arp-request": LINUX_ARP_FRAME,
        "linux-ping": LINUX_PING_FRAME,
        "linux-udp": LINUX_UDP_FRAME,
        "arp-padded-to-60": LINUX_ARP_FRAME + bytes(60 - len(LINUX_ARP_FRAME)),
        "header-only": LINUX_ARP_FRAME[:ETH_HEADER_LEN],
        "truncated-13": LINUX_ARP_FRAME[:ETH_HEADER_LEN - 1],
        "ipv6-type": eth_frame(TAPIR_MAC, LINUX_MAC, 0x86DD, bytes(40)),
        "empty": b"",
    }


def arp_seeds():
    request = LINUX_ARP_FRAME[ETH_HEADER_LEN:]
    reply = arp_packet(2, TAPIR_MAC, TAPIR_IP, LINUX_MAC, LINUX_IP)
    return {
        "linux-request": request,
        "reply": reply,
        "gratuitous": arp_packet(1, TAPIR_MAC, TAPIR_IP, bytes(6), TAPIR_IP),
        "padded-46": reply + bytes(18),
        "truncated-27": request[:27],
        "bad-hardware-type": arp_packet(1, LINUX_MAC, LINUX_IP, bytes(6), TAPIR_IP, hrd=6),
        "bad-hardware-len": arp_packet(1, LINUX_MAC, LINUX_IP, bytes(6), TAPIR_IP, hln=8),
        "bad-protocol-type": arp_packet(1, LINUX_MAC, LINUX_IP, bytes(6), TAPIR_IP,
                                        pro=0x86DD),
        "bad-protocol-len": arp_packet(1, LINUX_MAC, LINUX_IP, bytes(6), TAPIR_IP, pln=16),
        "bad-opcode-rarp": arp_packet(3, LINUX_MAC, LINUX_IP, bytes(6), TAPIR_IP),
    }


def ipv4_seeds():
    ping = LINUX_PING_FRAME[ETH_HEADER_LEN:]
    udp = LINUX_UDP_FRAME[ETH_HEADER_LEN:]
    data = b"tapir fragment data...."
    return {
        "linux-ping": ping,
        "linux-udp": udp,
        "padded-to-46": ipv4_packet(b"12345678", 17) + bytes(18),
        "options-nop": ipv4_packet(b"data", 6, options=b"\x01\x01\x01\x00"),
        "options-max": ipv4_packet(b"", 1, options=b"\x01" * 40),
        "first-fragment": ipv4_packet(data[:16], 17, flags_offset=0x2000),
        "last-fragment": ipv4_packet(data[16:], 17, flags_offset=2),
        "header-only": ipv4_packet(b"", 253),
        "ttl-zero": ipv4_packet(b"abcd", 17, ttl=0),
        "bad-checksum": ipv4_packet(b"abcd", 17, good_checksum=False),
        "total-len-beyond": ipv4_packet(b"abcd", 17, total_len=64),
        "total-len-below-header": ipv4_packet(b"abcd", 17, total_len=19),
        "bad-ihl-4": ipv4_packet(b"abcd", 17, ihl=4),
        "ihl-beyond-data": ipv4_packet(b"", 17, ihl=15),
        "version-6": ipv4_packet(b"abcd", 17, version=6),
        "truncated-19": ping[:19],
    }


def icmp_seeds():
    request = LINUX_PING_FRAME[ETH_HEADER_LEN + 20:]
    reply = icmp_message(0, 0, request[4:8], request[8:])
    offending = LINUX_UDP_FRAME[ETH_HEADER_LEN:ETH_HEADER_LEN + 28]
    return {
        "linux-echo-request": request,
        "echo-reply": reply,
        "port-unreachable": icmp_message(3, 3, bytes(4), offending),
        "frag-needed-mtu-1400": icmp_message(3, 4, struct.pack("!HH", 0, 1400), offending),
        "time-exceeded": icmp_message(11, 0, bytes(4), offending),
        "header-only": icmp_message(8, 0, struct.pack("!HH", 1, 1), b""),
        "odd-length": icmp_message(8, 0, struct.pack("!HH", 7, 9), b"abc"),
        "bad-checksum": request[:2] + bytes([request[2] ^ 0x80]) + request[3:],
        "truncated-7": request[:7],
    }


def udp_seeds():
    linux = LINUX_UDP_FRAME[ETH_HEADER_LEN + 20:]
    no_checksum = udp_datagram(40000, 53, b"no checksum here", compute_checksum=False)
    return {
        "linux-hello": linux,
        "computed-checksum": udp_datagram(5353, 53, b"odd"),
        "checksum-ffff": udp_payload_with_zero_checksum(),
        "no-checksum": no_checksum,
        "no-checksum-trailing": no_checksum + b"\xee" * 6,
        "empty-payload": udp_datagram(1, 2, b""),
        "length-7": udp_datagram(1, 2, b"abcd", compute_checksum=False, length=7),
        "length-beyond": udp_datagram(1, 2, b"abcd", compute_checksum=False, length=13),
        "bad-checksum": linux[:-1] + bytes([linux[-1] ^ 0x01]),
        "truncated-7": linux[:7],
    }


SEEDS = {
    "fuzz_eth": eth_seeds,
    "fuzz_arp": arp_seeds,
    "fuzz_ipv4": ipv4_seeds,
    "fuzz_icmp": icmp_seeds,
    "fuzz_udp": udp_seeds,
}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-seeds.py DIR   (for example tests/fuzz/seeds)")
    for harness, seeds in SEEDS.items():
        directory = os.path.join(sys.argv[1], harness)
        os.makedirs(directory, exist_ok=True)
        for name, data in seeds().items():
            with open(os.path.join(directory, name), "wb") as seed:
                seed.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
