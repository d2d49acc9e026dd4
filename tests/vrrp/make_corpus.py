#!/usr/bin/env python3
"""Regenerates tests/vrrp/corpus/: seed inputs for fuzz/vrrp_decode_fuzz.cpp.

Written independently of the C++ encoder (hashlib for MD5, our own checksum),
so the replay also cross-checks the codec against a second implementation:
the valid seeds must be accepted. Run from this directory: ./make_corpus.py
"""
import hashlib
import os
import struct

SRC_BARE = bytes([10, 1, 1, 2])   # the source the fuzz target assumes for bare messages
SRC_IP = bytes([10, 1, 1, 1])
DST = bytes([224, 0, 0, 18])
VIP = bytes([10, 1, 1, 100])


def csum(data, initial=0):
    if len(data) % 2:
        data += b"\0"
    s = initial
    for i in range(0, len(data), 2):
        s += data[i] << 8 | data[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo(src, length):
    s = 0
    for a in (src, DST):
        s += a[0] << 8 | a[1]
        s += a[2] << 8 | a[3]
    return s + 112 + length


def v2(vrid, prio, auth_type=0, key=b"", interval=1, addrs=(VIP,)):
    body = bytes([0x21, vrid, prio, len(addrs), auth_type, interval, 0, 0]) + b"".join(addrs)
    if auth_type == 2:
        msg = bytearray(body + b"\0" * 16)
        msg[len(body):] = hashlib.md5(key + bytes(msg) + key).digest()
    else:
        msg = bytearray(body + key.ljust(8, b"\0"))
    c = csum(bytes(msg))
    msg[6:8] = struct.pack("!H", c)
    return bytes(msg)


def v3(vrid, prio, interval=100, src=SRC_BARE, addrs=(VIP,), rsvd=0):
    msg = bytearray([0x31, vrid, prio, len(addrs)]) + struct.pack("!H", rsvd << 12 | interval) + b"\0\0"
    msg += b"".join(addrs)
    c = csum(bytes(msg), pseudo(src, len(msg)))
    msg[6:8] = struct.pack("!H", c)
    return bytes(msg)


def ipv4(payload, ttl=255, src=SRC_IP):
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), 0, 0, ttl, 112, 0, src, DST))
    h[10:12] = struct.pack("!H", csum(bytes(h)))
    return bytes(h) + payload


SEEDS = {
    "v2-none": v2(1, 120),
    "v2-simple": v2(2, 100, 1, b"secret"),
    "v2-md5": v2(3, 120, 2, b"YsH_2022"),
    "v2-md5-release": v2(3, 0, 2, b"YsH_2022"),
    "v2-none-two-vips": v2(1, 254, addrs=(VIP, bytes([10, 1, 1, 101]))),
    "v2-bad-interval": v2(1, 120, interval=3),
    "v2-wrong-key": v2(2, 100, 1, b"secreT"),
    "v3": v3(4, 100),
    "v3-rsvd-bits": v3(4, 100, rsvd=0xF),
    "v3-owner-strict": v3(5, 255),
    "v3-learn-interval": v3(4, 200, interval=50),
    "v3-unknown-vrid": v3(9, 100),
    "ip-v2-md5": ipv4(v2(3, 120, 2, b"YsH_2022")),
    "ip-v3": ipv4(v3(4, 100, src=SRC_IP)),
    "ip-v3-ttl254": ipv4(v3(4, 100, src=SRC_IP), ttl=254),
    "ip-v2-padded": ipv4(v2(1, 120)) + b"\0" * 14,
}

if __name__ == "__main__":
    os.makedirs("corpus", exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join("corpus", name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds")
