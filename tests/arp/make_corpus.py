#!/usr/bin/env python3
"""Regenerates tests/arp/corpus/: seed inputs for fuzz/arp_decode_fuzz.cpp.

Written independently of the C++ encoder (struct.pack from RFC 826's field
list), so decoding the seeds as named in codec_test.cpp cross-checks the
codec's layout against a second implementation. Run from this directory:
./make_corpus.py
"""
import os
import struct

BCAST = b"\xff" * 6
HOST = bytes.fromhex("020000000010")     # a user host, 10.1.1.10
PORT = bytes.fromhex("020000000001")     # the appliance's port, 10.1.1.1
VMAC = bytes.fromhex("00005e000101")     # VRRP group 1's virtual MAC (RFC 5798 §7.3)
ZERO = b"\0" * 6


def ip(text):
    return bytes(int(x) for x in text.split("."))


def arp(dst, src, op, sha, spa, tha, tpa, htype=1, ptype=0x0800, hlen=6, plen=4, etype=0x0806, pad=True):
    frame = dst + src + struct.pack("!H", etype)
    frame += struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + ip(spa) + tha + ip(tpa)
    if pad:
        frame += b"\0" * (60 - len(frame))
    return frame


def request(**kw):
    args = dict(dst=BCAST, src=HOST, op=1, sha=HOST, spa="10.1.1.10", tha=ZERO, tpa="10.1.1.1")
    args.update(kw)
    return arp(**args)


SEEDS = {
    "request": request(),
    "request-unpadded": request(pad=False),
    "request-for-vip": request(tpa="10.1.1.100"),
    "reply": arp(PORT, HOST, 2, HOST, "10.1.1.10", PORT, "10.1.1.1"),
    # RFC 5798 §8.1.2: a Master's reply from the virtual MAC, Ethernet source another MAC.
    "reply-eth-src-differs": arp(HOST, PORT, 2, VMAC, "10.1.1.100", HOST, "10.1.1.10"),
    "gratuitous-request": request(spa="10.1.1.10", tpa="10.1.1.10"),
    "gratuitous-reply": arp(BCAST, VMAC, 2, VMAC, "10.1.1.100", VMAC, "10.1.1.100"),
    "probe": request(spa="0.0.0.0", tpa="10.1.1.1"),
    "bad-ethertype": request(etype=0x0800),
    "bad-htype": request(htype=6),
    "bad-ptype": request(ptype=0x86DD),
    "bad-hlen": request(hlen=8),
    "bad-plen": request(plen=16),
    "bad-op": request(op=3),
    "sender-mac-broadcast": request(sha=BCAST),
    "sender-ip-loopback": request(spa="127.0.0.1"),
    "short": request(pad=False)[:41],
}

if __name__ == "__main__":
    os.makedirs("corpus", exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join("corpus", name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds")
