#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
#
# A fake vigild for vigilctl's tests: it speaks the frame format of
# include/vigil/proto.h, written here a second time from the header's text,
# so it also cross-checks lib/proto.c.  What it answers is chosen by the user
# name in the request (see answer()).  It logs each request, without answers
# or seeds, one line each to LOG.
#
# Usage: fake_vigild.py SOCKET LOG

import os
import socket
import struct
import sys

MAGIC = 0x5647494C
VERSION = 3
HEADER = struct.Struct(">IBBHII")

ENROLL_BEGIN, ENROLL_CONFIRM, STATUS_QUERY, ADMIN_UNLOCK = 6, 7, 8, 9
RESULT, ENROLL_PENDING, STATUS_REPORT = 66, 67, 68
NAMES = {6: "TOTP_ENROLL_BEGIN", 7: "TOTP_ENROLL_CONFIRM", 8: "STATUS_QUERY", 9: "ADMIN_UNLOCK"}

OK, BAD_CODE, ALREADY_ENROLLED, NO_PENDING, PERMISSION = 0, 2, 4, 5, 7

# A made-up seed; the tests look for it only in files.
SECRET = "JBSWY3DPEHPK3PXP"
URI = "otpauth://totp/Vigil:alice?secret=%s&issuer=Vigil&digits=6&period=30" % SECRET
GOOD_CODE = "123456"
# Not a real QR code: vigilctl only passes the text through.
QR = ("\u2588" * 8 + "\n" + "\u2588 \u2580\u2584  \u2588" + "\n") * 2


def s(text):
    b = text.encode()
    return struct.pack(">H", len(b)) + b


def u8(v):
    return struct.pack(">B", v)


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v)


def u64(v):
    return struct.pack(">Q", v)


def frame(mtype, req_id, body):
    return HEADER.pack(MAGIC, VERSION, mtype, 0, req_id, len(body)) + body


def result(status):
    # status, id, message, remaining
    return RESULT, u16(status) + s("") + s("") + u16(0)


def report(user, full):
    # user, locked_until, suspended
    body = s(user or "alice") + u64(1700000000 if full else 0) + u8(0)
    if not full:
        return STATUS_REPORT, body + u16(0) * 5
    # factors: type, created, last_used (0 = never), name, remaining; a
    # key's name is its user's choice, escapes included
    body += u16(3) + u8(1) + u64(1690000000) + u64(0) + s("") + u16(0)
    body += u8(3) + u64(1690000000) + u64(1699990000) + s("yubi\x1b[2J") + u16(0)
    body += u8(4) + u64(1690000000) + u64(0) + s("") + u16(7)
    # devices: fingerprint, first_seen, last_seen
    body += u16(1) + s("SHA256:abcdefghijklmnop") + u64(1690000000) + u64(1699990000)
    # sources: addr, first_seen, last_seen; a C1 control (CSI) in UTF-8 and
    # a printable non-ASCII name
    body += u16(2) + s("198.51.100.9\u009b[2J") + u64(1690000000) + u64(1690000000)
    body += s("h\u00f4te.example") + u64(1690000000) + u64(1690000000)
    # logins: time, service, rhost, outcome, score, signals, reason, shadow
    body += u16(3)
    body += u64(1699990000) + s("sshd") + s("192.0.2.7") + u8(1) + u32(12) + u32(0) + u16(0) + u8(0)
    # An attacker-chosen host name with a terminal escape in it; denied
    # for its risk (reason 1).
    body += u64(1699999000) + s("sshd") + s("evil\x1b[31mhost") + u8(2) + u32(80) + u32(0x3) + u16(1) + u8(0)
    # Allowed by shadow mode; enforcement would have denied it (network).
    body += u64(1699999500) + s("sudo") + s("") + u8(1) + u32(130) + u32(0x80) + u16(5) + u8(2)
    # grants: device, source, granted, expires
    body += u16(1) + s("SHA256:abcdefghijklmnop") + s("192.0.2.7") + u64(1699990000) + u64(1700030000)
    return STATUS_REPORT, body


def pending():
    return ENROLL_PENDING, u8(6) + u16(30) + s(URI) + s(SECRET) + s(QR)


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def parse_str(body):
    (n,) = struct.unpack(">H", body[:2])
    if len(body) != 2 + n:
        raise ValueError("bad string body")
    return body[2:].decode()


def serve(conn, conn_no, log):
    state = None  # None, "pending" or "expired"
    while True:
        hdr = read_exact(conn, HEADER.size)
        if hdr is None:
            return
        magic, version, mtype, flags, req_id, length = HEADER.unpack(hdr)
        if magic != MAGIC or version != VERSION or flags != 0 or length > 32768:
            log.write("conn=%d bad header\n" % conn_no)
            return
        body = read_exact(conn, length)
        if body is None:
            return
        arg = parse_str(body)
        if mtype == ENROLL_CONFIRM:
            # The answer is never logged, only whether it was right.
            log.write("conn=%d %s right=%s\n" % (conn_no, NAMES[mtype], "yes" if arg == GOOD_CODE else "no"))
        else:
            log.write("conn=%d %s user=%s\n" % (conn_no, NAMES.get(mtype, str(mtype)), arg))
        log.flush()

        if mtype == STATUS_QUERY:
            if arg == "bob":
                reply = result(PERMISSION)
            elif arg == "garbage":
                conn.sendall(b"\x00" * 16)
                return
            elif arg == "silent":
                continue  # never answer: the client must time out
            else:
                reply = report(arg, arg != "empty")
        elif mtype == ENROLL_BEGIN:
            if arg == "already":
                reply = result(ALREADY_ENROLLED)
            else:
                state = "expired" if arg == "expire" else "pending"
                reply = pending()
        elif mtype == ENROLL_CONFIRM:
            if state != "pending":
                reply = result(NO_PENDING)
            elif arg == GOOD_CODE:
                state = None
                reply = result(OK)
            else:
                reply = result(BAD_CODE)
        elif mtype == ADMIN_UNLOCK:
            reply = result(OK if arg != "bob" else PERMISSION)
        else:
            return
        conn.sendall(frame(reply[0], req_id, reply[1]))


def main():
    path, log_path = sys.argv[1], sys.argv[2]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path + ".tmp")
    srv.listen(8)
    os.rename(path + ".tmp", path)  # appears only once it listens
    conn_no = 0
    with open(log_path, "a") as log:
        while True:
            conn, _ = srv.accept()
            conn_no += 1
            try:
                serve(conn, conn_no, log)
            except (ValueError, OSError) as e:
                log.write("conn=%d error %s\n" % (conn_no, e.__class__.__name__))
                log.flush()
            finally:
                conn.close()


if __name__ == "__main__":
    main()
