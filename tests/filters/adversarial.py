"""Hostile log lines for every nginx filter of the role (issue #10, "No client can aim the fortress").

Data for tests/filters/test_adversarial.py. Each Case is one message as nginx writes it (an error-log
message may hold raw newlines: nginx writes the URL-decoded path of a request, %0A included, into
`open() "..." failed` and its kin), and the hosts each filter must ban from it. A filter not named in
`expect` must ban nobody. The test feeds every case

- to fail2ban-regex as a log FILE (a newline splits the message into lines, as the file backend reads
  them), and
- to fail2ban's filter code as ONE JOURNAL ENTRY "web1 nginx[812]: <message>" (journal_probe.py), both
  the way fail2ban's journal backend hands it over (newlines as the two characters \\n) and with raw
  newlines,

and requires exactly `expect`, and above all that no VICTIM is ever banned.

The attacker is ATTACKER (or ATTACKER6, or loopback in the real lines); every address the attacker
writes into a field is a victim. Message formats follow nginx's source (src/http/ngx_http_request.c
ngx_http_log_error/_handler: ", client: %V", ", server: %V", ", request: \\"%V\\"", ", subrequest:",
", upstream:", ", host:", ", referrer:"; src/event/ngx_event_openssl.c ngx_ssl_error: " (SSL: error:...)";
ngx_http_static_module/ngx_http_index_module/ngx_http_auth_basic_module/ngx_http_limit_req_module
messages) and REAL_LINES below were written by a real nginx (provenance there).

KNOWN_OPEN lists what no filter can stop, and the test proves it still holds (so docs/threat-model.md
stays true): with the FILE backend, two %0A in one request give a line that is entirely the
attacker's (nginx's own text stays on the lines before and after it).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

ATTACKER = "203.0.113.7"
ATTACKER6 = "2001:db8::7"
VICTIMS = ("6.6.6.6", "2001:db8::666", "198.51.100.66", "::ffff:6.6.6.6", "127.0.0.66")
D = "2026/11/26 10:00:00"

AUTH = "fortress-nginx-http-auth"
BOT = "fortress-nginx-botsearch"
FORB = "fortress-nginx-forbidden"
SSL = "fortress-nginx-sslerror"
LIMIT = "fortress-nginx-limit-req"
FOURXX = "fortress-nginx-4xx"
PROBE = "fortress-nginx-probe"
PROTO = "fortress-nginx-protocol"
ERROR_FILTERS = (AUTH, BOT, FORB, SSL, LIMIT)
ACCESS_FILTERS = (FOURXX, BOT, PROBE, PROTO)


def normalized(host: str) -> str:
    """The form fail2ban reports an address in (IPv4-mapped IPv6 as IPv4, IPv6 compressed)."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ip)


VICTIM_FORMS = frozenset(VICTIMS) | {normalized(v) for v in VICTIMS}


FILE, JOURNAL, JOURNAL_RAW = "file", "journal", "journal-raw"
BACKENDS = (FILE, JOURNAL, JOURNAL_RAW)


@dataclass
class Case:
    id: str
    text: str  # the message as nginx writes it; may hold raw newlines (error log only)
    expect: dict = field(default_factory=dict)  # filter -> set of hosts it must ban; others: none
    log: str = "error"  # "error" or "access": which filters to run
    real: str = ""  # provenance of a line a real nginx wrote
    backends: tuple = BACKENDS  # where `expect` holds (FILE: lines of a log file; JOURNAL: one entry)

    @property
    def filters(self):
        return ERROR_FILTERS if self.log == "error" else ACCESS_FILTERS


def tail(client, request="GET / HTTP/1.1", referrer=None, host="example.org", server="example.org", extra=""):
    """What ngx_http_log_error(_handler) appends after the message."""
    s = f", client: {client}, server: {server}"
    if request is not None:
        s += f', request: "{request}"'
    s += extra
    if host is not None:
        s += f', host: "{host}"'
    if referrer is not None:
        s += f', referrer: "{referrer}"'
    return s


