# -*- coding: utf-8 -*-
# Copyright: fortress.nginx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read fail2ban's state as structured data.

Two ways in, one result:

* the server socket (one connection carries every command), used when fail2ban's own Python
  package is importable (the sign that fail2ban is installed for this interpreter); its pickled
  answers are decoded by a restricted unpickler that builds plain data only and never imports or
  calls anything from the answer, so a fake server on the socket cannot run code;
* the ``fail2ban-client`` command line, whose text output is parsed.

Both produce the same raw shape (fail2ban's ``[(section, [(key, value), ...]), ...]`` status lists),
and one normaliser turns either into the documented result, so the two paths cannot drift apart.
Everything here is free of Ansible so it can be unit-tested and benchmarked on its own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import builtins
import errno
import hashlib
import io
import ipaddress
import pickle
import re
import reprlib
import socket

DEFAULT_SOCKET = "/var/run/fail2ban/fail2ban.sock"
END_MARKER = b"<F2B_END_COMMAND>"
CLOSE_MARKER = b"<F2B_CLOSE_COMMAND>"
# Requests are tiny; protocol 2 unpickles on every Python 3 a fail2ban server may run on.
REQUEST_PICKLE_PROTOCOL = 2
RECV_CHUNK = 1 << 16

# Keys of fail2ban's per-jail status, as both the socket and the CLI name them.
KEY_CURRENTLY_FAILED = "Currently failed"
KEY_TOTAL_FAILED = "Total failed"
KEY_FILE_LIST = "File list"
KEY_JOURNAL_MATCHES = "Journal matches"
KEY_CURRENTLY_BANNED = "Currently banned"
KEY_TOTAL_BANNED = "Total banned"
KEY_BANNED_IP_LIST = "Banned IP list"
KEY_JAIL_LIST = "Jail list"
KEY_NUMBER_OF_JAILS = "Number of jail"
JAIL_LIST_SEPARATOR = ", "
JOURNAL_GROUP_SEPARATOR = " + "


class Fail2banError(Exception):
    """A failure with a reason code and a message that says what to do about it."""

    NOT_INSTALLED = "not_installed"
    NOT_RUNNING = "not_running"
    PERMISSION_DENIED = "permission_denied"
    UNKNOWN_JAIL = "unknown_jail"
    SOCKET_UNAVAILABLE = "socket_unavailable"
    PROTOCOL = "protocol"
    UNSAFE_ANSWER = "unsafe_answer"
    COMMAND_FAILED = "command_failed"

    def __init__(self, reason, message):
        super(Fail2banError, self).__init__(message)
        self.reason = reason
        self.message = message


# --------------------------------------------------------------------------------------------
# Parsing fail2ban-client's text output into the raw (socket-like) shape
# --------------------------------------------------------------------------------------------

def _split_status_line(line):
    """Return (key, value) for one tree line; value is None for a section header.

    Lines look like ``|- Filter``, ``|  |- Currently failed:\\t0`` or ``   `- Banned IP list:\\tA B``:
    tree drawing, then the key, then ``:`` and a TAB before the value.
    """
    stripped = line.lstrip("|` -")
    key, sep, value = stripped.partition(":\t")
    if not sep:
        # An empty value prints as "Key:\t"; accept it even if trailing whitespace was trimmed.
        if stripped.endswith(":"):
            return stripped[:-1], ""
        return stripped.rstrip(), None
    return key, value


def parse_global_status(text):
    """Parse ``fail2ban-client status`` into fail2ban's raw list ``[(key, value), ...]``."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "Status":
        raise Fail2banError(Fail2banError.PROTOCOL, "unexpected 'fail2ban-client status' output: %r" % text[:200])
    result = []
    for line in lines[1:]:
        if not line.strip():
            continue
        key, value = _split_status_line(line)
        if value is not None:
            result.append((key, value))
    return result


def parse_jail_status(text):
    """Parse ``fail2ban-client status JAIL`` into fail2ban's raw ``[(section, [(key, value)])]``.

    Linear in the size of the output: the banned-IP line of a jail with hundreds of thousands of
    entries is only partitioned once and split once, later, by the normaliser.
    """
    lines = text.splitlines()
    if not lines or not lines[0].startswith("Status for the jail"):
        raise Fail2banError(Fail2banError.PROTOCOL, "unexpected 'fail2ban-client status JAIL' output: %r" % text[:200])
    sections = []
    current = None
    for line in lines[1:]:
        if not line.strip():
            continue
        key, value = _split_status_line(line)
        if value is None:
            current = []
            sections.append((key, current))
        elif current is None:
            raise Fail2banError(Fail2banError.PROTOCOL, "status line outside of a section: %r" % line[:200])
        else:
            current.append((key, value))
    return sections


def parse_ban_times(lines):
    """Parse ``get JAIL banip --with-time`` entries (``IP \\tSTART + SECONDS = END``)."""
    bans = []
    for line in lines:
        if not line.strip():
            continue
        ip, sep, times = line.partition("\t")
        if not sep:
            raise Fail2banError(Fail2banError.PROTOCOL, "unexpected ban-time entry: %r" % line[:200])
        start_and_bantime, sep, end = times.rpartition(" = ")
        start, sep2, bantime = start_and_bantime.rpartition(" + ")
        if not sep or not sep2:
            raise Fail2banError(Fail2banError.PROTOCOL, "unexpected ban-time entry: %r" % line[:200])
        try:
            bantime = int(bantime)
        except ValueError:
            raise Fail2banError(Fail2banError.PROTOCOL, "unexpected ban time in entry: %r" % line[:200])
        bans.append({"ip": ip.strip(), "start": start.strip(), "end": end.strip(), "bantime": bantime})
    return bans


# --------------------------------------------------------------------------------------------
# Normalising the raw shape (from either path) into the documented structure
# --------------------------------------------------------------------------------------------

def _as_int(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Fail2banError(Fail2banError.PROTOCOL, "%s is not a number: %r" % (what, value))


def _as_word_list(value):
    # The socket gives a list; the CLI joined that list with single spaces.
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return str(value).split()


def _as_journal_groups(value):
    # fail2ban reports the match groups (OR-ed, each a space-separated AND of FIELD=value terms)
    # as one string joined with " + "; return one entry per group on both paths.
    if isinstance(value, (list, tuple)):
        value = JOURNAL_GROUP_SEPARATOR.join(str(item) for item in value)
    return [group.strip() for group in str(value).split(JOURNAL_GROUP_SEPARATOR) if group.strip()]


def jail_names_from_status(raw_status):
    """The jail names of a global status, in fail2ban's order.

    fail2ban sends the names as one string joined with ", " (socket and CLI alike), so a name
    containing a comma is read right as long as no ", " is inside it; when one is, the names
    cannot be told apart, and fail2ban's own count of jails shows it: that is a clear error
    rather than a report on jails that do not exist.
    """
    count = None
    names = None
    for key, value in raw_status:
        if key == KEY_NUMBER_OF_JAILS:
            count = value
        elif key == KEY_JAIL_LIST:
            if isinstance(value, (list, tuple)):
                names = [str(name).strip() for name in value]
            else:
                value = str(value).strip()
                names = [name.strip() for name in value.split(JAIL_LIST_SEPARATOR)] if value else []
    if names is None:
        raise Fail2banError(Fail2banError.PROTOCOL, "no 'Jail list' in fail2ban's status: %s" % _safe_repr(raw_status))
    counted = _as_int(count, "number of jails") if count is not None else len(names)
    if counted != len(names) or not all(names):
        raise Fail2banError(
            Fail2banError.PROTOCOL,
            "cannot tell fail2ban's jails apart: it runs %d jail(s) and lists them as %s, joined with "
            "%r, so a jail name contains %r. Rename that jail in fail2ban's configuration (the "
            "fortress.nginx.fail2ban_nginx role accepts only letters, digits, '.', '_' and '-')."
            % (counted, _brief.repr(JAIL_LIST_SEPARATOR.join(names)), JAIL_LIST_SEPARATOR, JAIL_LIST_SEPARATOR))
    return names


def normalise_jail_status(name, raw_jail):
    """Turn fail2ban's raw per-jail status into ``{name, filter: {...}, actions: {...}}``."""
    sections = dict((section, dict(entries)) for section, entries in raw_jail)
    raw_filter = sections.get("Filter", {})
    raw_actions = sections.get("Actions", {})
    return {
        "name": name,
        "filter": {
            "currently_failed": _as_int(raw_filter.get(KEY_CURRENTLY_FAILED, 0), "currently failed"),
            "total_failed": _as_int(raw_filter.get(KEY_TOTAL_FAILED, 0), "total failed"),
            "file_list": _as_word_list(raw_filter.get(KEY_FILE_LIST, [])),
            "journal_matches": _as_journal_groups(raw_filter.get(KEY_JOURNAL_MATCHES, [])),
        },
        "actions": {
            "currently_banned": _as_int(raw_actions.get(KEY_CURRENTLY_BANNED, 0), "currently banned"),
            "total_banned": _as_int(raw_actions.get(KEY_TOTAL_BANNED, 0), "total banned"),
            "banned_ips": _as_word_list(raw_actions.get(KEY_BANNED_IP_LIST, [])),
        },
    }


def ip_sort_key(ip):
    """IPv4 before IPv6, each numerically; anything that is not an address (fail2ban can ban
    arbitrary IDs) after both, alphabetically.

    inet_pton first: it gives the same numbers as ipaddress at a tenth of the cost, which is
    most of the time spent on 50,000 bans; ipaddress still takes the forms it refuses (scoped
    IPv6 such as fe80::1%eth0).
    """
    try:
        return (4, int.from_bytes(socket.inet_pton(socket.AF_INET, ip), "big"), "")
    except (OSError, ValueError, TypeError):
        pass
    try:
        return (6, int.from_bytes(socket.inet_pton(socket.AF_INET6, ip), "big"), "")
    except (OSError, ValueError, TypeError):
        pass
    try:
        address = ipaddress.ip_address(u"%s" % ip)
    except ValueError:
        return (7, 0, ip)
    return (address.version, int(address), "")


def banned_digest(entries):
    """A fingerprint of a banned list, whatever its order or spelling: the SHA-256 of its distinct
    entries in canonical form (canonical_target), sorted by target_sort_key, one a line. A playbook
    compares a jail's digest with its wanted list's to know, without reading the list back, whether
    the jail holds it already."""
    ordered = sorted(set(_canonical_banned(entries)), key=target_sort_key)
    return hashlib.sha256("".join(entry + "\n" for entry in ordered).encode("utf-8")).hexdigest()


def assemble_status(version, method, jail_names, jail_statuses, ban_times=None, digest_jails=()):
    """Assemble fail2ban_status's result from normalised jail statuses (a dict keyed by jail name).

    ``jail_names`` is the order to report in; ``ban_times`` (optional) maps a jail name to its
    parsed ``--with-time`` list. The jails of ``digest_jails`` report their banned list as
    ``banned_digest`` (banned_digest) instead of ``banned_ips``, and stay out of ``banned_ips``.
    """
    jails = {}
    jails_by_ip = {}
    digest_jails = set(digest_jails or ())
    totals = {"jails": len(jail_names), "currently_failed": 0, "total_failed": 0,
              "currently_banned": 0, "total_banned": 0}
    for name in jail_names:
        jail = jail_statuses[name]
        if ban_times is not None and name not in digest_jails:
            jail["bans"] = ban_times.get(name, [])
        jails[name] = jail
        totals["currently_failed"] += jail["filter"]["currently_failed"]
        totals["total_failed"] += jail["filter"]["total_failed"]
        totals["currently_banned"] += jail["actions"]["currently_banned"]
        totals["total_banned"] += jail["actions"]["total_banned"]
        if name in digest_jails:
            jail["actions"]["banned_digest"] = banned_digest(jail["actions"].pop("banned_ips"))
            continue
        for ip in jail["actions"]["banned_ips"]:
            banning = jails_by_ip.get(ip)
            if banning is None:
                jails_by_ip[ip] = [name]
            elif banning[-1] != name:
                banning.append(name)
    banned_ips = [{"ip": ip, "jails": jails_by_ip[ip]} for ip in sorted(jails_by_ip, key=ip_sort_key)]
    totals["unique_banned_ips"] = len(banned_ips)
    return {
        "fail2ban_version": version,
        "method": method,
        "jail_names": list(jail_names),
        "jails": jails,
        "totals": totals,
        "banned_ips": banned_ips,
    }


def select_jails(all_names, wanted, digest_jails=()):
    """The jails to report: all of them, or the wanted ones and the ``digest_jails``, in fail2ban's
    order; an unknown name (in either) is an error that lists what exists."""
    known = set(all_names)
    for option, names in (("jails", wanted or ()), ("digest_jails", digest_jails or ())):
        unknown = [name for name in names if name not in known]
        if unknown:
            raise Fail2banError(
                Fail2banError.UNKNOWN_JAIL,
                "unknown jail(s): %s. Running jails: %s. Fix the '%s' option, or enable the jail "
                "in fail2ban's configuration and reload fail2ban."
                % (", ".join(unknown), ", ".join(all_names) or "(none)", option))
    if not wanted:
        return list(all_names)
    wanted_set = set(wanted) | set(digest_jails or ())
    return [name for name in all_names if name in wanted_set]


# --------------------------------------------------------------------------------------------
# The socket path
# --------------------------------------------------------------------------------------------

def fail2ban_importable():
    """True when this interpreter can import fail2ban's package: the sign that fail2ban is installed
    for it, which method=auto takes for the socket path (decoding answers does not use the package)."""
    try:
        import fail2ban.exceptions  # noqa: F401 pylint: disable=unused-import
    except Exception:  # pylint: disable=broad-except
        return False
    return True


def _socket_error(path, exc):
    code = getattr(exc, "errno", None)
    if code in (errno.EACCES, errno.EPERM):
        return Fail2banError(
            Fail2banError.PERMISSION_DENIED,
            "permission denied on fail2ban's socket %s: it is root-only (whoever can write to it "
            "runs commands as root). Run the task with 'become: true'." % path)
    if code in (errno.ENOENT, errno.ECONNREFUSED, errno.ENOTDIR):
        return Fail2banError(
            Fail2banError.NOT_RUNNING,
            "fail2ban's server is not running (%s at %s). Start it with 'systemctl start fail2ban' "
            "(see 'journalctl -u fail2ban' if it does not start), or set 'socket' to the path in "
            "fail2ban.local." % ("no socket" if code == errno.ENOENT else "connection refused", path))
    return Fail2banError(Fail2banError.SOCKET_UNAVAILABLE,
                         "cannot talk to fail2ban's socket %s: %s" % (path, exc))


# --------------------------------------------------------------------------------------------
# Decoding answers: plain data only
# --------------------------------------------------------------------------------------------

# fail2ban 0.11.2, 1.0.2 and 1.1.0 answer (0, result) with str, int, list and tuple only, and pickle
# a banned address (its IPAddr class) as the call str(address): that call is the one global a
# successful answer needs. A failed command answers (1, exception): the exception's class is a
# global too, and is only ever named, never imported or called (see RemoteException).
PLAIN_TYPES = (str, bytes, int, float, bool, type(None), list, tuple, dict, set, frozenset)
CALLABLE_GLOBALS = {("builtins", "str"): str}
BUILTIN_MODULES = ("builtins", "__builtin__", "exceptions")  # the last two: Python 2 names in old pickles
FAIL2BAN_EXCEPTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(Exception|Error)\Z")
# fail2ban's answers nest four deep; this leaves room and keeps repr() and str() far from the
# recursion limit on a hostile answer.
MAX_ANSWER_DEPTH = 32
_brief = reprlib.Repr()
_brief.maxstring = _brief.maxother = 200
_brief.maxlist = _brief.maxtuple = _brief.maxdict = _brief.maxset = _brief.maxfrozenset = 20


class RemoteException(object):
    """Stands in for an exception a fail2ban server pickled: its class's name and its arguments.

    Nothing of the named class is imported or run; find_class makes one subclass per name so the
    pickle's REDUCE/NEWOBJ/BUILD instructions land here.
    """

    remote_class = "?"

    def __new__(cls, *args, **kwargs):
        instance = object.__new__(cls)
        instance.args = args
        return instance

    def __init__(self, *args, **kwargs):  # pylint: disable=unused-argument
        pass

    def __setstate__(self, state):
        # The exception's attributes: not needed for the message, and not to be trusted.
        pass

    @property
    def name(self):
        return self.remote_class.rpartition(".")[2]

    def __repr__(self):
        return "%s(%s)" % (self.name, ", ".join(_brief.repr(arg) for arg in self.args))

    __str__ = __repr__


def _remote_exception_class(module, name):
    return type("RemoteException", (RemoteException,), {"remote_class": "%s.%s" % (module, name)})


def is_exception_global(module, name):
    """True for a builtin exception class, or a fail2ban class named like an exception."""
    if module in BUILTIN_MODULES:
        candidate = getattr(builtins, name, None)
        return isinstance(candidate, type) and issubclass(candidate, BaseException)
    return (module == "fail2ban" or module.startswith("fail2ban.")) and bool(FAIL2BAN_EXCEPTION_NAME.match(name))


class RefusedGlobal(pickle.UnpicklingError):
    """An answer asked for a global outside the allowed ones."""

    def __init__(self, module, name):
        super(RefusedGlobal, self).__init__("%s.%s" % (module, name))
        self.qualified_name = "%s.%s" % (_brief.repr(module)[1:-1], _brief.repr(name)[1:-1])


class RestrictedUnpickler(pickle.Unpickler):
    """Builds fail2ban's answers from plain data; refuses every global but str and exception names."""

    def find_class(self, module, name):
        if not isinstance(module, str) or not isinstance(name, str):
            raise RefusedGlobal(module, name)
        allowed = CALLABLE_GLOBALS.get((module, name))
        if allowed is not None:
            return allowed
        if is_exception_global(module, name):
            return _remote_exception_class(module, name)
        raise RefusedGlobal(module, name)

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent IDs are not part of fail2ban's answers")


def check_plain(value, allow_exceptions=False):
    """Raise ValueError unless ``value`` is plain data nested at most MAX_ANSWER_DEPTH deep
    (RemoteException instances too when ``allow_exceptions``). Iterative: no recursion to exhaust."""
    pending = [(value, 0)]
    seen = set()
    while pending:
        item, depth = pending.pop()
        if depth > MAX_ANSWER_DEPTH:
            raise ValueError("nested deeper than %d levels" % MAX_ANSWER_DEPTH)
        if isinstance(item, RemoteException) and allow_exceptions:
            children = item.args
        elif type(item) in PLAIN_TYPES:  # pylint: disable=unidiomatic-typecheck
            if isinstance(item, dict):
                children = list(item.keys()) + list(item.values())
            elif isinstance(item, (list, tuple, set, frozenset)):
                children = item
            else:
                continue
        else:
            raise ValueError("holds a %s" % type(item).__name__)
        if id(item) in seen:
            continue
        seen.add(id(item))
        pending.extend((child, depth + 1) for child in children)


def decode_answer(payload, command, path):
    """fail2ban's pickled answer to ``command``, as ``(code, result)`` of plain data."""
    try:
        answer = RestrictedUnpickler(io.BytesIO(payload)).load()
    except RefusedGlobal as exc:
        raise Fail2banError(
            Fail2banError.UNSAFE_ANSWER,
            "refused the answer to %r on %s: it asks to load %s, and fail2ban's answers hold plain "
            "data and exception names only. Nothing from it was run. Check what listens on the "
            "socket (ls -l %s; ss -xlp | grep fail2ban): it may not be fail2ban."
            % (command, path, exc.qualified_name, path))
    except Exception as exc:  # pylint: disable=broad-except
        raise Fail2banError(Fail2banError.PROTOCOL,
                            "cannot decode fail2ban's answer to %r: %s" % (command, _brief.repr(str(exc))))
    if not isinstance(answer, tuple) or len(answer) != 2 or answer[0] not in (0, 1) or isinstance(answer[0], bool):
        raise Fail2banError(Fail2banError.PROTOCOL,
                            "unexpected answer to %r: %s" % (command, _safe_repr(answer)))
    code, result = answer
    try:
        check_plain(result, allow_exceptions=code != 0)
    except ValueError as exc:
        raise Fail2banError(Fail2banError.UNSAFE_ANSWER,
                            "refused the answer to %r on %s: it %s, which fail2ban never sends. "
                            "Check what listens on the socket: it may not be fail2ban." % (command, path, exc))
    return code, result


def _safe_repr(value):
    try:
        check_plain(value, allow_exceptions=True)
    except ValueError:
        return "<%s>" % type(value).__name__
    return _brief.repr(value)


class SocketClient(object):
    """One connection to fail2ban's server socket, carrying any number of commands.

    Our own framing rather than fail2ban's CSocket: it is a dozen lines, behaves the same on
    0.11, 1.0 and 1.1 (CSocket's constructor and receive() signatures differ between them), and
    receives into one growing buffer (CSocket re-concatenates its message for every chunk, which
    is quadratic on the megabytes a jail with 50,000 bans answers with), and decodes answers with
    RestrictedUnpickler rather than pickle.loads, so whatever listens on the socket cannot make
    this process import or run anything.
    """

    def __init__(self, path=DEFAULT_SOCKET, timeout=30.0):
        self.path = path
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(path)
        except (OSError, socket.error) as exc:
            self._sock.close()
            raise _socket_error(path, exc)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        if self._sock is None:
            return
        try:
            # Tell the server to drop this connection instead of waiting for its next command.
            self._sock.sendall(CLOSE_MARKER + END_MARKER)
        except (OSError, socket.error):
            pass
        self._sock.close()
        self._sock = None

    def _receive(self):
        buf = bytearray()
        while True:
            chunk = self._sock.recv(RECV_CHUNK)
            if not chunk:
                raise Fail2banError(Fail2banError.PROTOCOL,
                                    "fail2ban's server closed the connection on %s mid-answer" % self.path)
            buf += chunk
            # The server sends one answer and then waits, so the marker can only end the buffer;
            # endswith() looks at its last bytes only, which keeps receiving linear.
            if buf.endswith(END_MARKER):
                return bytes(buf[:-len(END_MARKER)])

    def command(self, *args):
        """Send one command (e.g. ``"status", "sshd"``) and return fail2ban's answer."""
        request = pickle.dumps([str(arg) for arg in args], REQUEST_PICKLE_PROTOCOL) + END_MARKER
        try:
            self._sock.sendall(request)
            payload = self._receive()
        except socket.timeout:
            raise Fail2banError(Fail2banError.SOCKET_UNAVAILABLE,
                                "fail2ban's server did not answer %r within the timeout on %s" % (list(args), self.path))
        except (OSError, socket.error) as exc:
            raise _socket_error(self.path, exc)
        code, result = decode_answer(payload, list(args), self.path)
        if code != 0:
            reason = Fail2banError.COMMAND_FAILED
            if isinstance(result, RemoteException) and result.name == "UnknownJailException":
                reason = Fail2banError.UNKNOWN_JAIL
            raise Fail2banError(reason, "fail2ban refused %r: %s" % (list(args), _brief.repr(result)))
        return result


def _collect(reader, method, jails=None, with_ban_times=False, with_dbfile=False, digest_jails=(), with_ignoreip=False):
    """The report, from a reader of either path (_SocketReader, _CliReader): the same commands in the
    same order, so the two paths cannot drift apart."""
    version = reader.version()
    names = select_jails(reader.jail_names(), jails, digest_jails)
    statuses = {}
    ban_times = {} if with_ban_times else None
    for name in names:
        statuses[name] = normalise_jail_status(name, reader.jail_status(name))
        if with_ban_times and name not in (digest_jails or ()):
            ban_times[name] = reader.ban_times(name)
        if with_ignoreip:
            statuses[name]["ignoreip"] = reader.ignoreip(name)
    report = assemble_status(version, method, names, statuses, ban_times, digest_jails)
    if with_dbfile:
        report["dbfile"] = reader.dbfile()
    return report


class _SocketReader(object):
    """fail2ban's commands over one socket connection, for _collect and _apply_bans."""

    def __init__(self, client):
        self._client = client

    def version(self):
        return str(self._client.command("version"))

    def jail_names(self):
        return jail_names_from_status(self._client.command("status"))

    def jail_status(self, name):
        return self._client.command("status", name)

    def ban_times(self, name):
        return parse_ban_times(self._client.command("get", name, "banip", "--with-time"))

    def ignoreip(self, name):
        # fail2ban's IPAddr objects arrive as str() calls; DNS names in ignoreip as plain strings.
        return _as_word_list(self._client.command("get", name, "ignoreip") or [])

    def dbfile(self):
        dbfile = self._client.command("get", "dbfile")
        return None if dbfile is None else str(dbfile)

    def run(self, *args):
        self._client.command(*args)


def collect_via_socket(socket_path=None, jails=None, with_ban_times=False, timeout=30.0, client_factory=SocketClient,
                       with_dbfile=False, digest_jails=(), with_ignoreip=False):
    """Read everything over one socket connection and return the report (with fail2ban's ``dbfile``
    when ``with_dbfile``: its path, or None when fail2ban keeps no database; each jail's ``ignoreip``
    when ``with_ignoreip``)."""
    with client_factory(socket_path or DEFAULT_SOCKET, timeout) as client:
        return _collect(_SocketReader(client), "socket", jails, with_ban_times, with_dbfile, digest_jails,
                        with_ignoreip)


# --------------------------------------------------------------------------------------------
# The CLI path
# --------------------------------------------------------------------------------------------

def parse_dbfile_answer(text):
    """The path in ``fail2ban-client get dbfile``'s text ("Current database file is:" then
    "`- PATH"), or None when it says the database is disabled."""
    for line in reversed((text or "").splitlines()):
        line = line.strip()
        if line.startswith("`- "):
            return line[3:].strip() or None
    return None


def parse_ignoreip_answer(text):
    """The entries of ``fail2ban-client get JAIL ignoreip`` ("These IP addresses/networks are
    ignored:" then "|- ENTRY" ... "`- ENTRY"; "No IP address/network is ignored" when empty)."""
    entries = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line[:2] in ("|-", "`-"):
            entries.extend(line[2:].split())
    return entries


def _cli_error(argv, rc, out, err):
    text = "%s\n%s" % (out, err)
    if "Permission denied to socket" in text or "you must be root" in text:
        return Fail2banError(
            Fail2banError.PERMISSION_DENIED,
            "fail2ban-client was denied fail2ban's socket: it is root-only (whoever can write to it "
            "runs commands as root). Run the task with 'become: true'.")
    if "Failed to access socket path" in text or "Is fail2ban running" in text:
        return Fail2banError(
            Fail2banError.NOT_RUNNING,
            "fail2ban's server is not running (fail2ban-client cannot reach its socket). Start it "
            "with 'systemctl start fail2ban' (see 'journalctl -u fail2ban' if it does not start).")
    if "does not exist" in text and "jail" in text:
        return Fail2banError(Fail2banError.UNKNOWN_JAIL, "fail2ban says: %s" % text.strip())
    return Fail2banError(Fail2banError.COMMAND_FAILED,
                         "'%s' failed (rc=%s): %s" % (" ".join(argv), rc, text.strip()[:2000]))


class CliClient(object):
    """Runs ``fail2ban-client`` once per command through a ``run_command(argv) -> (rc, out, err)``
    callable (AnsibleModule.run_command in the module, a fake in the unit tests)."""

    def __init__(self, run_command, client_path, socket_path=None):
        self._run = run_command
        self._base = [client_path]
        if socket_path:
            self._base += ["-s", socket_path]

    def text(self, *args):
        argv = self._base + [str(arg) for arg in args]
        rc, out, err = self._run(argv)
        if rc != 0:
            raise _cli_error(argv, rc, out, err)
        return out


class _CliReader(object):
    """The same commands, one fail2ban-client run each."""

    def __init__(self, cli):
        self._cli = cli

    def version(self):
        return self._cli.text("version").strip()

    def jail_names(self):
        return jail_names_from_status(parse_global_status(self._cli.text("status")))

    def jail_status(self, name):
        return parse_jail_status(self._cli.text("status", name))

    def ban_times(self, name):
        return parse_ban_times(self._cli.text("get", name, "banip", "--with-time").splitlines())

    def ignoreip(self, name):
        return parse_ignoreip_answer(self._cli.text("get", name, "ignoreip"))

    def dbfile(self):
        return parse_dbfile_answer(self._cli.text("get", "dbfile"))

    def run(self, *args):
        self._cli.text(*args)


def collect_via_cli(run_command, client_path, socket_path=None, jails=None, with_ban_times=False, with_dbfile=False,
                    digest_jails=(), with_ignoreip=False):
    """Read everything with one ``fail2ban-client`` run per command and return the report."""
    return _collect(_CliReader(CliClient(run_command, client_path, socket_path)), "cli", jails, with_ban_times,
                    with_dbfile, digest_jails, with_ignoreip)


def locate_client(get_bin_path, fallback_dirs):
    """fail2ban-client on PATH first (get_bin_path would search opt_dirs before PATH), then in
    ``fallback_dirs`` (where packages install it, for a PATH that lacks it, e.g. a minimal sudo)."""
    return get_bin_path("fail2ban-client") or get_bin_path("fail2ban-client", opt_dirs=fallback_dirs)


def choose_method(requested, importable, client_path):
    """Pick 'socket' or 'cli' for method=auto|socket|cli, or explain why neither can work."""
    if requested == "socket":
        if not importable:
            raise Fail2banError(
                Fail2banError.NOT_INSTALLED,
                "method=socket needs fail2ban's Python package importable by the module's "
                "interpreter, and it is not: install fail2ban (apt-get install fail2ban), point "
                "ansible_python_interpreter at the Python fail2ban is installed for, or use method=cli.")
        return "socket"
    if requested == "cli":
        if not client_path:
            raise Fail2banError(
                Fail2banError.NOT_INSTALLED,
                "fail2ban-client was not found on PATH: install fail2ban (apt-get install fail2ban).")
        return "cli"
    if importable:
        return "socket"
    if client_path:
        return "cli"
    raise Fail2banError(
        Fail2banError.NOT_INSTALLED,
        "fail2ban is not installed: neither its Python package nor fail2ban-client was found. "
        "Install it (apt-get install fail2ban, or the fortress.nginx.fail2ban_nginx role).")


# --------------------------------------------------------------------------------------------
# Banning and unbanning a list (fortress.nginx.fail2ban_ban)
# --------------------------------------------------------------------------------------------

# Addresses per banip/unbanip command: one command each would cost 10,000 round trips, one for all
# a multi-megabyte request; fail2ban takes several addresses per command since 0.10.
BAN_BATCH = 500


class BanTargetError(ValueError):
    """Entries of the address list that are not addresses or networks (each named)."""


def canonical_target(value):
    """An address as fail2ban lists it (``192.0.2.7``, ``2001:db8::7``) or a network in CIDR
    (``192.0.2.0/24``); a /32 or /128 is the bare address. ValueError for anything else."""
    if isinstance(value, bool) or not isinstance(value, str) or not value.strip():
        raise ValueError("not an address or CIDR network")
    text = value.strip()
    if "/" in text:
        network = ipaddress.ip_network(u"%s" % text, strict=False)
        if network.prefixlen == network.max_prefixlen:
            return str(network.network_address)
        return network.compressed
    return str(ipaddress.ip_address(u"%s" % text))


def canonical_targets(values):
    """The validated, de-duplicated list in the given order; BanTargetError naming every bad entry."""
    seen = set()
    targets = []
    bad = []
    for index, value in enumerate(values or []):
        try:
            target = canonical_target(value)
        except ValueError:
            bad.append("addresses[%d]: %s" % (index, _brief.repr(value)))
            continue
        if target not in seen:
            seen.add(target)
            targets.append(target)
    if bad:
        raise BanTargetError("not an IPv4/IPv6 address or CIDR network: %s" % "; ".join(bad[:20])
                             + (" (and %d more)" % (len(bad) - 20) if len(bad) > 20 else ""))
    return targets


def _canonical_banned(banned):
    """fail2ban's banned list in canonical form (entries it bans that are not addresses stay as they are)."""
    canonical = []
    for entry in banned:
        try:
            canonical.append(canonical_target(entry))
        except ValueError:
            canonical.append(entry)
    return canonical


def target_sort_key(target):
    """ip_sort_key for addresses; a network sorts at its first address (IPv4 before IPv6)."""
    if "/" in target:
        try:
            network = ipaddress.ip_network(u"%s" % target, strict=False)
        except ValueError:
            return (7, 0, target)
        return (network.version, int(network.network_address), target)
    return ip_sort_key(target)


def plan_bans(banned, targets, state="present", exact=False):
    """What to ban and unban so that the jail holds ``targets`` (state=present) or none of them
    (state=absent); with ``exact``, the jail holds exactly ``targets`` (anything else is unbanned).

    Returns ``{'ban': [...], 'unban': [...], 'already': [...]}``, ``already`` being the targets that
    needed nothing (banned for present, not banned for absent), all in target_sort_key order.
    """
    current = set(_canonical_banned(banned))
    wanted = set(targets)
    if state == "absent":
        unban = current & wanted
        ban = set()
        already = wanted - current
    else:
        ban = wanted - current
        unban = (current - wanted) if exact else set()
        already = wanted & current
    return {"ban": sorted(ban, key=target_sort_key), "unban": sorted(unban, key=target_sort_key),
            "already": sorted(already, key=target_sort_key)}


def _batches(items, size=BAN_BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _apply_bans(session, jail, state, targets, exact, check_mode):
    before = normalise_jail_status(jail, session.jail_status(jail))["actions"]["banned_ips"]
    plan = plan_bans(before, targets, state, exact)
    if not check_mode:
        for batch in _batches(plan["ban"]):
            session.run("set", jail, "banip", *batch)
        for batch in _batches(plan["unban"]):
            session.run("set", jail, "unbanip", *batch)
    after_set = (set(_canonical_banned(before)) | set(plan["ban"])) - set(plan["unban"])
    plan.update({"jail": jail, "before": sorted(_canonical_banned(before), key=target_sort_key),
                 "after": sorted(after_set, key=target_sort_key)})
    return plan


def bans_via_socket(jail, targets, state="present", exact=False, check_mode=False, socket_path=None,
                    timeout=30.0, client_factory=SocketClient):
    """Plan and (unless check_mode) apply the bans over one socket connection."""
    with client_factory(socket_path or DEFAULT_SOCKET, timeout) as client:
        plan = _apply_bans(_SocketReader(client), jail, state, targets, exact, check_mode)
    plan["method"] = "socket"
    return plan


def bans_via_cli(run_command, client_path, jail, targets, state="present", exact=False, check_mode=False,
                 socket_path=None):
    """Plan and (unless check_mode) apply the bans with fail2ban-client."""
    plan = _apply_bans(_CliReader(CliClient(run_command, client_path, socket_path)), jail, state, targets,
                       exact, check_mode)
    plan["method"] = "cli"
    return plan
