#!/usr/bin/env python3
"""Regenerates tests/sync/profile_fuzz/corpus/: seed inputs for fuzz/sync_profile_fuzz.cpp.

Each seed is a sequence of records as that target reads them (one control
byte, then its operands): frames built with make_corpus.py's encoder (the
byte tables of docs/sync-protocol.md), time steps and session cuts. They walk
a Slave through the flows of docs/sync-protocol.md §5: a batch backup then
deltas and digest checks, a gap, a cut in the middle of a snapshot, data
before the hello, an interface the Slave lacks, more entries than its table
holds. Run from this directory: ./make_profile_corpus.py
"""
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from make_corpus import (ACK, DELTA, DIGEST, ENTRIES, HELLO, SNAP_BEGIN, SNAP_END, SNAP_ENTRIES, batch, entry,
                         frame, hello_body)

EPOCH = 0x1122334455667788  # hello_body()'s epoch


def rec_frame(data, repair=False, fix_id=False):
    c = 0x80 if repair else 0
    if fix_id:
        c |= 0x40
    return struct.pack("!BH", c, len(data)) + data


def tick(ms):
    return struct.pack("!BB", 4, min(ms - 1, 255))


def jump(units_100ms):
    return struct.pack("!BB", 6, units_100ms)


def cut():
    return b"\x05"


def arp_tick():
    return b"\x07"


def hello(seq=42, **kw):
    return rec_frame(frame(HELLO, hello_body(**kw), seq=seq))


def snapshot(seq, entries, digest=0, chunk=2):
    out = rec_frame(frame(SNAP_BEGIN, struct.pack("!QI", EPOCH, len(entries)), seq=seq))
    for k in range(0, len(entries), chunk):
        out += rec_frame(frame(SNAP_ENTRIES, batch(0, entries[k:k + chunk]), seq=seq))
    out += rec_frame(frame(SNAP_END, struct.pack("!QI", digest, len(entries)), seq=seq))
    return out


def delta(first, last, entries):
    return rec_frame(frame(DELTA, batch(first, entries), seq=last))


def digest_check(seq, digest=0x0123456789ABCDEF, n=3):
    return rec_frame(frame(DIGEST, struct.pack("!QI", digest, n), seq=seq))


def host(i, iface=1, op=0, variant=0):
    return entry(op, 0, iface, "10.1.%d.%d" % (i // 250, 1 + i % 250), "02:00:00:%02x:%02x:%02x" % (variant, i >> 8, i & 0xff),
                 600)


SEEDS = {
    "batch-then-deltas": hello() + snapshot(42, ENTRIES) + tick(5) + delta(43, 45, ENTRIES[:2]) +
    digest_check(45) + jump(20) + delta(46, 46, [host(1, op=2)]) + tick(200),
    "gap": hello() + snapshot(42, ENTRIES[:1]) + delta(50, 52, ENTRIES[1:]) + jump(30) + tick(1),
    "cut-mid-snapshot": hello() + rec_frame(frame(SNAP_BEGIN, struct.pack("!QI", EPOCH, 4), seq=42)) +
    rec_frame(frame(SNAP_ENTRIES, batch(0, ENTRIES[:2]), seq=42)) + cut() + hello(seq=43) +
    rec_frame(frame(SNAP_ENTRIES, batch(0, ENTRIES[2:]), seq=42)) + tick(10),
    "data-before-hello": delta(1, 1, ENTRIES) + snapshot(1, ENTRIES) + hello() + snapshot(42, ENTRIES),
    "unknown-interface": hello(interfaces=((1, "GigabitEthernet0/1/0"), (9, "Eth-Trunk9"))) +
    snapshot(42, [host(1, iface=9), host(2, iface=1), host(3, iface=9, op=1)]) + delta(43, 43, [host(1, iface=9, op=2)]),
    "table-full": hello() + snapshot(42, [host(i) for i in range(300)], chunk=100) + arp_tick() + jump(100) + arp_tick(),
    "role-change-hello": hello() + snapshot(42, ENTRIES) +
    rec_frame(frame(HELLO, hello_body().replace(b"\x01", b"\x02", 1), seq=44)) + delta(43, 44, ENTRIES[:1]),
    "repaired-headers": rec_frame(frame(HELLO, hello_body(), seq=42, backup_id=7, length=3, version=9), repair=True, fix_id=True) +
    rec_frame(frame(ACK, struct.pack("!QI", 1, 1), seq=1)) + snapshot(42, ENTRIES),
}

if __name__ == "__main__":
    os.makedirs("corpus", exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join("corpus", name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds")
