"""Runs INSIDE a container with fail2ban: records the server's raw answers over its socket as JSON.

Deliberately independent of plugins/module_utils/fail2ban.py (plain pickle framing), so the unit
tests compare the module's code against what fail2ban really sends.
"""
import json
import pickle
import socket
import sys

END = b"<F2B_END_COMMAND>"
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect("/var/run/fail2ban/fail2ban.sock")


def ask(*args):
    sock.sendall(pickle.dumps(list(args), 2) + END)
    buf = b""
    while not buf.endswith(END):
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("connection closed")
        buf += chunk
    code, result = pickle.loads(buf[: -len(END)])
    if code != 0:
        raise SystemExit("%r failed: %r" % (args, result))
    return result


status = ask("status")
names = [n.strip() for n in dict(status)["Jail list"].split(",") if n.strip()]
record = {
    "version": ask("version"),
    "status": status,
    "jails": {name: ask("status", name) for name in names},
    "ban_times": {name: ask("get", name, "banip", "--with-time") for name in names},
    # fail2ban pickles its IPAddr objects as str() calls; plain pickle makes them strings here.
    "ignoreip": {name: ask("get", name, "ignoreip") for name in names},
}
sock.sendall(b"<F2B_CLOSE_COMMAND>" + END)
json.dump(record, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