def enc(text: str) -> str:
    """Percent-encode what a raw request line cannot carry (nginx decodes it back into the path)."""
    out = []
    for ch in text:
        if ch in ' "#?%\n' or ord(ch) < 0x21:
            out.append("%%%02X" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


# --- what an attacker wants fail2ban to see: one genuine-looking line per job, naming `v` ----------

# Per job: (text before the client, the request it was logged for, extra tail options). Real
# formats (see the module docstring); "web1 nginx[812]: " forms come through syslog/the journal.
JOBS = {
    AUTH: [
        ('{D} [error] {c} user "admin": password mismatch', "GET /admin/ HTTP/1.1", {}),
        ('{D} [error] {c} user "root" was not found in "/etc/nginx/htpasswd"', "GET /admin/ HTTP/2.0", {}),
        ("{D} [error] {c} PAM: user 'root' - not authenticated: Authentication failure", "GET /admin/ HTTP/1.1", {}),
        ('web1 nginx[812]: {D} [error] {c} user "admin": password mismatch', "GET /admin/ HTTP/1.1", {}),
        ('web1 nginx[812]: [error] {c} user "admin": password mismatch', "GET /admin/ HTTP/1.1", {}),
    ],
    LIMIT: [
        ('{D} [error] {c} limiting requests, excess: 9.120 by zone "req_per_ip"', "GET / HTTP/1.1", {}),
        ('{D} [notice] {c} limiting connections by zone "conn_per_ip"', "GET / HTTP/2.0", {}),
    ],
    SSL: [
        ("{D} [crit] {c} SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking",
         None, {"host": None, "server": "0.0.0.0:443"}),
        ("{D} [crit] {c} SSL_read() failed (SSL: error:0A0001BB:SSL routines::bad record type) while reading client request headers",
         "GET / HTTP/1.1", {}),
    ],
    FORB: [
        ('{D} [error] {c} directory index of "/var/www/html/uploads/" is forbidden', "GET /uploads/ HTTP/1.1", {}),
        ("{D} [error] {c} access forbidden by rule", "GET /.git/config HTTP/1.1", {}),
    ],
    BOT: [
        ('{D} [error] {c} open() "/var/www/html/.env" failed (2: No such file or directory)', "GET /.env HTTP/1.1", {}),
        ('{D} [error] {c} "/var/www/html/phpmyadmin/index.html" is not found (2: No such file or directory)',
         "GET /phpmyadmin/ HTTP/1.1", {}),
    ],
}


def job_line(target: str, i: int, client: str, n: int, **overrides) -> str:
    """Line i of `target`'s job as nginx writes it for `client`, connection *n."""
    head, request, opts = JOBS[target][i]
    kw = {"request": request, **opts, **overrides}
    return head.format(D=D, c=f"1#1: *{n}") + tail(client, **kw)


def forged_lines(v: str, n: int) -> dict[str, list[str]]:
    """Per target filter, complete lines as nginx would write them for client v (conn *n)."""
    return {target: [job_line(target, i, v, n) for i in range(len(lines))] for target, lines in JOBS.items()}


# --- messages in which nginx writes the decoded request path before the client --------------------

def carriers(path: str, attacker: str, n: int) -> dict[str, str]:
    """nginx messages that log the URL-decoded `path` (after the document root) raw; the request
    line shows it percent-encoded, as the attacker sent it."""
    req = f"GET /{enc(path)} HTTP/1.1"
    c = f"812#812: *{n}"
    return {
        "open": f'{D} [error] {c} open() "/var/www/html/{path}" failed (2: No such file or directory)' + tail(attacker, req),
        "notfound": f'{D} [error] {c} "/var/www/html/{path}/index.html" is not found (2: No such file or directory)'
        + tail(attacker, f"GET /{enc(path)}/ HTTP/1.1"),
        "dirindex": f'{D} [error] {c} directory index of "/var/www/html/{path}/" is forbidden'
        + tail(attacker, f"GET /{enc(path)}/ HTTP/1.1"),
        "cycle": f'{D} [error] {c} rewrite or internal redirection cycle while processing "/{path}"' + tail(attacker, req),
    }


def _newline_cases() -> tuple[list[Case], list[Case]]:
    """One %0A: the forged line is followed by nginx's own text (refused). Two %0A: a line entirely
    the attacker's (file backend: KNOWN_OPEN; journal: one entry, never matched)."""
    cases, known_open = [], []
    n = 100
    for v in ("6.6.6.6", "2001:db8::666", "::ffff:6.6.6.6"):
        for target, lines in forged_lines(v, 1).items():
            for i, forged in enumerate(lines):
                for carrier in ("open", "notfound", "dirindex", "cycle"):
                    n += 1
                    attacker = ATTACKER6 if n % 2 else ATTACKER
                    one = carriers("a\n" + forged, attacker, n)[carrier]
                    cases.append(Case(f"nl1-{carrier}-{target}-{i}-{v}", one))
                    two = carriers("a\n" + forged + "\nb", attacker, n)[carrier]
                    # journal: one entry starting with nginx's genuine text -> nothing matches
                    cases.append(Case(f"nl2-journal-{carrier}-{target}-{i}-{v}", two, backends=(JOURNAL, JOURNAL_RAW)))
                    if carrier == "open" and i == 0:
                        known_open.append(Case(f"nl2-file-{target}-{v}", two, {target: {normalized(v)}}, backends=(FILE,)))
                # the forged line also after several newlines and with CR
                n += 1
                cases.append(Case(f"nl1-crlf-{target}-{i}-{v}", carriers("a\r\n" + forged, ATTACKER, n)["open"]))
    return cases, known_open


def _inline_path_cases() -> list[Case]:
    """No newline: '"' and spaces (%22, %20) in the decoded path write nginx's own phrase and another
    client into the same line; nginx's real text follows and the line is refused."""
    cases = []
    n = 400
    for v in VICTIMS:
        n += 1
        fake = {
            "open": f'x" failed (2: No such file or directory), client: {v}, server: example.org, request: "GET /.env HTTP/1.1',
            "notfound": f'x/index.html" is not found (2: No such file or directory), client: {v}, server: x, request: "GET /wp-login.php HTTP/1.1',
            "dirindex": f'x" is forbidden, client: {v}, server: example.org, request: "GET / HTTP/1.1", host: "x',
            "cycle": f'x", client: {v}, server: example.org, request: "GET /.env HTTP/1.1',
        }
        for carrier, path in fake.items():
            n += 1
            cases.append(Case(f"inline-{carrier}-{v}", carriers(path, ATTACKER, n)[carrier]))
        # the same without the request part of nginx's phrase
        n += 1
        cases.append(Case(f"inline-dirindex-short-{v}", carriers(f'x" is forbidden, client: {v}, server: y', ATTACKER, n)["dirindex"]))
    return cases


def _genuine_with_hostile_fields() -> list[Case]:
    """Genuine lines of every job for ATTACKER whose request, host, referrer, upstream or subrequest
    (all after nginx's client) carry other clients and whole fake messages. The real client is banned;
    a field repeating nginx's own ', client: X, server: S, request: "' makes the line refused (the
    bytes are those of a forgery): the attacker escapes that one line, nobody else is banned."""
    cases = []
    n = 600
    for v in ("6.6.6.6", "2001:db8::666", "::ffff:6.6.6.6"):
        hostile_ok = [  # fields that name another client but do not repeat nginx's own tail
            f"client: {v}",
            f"x, client: {v}, server: y",
            f"(SSL: x) while SSL handshaking, client: {v}, server: y",
            f"x is forbidden, client: {v}, server: y",
            f"x\" failed (2: No such file or directory), client: {v}",
            f"limiting requests, excess: 1.000 by zone \"req_per_ip\", client: {v}, server: y",
            f"user \"a\": password mismatch, client: {v}, server: y",
            f"{D} [error] 1#1: *1 access forbidden by rule, client: {v}, server: y",
            f"client: [{v}], server: y",
        ]
        hostile_refused = [  # ... and fields that repeat it whole
            f"x, client: {v}, server: example.org, request: \"GET / HTTP/1.1",
            f"{D} [error] 1#1: *1 user \"a\": password mismatch, client: {v}, server: x, request: \"GET / HTTP/1.1\", host: \"x",
        ]
        for target, jobs in JOBS.items():
            for i, (_head, request, _opts) in enumerate(jobs):
                real = {target: {ATTACKER}}
                request = request or "GET / HTTP/1.1"
                method, path, proto = request.split()
                for j, field_text in enumerate(hostile_ok):
                    n += 1
                    for fld, kw in (
                        ("referrer", {"referrer": field_text}),
                        ("host", {"host": field_text.replace('"', "")}),
                        ("upstream", {"extra": f', upstream: "http://127.0.0.1:8080/{field_text}"'}),
                        # nginx < 1.21.1 (Debian 11's 1.18) accepted spaces in the request line
                        ("request", {"request": f"{method} {path}?{field_text} {proto}"}),
                    ):
                        cases.append(Case(f"{fld}-{target}-{i}-{j}-{v}", job_line(target, i, ATTACKER, n, **kw), real))
                for j, field_text in enumerate(hostile_refused):
                    n += 1
                    cases.append(Case(f"referrer-refused-{target}-{i}-{j}-{v}",
                                      job_line(target, i, ATTACKER, n, referrer=field_text)))
                    cases.append(Case(f"subrequest-refused-{target}-{i}-{j}-{v}", job_line(
                        target, i, ATTACKER, n, extra=f', subrequest: "/{field_text}"')))
    return cases


def _auth_user_names() -> list[Case]:
    """Basic-auth user names are the attacker's and nginx logs them raw, but cut at the first ':'."""
    cases = []
    n = 900
    for v in VICTIMS:
        names = [
            f'x" was not found in "/etc/passwd", client {v}',
            f"a, client {v}, server x",
            f'a" password mismatch, client {v}, server x, x="',
            f"a\n{D.replace(':', ' ')} [error] 1#1 *1 user \"b",  # a newline, but no colon possible
            f"a\\n{D.replace(':', ' ')} [error] 1#1 *1 user \"b",
            f"web1 nginx[1] {D.split()[0]} [error] 1#1 *1 user \"a\" password mismatch, client {v}, server x",
        ]
        for i, name in enumerate(names):
            n += 1
            if ":" in name:
                continue  # nginx cuts the name at its first colon: no such line exists (IPv6 victims)
            for form, msg in (("mismatch", f'user "{name}": password mismatch'),
                              ("notfound", f'user "{name}" was not found in "/etc/nginx/htpasswd"')):
                text = f"{D} [error] 812#812: *{n} {msg}" + tail(ATTACKER, "GET /admin/ HTTP/1.1")
                if "\n" in name:
                    # file: two lines, neither counts (the second has no colon, so no date and no
                    # "*N: "); journal: one entry, the attacker's own failure
                    cases.append(Case(f"user-{form}-{i}-{v}", text, {}, backends=(FILE,)))
                    cases.append(Case(f"user-{form}-{i}-{v}-journal", text, {AUTH: {ATTACKER}}, backends=(JOURNAL, JOURNAL_RAW)))
                    continue
                cases.append(Case(f"user-{form}-{i}-{v}", text, {AUTH: {ATTACKER}}))
    return cases


def _ssl_cases() -> list[Case]:
    """issue #10 (1): nothing may run from OpenSSL's text past nginx's ') while ...'."""
    cases = []
    n = 1000
    for v in VICTIMS:
        for i, ref in enumerate([
            f"(SSL: x) while SSL handshaking, client: {v}, server: y",
            f"x) while waiting for request, client: {v}, server: 0.0.0.0:443",
            f"(SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking, client: {v}, server: 0.0.0.0:443",
        ]):
            for action in ("reading client request headers", "waiting for request"):
                n += 1
                text = (f"{D} [crit] 812#812: *{n} SSL_read() failed (SSL: error:0A0001BB:SSL routines::bad record type) "
                        f"while {action}" + tail(ATTACKER, referrer=ref))
                cases.append(Case(f"ssl-referrer-{i}-{action.split()[0]}-{v}", text, {SSL: {ATTACKER}}))
            # an action we do not count: the crafted referrer must not make it count for anybody
            n += 1
            text = (f"{D} [crit] 812#812: *{n} SSL_read() failed (SSL: error:0A0001BB:SSL routines::bad record type) "
                    "while reading client request body" + tail(ATTACKER, "POST / HTTP/1.1", referrer=ref))
            cases.append(Case(f"ssl-uncounted-action-{i}-{v}", text))
            # [info] (client aborts) never counts, whatever the referrer says
            n += 1
            text = (f"{D} [info] 812#812: *{n} SSL_read() failed (SSL: error:0A00010B:SSL routines::wrong version number) "
                    "while reading client request headers" + tail(ATTACKER, referrer=ref.replace("[info]", "[crit]")))
            cases.append(Case(f"ssl-info-{i}-{v}", text))
        n += 1
        # an upstream TLS failure (ours) with a crafted referrer
        text = (f"{D} [crit] 812#812: *{n} SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) "
                "while SSL handshaking to upstream"
                + tail(ATTACKER, extra=', upstream: "https://192.0.2.80:443/"',
                       referrer=f"x) while SSL handshaking, client: {v}, server: y"))
        cases.append(Case(f"ssl-upstream-{v}", text))
    return cases


def _limit_cases() -> list[Case]:
    cases = []
    n = 1200
    for v in VICTIMS:
        n += 1
        # a zone name is the operator's, but a decoded path can say "by zone"
        cases.append(Case(f"limit-in-path-{v}", carriers(
            f'limiting requests, excess: 1.000 by zone "z", client: {v}, server: y', ATTACKER, n)["open"]))
        n += 1
        cases.append(Case(f"limit-delaying-{v}", f'{D} [warn] 812#812: *{n} delaying request, excess: 0.500, by zone "z"'
                          + tail(ATTACKER, referrer=f'limiting requests, excess: 1.000 by zone "z", client: {v}, server: y')))
    return cases


# --- the access log: nginx escapes '"', '\\' and control characters as \\xHH in every variable -------

def esc(value: str) -> str:
    """nginx's access-log escaping (escape=default)."""
    out = []
    for ch in value:
        o = ord(ch)
        if ch in '"\\' or o < 0x20 or o > 0x7E:
            out.append("\\x%02X" % o)
        else:
            out.append(ch)
    return "".join(out)


def access_line(addr, request, status, referrer="-", agent="-", user="-", prefix=""):
    return (f'{prefix}{addr} - {esc(user)} [26/Nov/2026:10:00:00 +0000] "{esc(request)}" {status} 153 '
            f'"{esc(referrer)}" "{esc(agent)}"')


def _access_cases() -> list[Case]:
    cases = []
    for v in VICTIMS:
        fake = f'{v} - - [26/Nov/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 153 "-" "-"'
        hostile = [
            fake,
            "\n" + fake,
            f'" 404 1 "-" "-"\n{fake}',
            f"client: {v}, server: x",
            f"x] \"GET /.env HTTP/1.1\" 404 {v}",
        ]
        for i, h in enumerate(hostile):
            for prefix in ("", "web1 nginx[812]: "):
                p = "j" if prefix else "f"
                # a 200 with hostile fields: nobody is banned
                for fld in ("user", "referrer", "agent"):
                    cases.append(Case(f"access-200-{fld}-{i}-{p}-{v}", access_line(
                        ATTACKER, "GET / HTTP/1.1", 200, prefix=prefix, **{fld: h}), log="access"))
                    # a probe with hostile fields: only the real client is banned
                    cases.append(Case(f"access-404-{fld}-{i}-{p}-{v}", access_line(
                        ATTACKER6, "GET /.env HTTP/1.1", 404, prefix=prefix, **{fld: h}),
                        {FOURXX: {ATTACKER6}, BOT: {ATTACKER6}, PROBE: {ATTACKER6}}, log="access"))
                # hostile text in the request line of a 200 and of a 400: the request line is malformed
                # (raw spaces in the target; a newline before any space is written \x0A, a control byte: certain), so
                # its SENDER is banned by the protocol and probe tiers, never the address it names
                cases.append(Case(f"access-200-request-{i}-{p}-{v}", access_line(
                    ATTACKER, f"GET /?{h} HTTP/1.1", 200, prefix=prefix),
                    {PROTO: {ATTACKER}, **({PROBE: {ATTACKER}} if h.startswith("\n") else {})}, log="access"))
                cases.append(Case(f"access-400-request-{i}-{p}-{v}", access_line(
                    ATTACKER, h, 400, prefix=prefix), {FOURXX: {ATTACKER}, PROTO: {ATTACKER}}, log="access"))
                # a certain probe and a proxy probe whose referrer/agent name a victim
                cases.append(Case(f"access-probe-200-{i}-{p}-{v}", access_line(
                    ATTACKER, "GET /.git/config HTTP/1.1", 200, referrer=h, agent=h, prefix=prefix),
                    {PROBE: {ATTACKER}}, log="access"))
                cases.append(Case(f"access-connect-{i}-{p}-{v}", access_line(
                    ATTACKER6, f"CONNECT {v}:443 HTTP/1.1", 400, referrer=h, agent=h, prefix=prefix),
                    {FOURXX: {ATTACKER6}, PROTO: {ATTACKER6}}, log="access"))
                # the victim's address inside a certain probe's own path
                cases.append(Case(f"access-probe-path-{i}-{p}-{v}", access_line(
                    ATTACKER, f"GET /{v}/.env?{h} HTTP/1.1", 404, prefix=prefix),
                    {FOURXX: {ATTACKER}, BOT: {ATTACKER}, PROBE: {ATTACKER}, PROTO: {ATTACKER}}, log="access"))
    return cases


# --- lines a real nginx wrote ------------------------------------------------------------------------
# Provenance: nginx 1.22.1-9+deb12u11 (Debian 12's package, OpenSSL 3.0.19) run on 2026-11-30 with the
# configuration in tests/filters/samples/adversarial/README.md, error_log at info, the hostile requests
# sent from 127.0.0.1 / ::1 (so loopback is the real client). Copied verbatim from its error.log and
# access.log (tests/filters/samples/adversarial/nginx-1.22.1-*.log hold the full captures).
R = "2026/11/30 04:24:"
REAL_LINES = [
    Case("real-issue10-sslerror-referrer",
         f'{R}17 [crit] 16778#16778: *2 SSL_read() failed (SSL: error:1C80006C:Provider routines::invalid aad '
         'error:0A0C0103:SSL routines::internal error) while reading client request headers, client: 127.0.0.1, '
         'server: example.org, request: "GET / HTTP/1.1", host: "example.org", '
         'referrer: "(SSL: x) while SSL handshaking, client: 6.6.6.6, server: y"',
         {SSL: {"127.0.0.1"}}, real="TLS handshake, partial request with the Referer, then a TLS record of type 0x17 with a bogus length"),
    Case("real-sslerror-waiting-ipv6",
         f"{R}21 [crit] 16778#16778: *5 SSL_read() failed (SSL: error:1C80006C:Provider routines::invalid aad "
         "error:0A0C0103:SSL routines::internal error) while waiting for request, client: ::1, server: [::1]:18443",
         {SSL: {"::1"}}, real="TLS handshake from ::1, then the same malformed record"),
    Case("real-sslerror-info",
         f'{R}21 [info] 16778#16778: *4 SSL_read() failed (SSL: error:0A00010B:SSL routines::wrong version number) '
         'while reading client request headers, client: 127.0.0.1, server: example.org, request: "GET / HTTP/1.1", '
         'host: "example.org", referrer: "(SSL: x) while SSL handshaking, client: 6.6.6.6, server: y"',
         real="a TLS record with a wrong version after the handshake: nginx 1.22 logs it at info"),
    Case("real-newline-one",
         f'{R}27 [error] 16778#16778: *21 open() "/tmp/ngxlab/html/a\n{R}27 [error] 1#1: *1 user "a": password mismatch, '
         'client: 6.6.6.6, server: example.org" failed (2: No such file or directory), client: 127.0.0.1, '
         'server: example.org, request: "GET /a%0A2026/11/30%2004:24:27%20[error]%201%231:%20*1%20user%20%22a%22:%20password'
         '%20mismatch,%20client:%206.6.6.6,%20server:%20example.org HTTP/1.1", host: "example.org"',
         real="GET with one %0A (and %23 for '#', which nginx would otherwise take as the fragment)"),
    Case("real-user-newline",
         f'{R}21 [error] 16778#16778: *11 user "a\n2026/11/30 04 24 21 [error] 1#1 *1 user "b" was not found in '
         '"/tmp/ngxlab/htpasswd", client: 127.0.0.1, server: example.org, request: "GET /private/ HTTP/1.1", '
         'host: "example.org"',
         backends=(FILE,), real="Basic auth whose user name holds a newline (no colon possible)"),
    Case("real-user-newline-journal",
         f'{R}21 [error] 16778#16778: *11 user "a\n2026/11/30 04 24 21 [error] 1#1 *1 user "b" was not found in '
         '"/tmp/ngxlab/htpasswd", client: 127.0.0.1, server: example.org, request: "GET /private/ HTTP/1.1", '
         'host: "example.org"',
         {AUTH: {"127.0.0.1"}}, backends=(JOURNAL, JOURNAL_RAW), real="the same, as one journal entry"),
    Case("real-user-fake-file",
         f'{R}21 [error] 16778#16778: *10 user "x" was not found in "/etc/passwd", client 6.6.6.6" was not found in '
         '"/tmp/ngxlab/htpasswd", client: 127.0.0.1, server: example.org, request: "GET /private/ HTTP/1.1", host: "example.org"',
         {AUTH: {"127.0.0.1"}}, real="Basic auth user name imitating the message"),
    Case("real-auth-referrer",
         f'{R}21 [error] 16778#16778: *12 user "admin": password mismatch, client: 127.0.0.1, server: example.org, '
         'request: "GET /private/ HTTP/1.1", host: "example.org", referrer: "x: password mismatch, client: 6.6.6.6, server: y"',
         {AUTH: {"127.0.0.1"}}, real="wrong password, crafted Referer"),
    Case("real-auth-ipv6",
         f'{R}21 [error] 16778#16778: *9 user "root" was not found in "/tmp/ngxlab/htpasswd", client: ::1, '
         'server: example.org, request: "GET /private/ HTTP/1.1", host: "example.org"',
         {AUTH: {"::1"}}, real="unknown user from ::1"),
    Case("real-deny-referrer",
         f'{R}21 [error] 16778#16778: *14 access forbidden by rule, client: 127.0.0.1, server: example.org, '
         'request: "GET /deny/x HTTP/1.1", host: "example.org", referrer: "access forbidden by rule, client: 6.6.6.6, server: y"',
         {FORB: {"127.0.0.1"}}, real="deny all location, crafted Referer"),
    Case("real-dirindex-forged",
         f'{R}21 [error] 16778#16778: *15 directory index of "/tmp/ngxlab/html/forged" is forbidden, client: 6.6.6.6, '
         'server: y/" is forbidden, client: 127.0.0.1, server: example.org, request: "GET /forged%22%20is%20forbidden,'
         '%20client:%206.6.6.6,%20server:%20y/ HTTP/1.1", host: "example.org"',
         real="a directory whose name holds the phrase (created in the lab's root), requested with %22/%20"),
    Case("real-dirindex",
         f'{R}21 [error] 16778#16778: *13 directory index of "/tmp/ngxlab/html/uploads/" is forbidden, client: 127.0.0.1, '
         'server: example.org, request: "GET /uploads/ HTTP/1.1", host: "example.org"',
         {FORB: {"127.0.0.1"}}, real="GET /uploads/ (no index file, autoindex off)"),
    Case("real-limit-referrer",
         f'{R}21 [error] 16778#16778: *17 limiting requests, excess: 1.000 by zone "req_per_ip", client: 127.0.0.1, '
         'server: example.org, request: "GET /limited/ HTTP/1.1", host: "example.org", referrer: "limiting requests, '
         'excess: 1.000 by zone "req_per_ip", client: 6.6.6.6, server: y"',
         {LIMIT: {"127.0.0.1"}}, real="limit_req rate=1r/m, burst 0, crafted Referer"),
    Case("real-open-referrer",
         f'{R}21 [error] 16778#16778: *20 open() "/tmp/ngxlab/html/wp-login.php" failed (2: No such file or directory), '
         'client: 127.0.0.1, server: example.org, request: "GET /wp-login.php HTTP/1.1", host: "example.org", '
         'referrer: "6.6.6.6 - - [30/Nov/2026:00:00:00 +0000] "GET /.env HTTP/1.1" 404 1"',
         {BOT: {"127.0.0.1"}}, real="missing wp-login.php, Referer imitating an access-log line"),
    Case("real-access-referrer",
         '127.0.0.1 - - [30/Nov/2026:04:24:21 +0000] "GET /wp-login.php HTTP/1.1" 404 153 "6.6.6.6 - - '
         '[30/Nov/2026:00:00:00 +0000] \\x22GET /.env HTTP/1.1\\x22 404 1" "-"',
         {FOURXX: {"127.0.0.1"}, BOT: {"127.0.0.1"}}, log="access", real="the same request's access-log line"),
    Case("real-access-user",
         '127.0.0.1 - x\\x22 was not found in \\x22/etc/passwd\\x22, client 6.6.6.6 [30/Nov/2026:04:24:21 +0000] '
         '"GET /private/ HTTP/1.1" 401 179 "-" "-"',
         log="access", real="access-log line of the imitating user name (401: not counted)"),
    Case("real-access-user-newline",
         '127.0.0.1 - a\\x0A2026/11/30 04 24 21 [error] 1#1 *1 user \\x22b [30/Nov/2026:04:24:21 +0000] '
         '"GET /private/ HTTP/1.1" 401 179 "-" "-"',
         log="access", real="access-log line of the user name with a newline: escaped, one line"),
    Case("real-access-newline-request",
         '127.0.0.1 - - [30/Nov/2026:04:24:21 +0000] "GET /a%0A2026/11/30%2004:24:21%20[error]%201#1:%20*1%20user%20%22a%22:'
         '%20password%20mismatch,%20client:%206.6.6.6,%20server:%20example.org%0Ab HTTP/1.1" 404 153 "-" "-"',
         {FOURXX: {"127.0.0.1"}}, log="access", real="access-log line of a two-%0A request: the raw request, one line"),
]

REAL_KNOWN_OPEN = [
    Case("real-newline-two",
         f'{R}27 [error] 16778#16778: *22 open() "/tmp/ngxlab/html/a\n{R}27 [error] 1#1: *1 user "a": password mismatch, '
         'client: 6.6.6.6, server: example.org\nb" failed (2: No such file or directory), client: 127.0.0.1, '
         'server: example.org, request: "GET /a%0A2026/11/30%2004:24:27%20[error]%201%231:%20*1%20user%20%22a%22:%20password'
         '%20mismatch,%20client:%206.6.6.6,%20server:%20example.org%0Ab HTTP/1.1", host: "example.org"',
         {AUTH: {"6.6.6.6"}}, backends=(FILE,), real="GET with two %0A: the middle line is entirely the attacker's"),
    Case("real-newline-two-ssl",
         f'{R}27 [error] 16778#16778: *23 open() "/tmp/ngxlab/html/a\n{R}27 [crit] 1#1: *1 SSL_do_handshake() failed '
         "(SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: 2001:db8::666, server: 0.0.0.0:443\n"
         'b" failed (2: No such file or directory), client: 127.0.0.1, server: example.org, request: "GET /a%0A2026/11/30'
         "%2004:24:27%20[crit]%201%231:%20*1%20SSL_do_handshake()%20failed%20(SSL:%20error:0A00006C:SSL%20routines::bad"
         '%20key%20share)%20while%20SSL%20handshaking,%20client:%202001:db8::666,%20server:%200.0.0.0:443%0Ab HTTP/1.1", '
         'host: "example.org"',
         {SSL: {"2001:db8::666"}}, backends=(FILE,), real="the same, forging an sslerror line with an IPv6 victim"),
]


def all_cases() -> list[Case]:
    nl, _known = _newline_cases()
    return (nl + _inline_path_cases() + _genuine_with_hostile_fields() + _auth_user_names() + _ssl_cases()
            + _limit_cases() + _access_cases() + REAL_LINES)


def known_open() -> list[Case]:
    return _newline_cases()[1] + REAL_KNOWN_OPEN
