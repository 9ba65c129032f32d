# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fake fail2ban server on a UNIX socket, in fail2ban's own protocol (pickled commands and answers,
<F2B_END_COMMAND> framing, <F2B_CLOSE_COMMAND> to hang up), for the unit tests and the benches.

FakeFail2banServer speaks the protocol and takes its answers from a dict or a callable;
StatefulFail2ban is such a callable for one host with jails whose banned lists `set JAIL banip` and
`unbanip` change (the shapes of fail2ban 1.0.2's answers, tests/unit/data/bookworm/socket.json).
"""
import pickle
import socket
import threading

END = b"<F2B_END_COMMAND>"
CLOSE = b"<F2B_CLOSE_COMMAND>"


class FakeFail2banServer(object):
    """A UNIX socket speaking fail2ban's framing; answers come from a dict or a callable, keyed by the
    command as a tuple. A bytes answer is sent as it is (hostile payloads); a (0|1, result) tuple as
    fail2ban's (code, result); anything else as (0, answer). Connections are served one at a time,
    each answer in `chunk`-byte writes, so the client has to reassemble many chunks."""

    def __init__(self, path, answers, chunk=4096):
        self.path = path
        self.answers = answers
        self.chunk = chunk
        self.commands = []
        self.connections = 0
        self.closed_politely = False
        self.errors = []
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(path)
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stopping.is_set():
            try:
                conn, dummy = self._listener.accept()
            except socket.timeout:
                continue
            self.connections += 1
            conn.settimeout(None)
            with conn:
                self._serve_connection(conn)

    def _serve_connection(self, conn):
        buf = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while END in buf:
                message, buf = buf.split(END, 1)
                if message == CLOSE:
                    self.closed_politely = True
                    return
                command = tuple(pickle.loads(message))  # our own test client's: trusted
                self.commands.append(command)
                try:
                    answer = self.answers(command) if callable(self.answers) else self.answers.get(command)
                except Exception as exc:  # pylint: disable=broad-except
                    # Hang up (the client reports a closed connection) and keep serving the next one.
                    self.errors.append("%r: %s" % (command, exc))
                    return
                payload = answer if isinstance(answer, bytes) else pickle.dumps(
                    answer if isinstance(answer, tuple) and len(answer) == 2 and answer[0] in (0, 1)
                    else (0, answer), pickle.HIGHEST_PROTOCOL)
                payload += END
                for start in range(0, len(payload), self.chunk):
                    conn.sendall(payload[start:start + self.chunk])

    def stop(self):
        """Stop after the current connection has been served (so its commands are all counted)."""
        self._stopping.set()
        self._thread.join(10)
        self._listener.close()


def jail_status(banned):
    """fail2ban's raw `status JAIL` answer for a jail banning these addresses."""
    return [("Filter", [("Currently failed", 0), ("Total failed", 0), ("File list", [])]),
            ("Actions", [("Currently banned", len(banned)), ("Total banned", len(banned)),
                         ("Banned IP list", list(banned))])]


class StatefulFail2ban(object):
    """One host's fail2ban as an answers callable: `version`, `status`, `status JAIL`,
    `get JAIL ignoreip`, `set JAIL banip|unbanip ADDRESS...`. `changes` counts the ban commands."""

    def __init__(self, bans, jails, version="1.0.2", ignoreip=("127.0.0.1/8", "::1")):
        self.jails = list(jails)
        self.bans = dict((jail, list(bans.get(jail, []))) for jail in self.jails)
        self.version = version
        self.ignoreip = list(ignoreip)
        self.commands = 0
        self.changes = 0

    def __call__(self, command):
        self.commands += 1
        args = list(command)
        if args == ["version"]:
            return self.version
        if args == ["status"]:
            return [("Number of jail", len(self.jails)), ("Jail list", ", ".join(self.jails))]
        if args[0] == "status" and len(args) == 2:
            return jail_status(self.bans[args[1]])
        if args[0] == "get" and args[2:] == ["ignoreip"]:
            return list(self.ignoreip)
        if args[0] == "set" and args[2] in ("banip", "unbanip"):
            self.changes += 1
            current = self.bans[args[1]]
            if args[2] == "banip":
                known = set(current)
                current.extend(ip for ip in args[3:] if ip not in known)
            else:
                gone = set(args[3:])
                self.bans[args[1]] = [ip for ip in current if ip not in gone]
            return len(args) - 3
        raise ValueError("unexpected command %r" % (args,))
