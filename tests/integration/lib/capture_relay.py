#!/usr/bin/env python3
"""capture_relay.py — the eavesdropper of the flow tests (not a test itself).

Forwards traffic between a client and a server on 127.0.0.1 and appends
every payload byte, both directions, to a capture file: what anyone on the
path would see. Prints the port it listens on, then runs until killed or
until SECONDS pass.

  capture_relay.py tcp TARGET_PORT CAPTURE SECONDS   (many connections)
  capture_relay.py udp TARGET_PORT CAPTURE SECONDS   (one TFTP transfer at a time:
                                                      follows the server's new port)
"""
import select
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def record(cap, lock, data):
    with lock:
        cap.write(data)
        cap.flush()


def tcp_pipe(a, b, cap, lock):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            record(cap, lock, data)
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def tcp(target, cap, deadline):
    lock = threading.Lock()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((HOST, 0))
    ls.listen(16)
    print(ls.getsockname()[1], flush=True)
    while time.time() < deadline:
        r, _, _ = select.select([ls], [], [], 0.5)
        if not r:
            continue
        c, _ = ls.accept()
        s = socket.create_connection((HOST, target), timeout=10)
        s.settimeout(None)
        for a, b in ((c, s), (s, c)):
            threading.Thread(target=tcp_pipe, args=(a, b, cap, lock), daemon=True).start()


def udp(target, cap, deadline):
    lock = threading.Lock()
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind((HOST, 0))
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.bind((HOST, 0))
    print(front.getsockname()[1], flush=True)
    client = None
    server = (HOST, target)
    while time.time() < deadline:
        r, _, _ = select.select([front, back], [], [], 0.5)
        for s in r:
            data, src = s.recvfrom(65536)
            record(cap, lock, data)
            if s is front:
                if client != src:          # a new transfer: back to the well-known port
                    client, server = src, (HOST, target)
                back.sendto(data, server)
            elif client:
                server = src               # the server's transfer port (its TID)
                front.sendto(data, client)


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("tcp", "udp"):
        sys.stderr.write(__doc__)
        return 2
    deadline = time.time() + float(sys.argv[4])
    with open(sys.argv[3], "ab") as cap:
        (tcp if sys.argv[1] == "tcp" else udp)(int(sys.argv[2]), cap, deadline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
