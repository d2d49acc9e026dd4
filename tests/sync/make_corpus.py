#!/usr/bin/env python3
"""Regenerates tests/sync/corpus/: seed inputs for fuzz/sync_wire_fuzz.cpp.

Written independently of the C++ encoder (struct.pack from the byte tables of
docs/sync-protocol.md), so decoding the seeds as named in wire_test.cpp
cross-checks the codec's layout against a second implementation. One valid
frame of each message type, then broken frames named after the DecodeError
they must produce. Run from this directory: ./make_corpus.py
"""
import os
import struct

VERSION = 1
MAX_FRAME = 1 << 20

HELLO, SNAP_BEGIN, SNAP_ENTRIES, SNAP_END, DELTA, ACK, DIGEST, RESYNC, HEARTBEAT, ERROR = range(1, 11)
BACKUP_ID = 10  # seed: remote-backup-profile ... backup-id 10


def frame(mtype, body, seq=0, backup_id=BACKUP_ID, version=VERSION, length=None):
    """Header: u32 length (of what follows it), u8 version, u8 type, u16 reserved, u32 backup_id, u64 seq."""
    if length is None:
        length = 16 + len(body)
    return struct.pack("!IBBHIQ", length, version, mtype, 0, backup_id, seq) + body


def ip(text):
    return bytes(int(x) for x in text.split("."))


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def entry(op, origin, iface, addr, hw, age):
    """14 bytes: u8 op|origin<<2, u8 iface, u32 ip, 6-byte MAC, u16 age seconds."""
    return struct.pack("!BB", op | origin << 2, iface) + ip(addr) + mac(hw) + struct.pack("!H", age)


def batch(first_seq, entries):
    return struct.pack("!QI", first_seq, len(entries)) + b"".join(entries)


def string8(s):
    raw = s.encode()
    return struct.pack("!B", len(raw)) + raw


def hello_body(node="HUAWEI-A", interfaces=((1, "GigabitEthernet0/1/0"), (2, "GigabitEthernet0/2/0"))):
    # role master, max_version 1, capabilities arp, epoch, held_epoch, held_seq, digest, entries
    body = struct.pack("!BBIQQQQI", 1, VERSION, 1, 0x1122334455667788, 0, 0, 0x0123456789ABCDEF, 3)
    body += string8(node)
    body += struct.pack("!H", len(interfaces))
    for idx, name in interfaces:
        body += struct.pack("!B", idx) + string8(name)
    return body


ENTRIES = [
    entry(0, 0, 1, "10.1.1.10", "02:00:00:00:00:10", 1200),
    entry(1, 1, 1, "10.1.1.11", "02:00:00:00:00:11", 65535),
    entry(2, 0, 2, "10.1.2.20", "02:00:00:00:00:20", 0),
]

SEEDS = {
    "hello": frame(HELLO, hello_body(), seq=42),
    "snapshot-begin": frame(SNAP_BEGIN, struct.pack("!QI", 0x1122334455667788, 3), seq=42),
    "snapshot-entries": frame(SNAP_ENTRIES, batch(0, ENTRIES[:2]), seq=42),
    "snapshot-end": frame(SNAP_END, struct.pack("!QI", 0x0123456789ABCDEF, 3), seq=42),
    "delta": frame(DELTA, batch(43, ENTRIES), seq=45),
    "ack": frame(ACK, struct.pack("!QI", 0x0123456789ABCDEF, 3), seq=45),
    "digest-check": frame(DIGEST, struct.pack("!QI", 0x0123456789ABCDEF, 3), seq=45),
    "resync-request": frame(RESYNC, struct.pack("!B", 1), seq=45),  # digest_mismatch
    "heartbeat": frame(HEARTBEAT, b"", seq=7, backup_id=0),
    "error": frame(ERROR, struct.pack("!BH", 2, 18) + b"backup-id mismatch"),
    # Broken frames, each named after its DecodeError.
    "truncated-hello": frame(HELLO, hello_body())[:50],
    "bad-version": frame(HEARTBEAT, b"", version=2),
    "bad-type": frame(11, b""),
    "too-long": frame(HEARTBEAT, b"", length=MAX_FRAME - 3),
    "bad-length-trailing": frame(ACK, struct.pack("!QI", 1, 1) + b"\0"),
    "bad-entry-op": frame(DELTA, batch(1, [ENTRIES[0], b"\x03" + ENTRIES[1][1:]]), seq=2),
    "bad-string-node": frame(HELLO, hello_body(node="n" * 65)),
}

if __name__ == "__main__":
    os.makedirs("corpus", exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join("corpus", name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds")
