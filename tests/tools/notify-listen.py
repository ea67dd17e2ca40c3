#!/usr/bin/env python3
"""Stand-in for systemd's notification socket: print every datagram that a
service sends to $NOTIFY_SOCKET, one message per line, until killed or until
the given number of seconds pass.  Usage: notify-listen.py SOCKET SECONDS"""
import os
import socket
import sys
import time

path, seconds = sys.argv[1], float(sys.argv[2])
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
deadline = time.time() + seconds
while time.time() < deadline:
    s.settimeout(max(0.1, deadline - time.time()))
    try:
        data = s.recv(4096)
    except socket.timeout:
        break
    print(data.decode().replace("\n", " | "), flush=True)
