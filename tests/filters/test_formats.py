"""Every access-log format the role knows (fail2ban_nginx_access_log_format), through the real
fail2ban-regex (issue #11).

For each format the role's filters are rendered with that format chosen, then
- every access-log filter's sample file (tests/filters/samples/<name>, written in `combined`) is
  converted line by line to the format and must give exactly the same hosts;
- the role's own deploy-time `samples` (rendered for the format) must hold;
- the adversarial access-log cases (tests/filters/adversarial.py), converted, must ban exactly the
  same hosts and never a victim;
- in the vhost formats, the attacker also chooses $host: every Host value nginx can log (no space,
  no control character: nginx answers such a request 400 and logs its server_name instead) is tried,
  including empty, "-", a victim's address, a bracketed one, a syslog-looking one, and escaped quotes.
"""

from __future__ import annotations

import collections
import re

import pytest

import adversarial as adv
import fail2ban_harness as h

FORMATS = sorted(h.role_defaults()["fail2ban_nginx_access_log_formats"])
ACCESS = list(adv.ACCESS_FILTERS)
MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
# The optional syslog/journal prefix, then the address, then " - ".
LINE = re.compile(r'^(?P<prefix>(?:\S+ )*?)(?P<addr>[0-9a-fA-F:.]+) - (?P<rest>.*)$')
DATE = re.compile(r'\[(\d\d)/(\w{3})/(\d{4}):(\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)\] "')
HOSTS = ["example.org", "-", "", "6.6.6.6", "[2001:db8::666]", "web1", "nginx[812]:", "a\\x22b", "6.6.6.6\\x22",
         "xn--bcher-kva.example", "_", "198.51.100.66.example"]


def convert(line: str, fmt: str, host: str = "example.org") -> str:
    """A `combined` line (as nginx writes it) in another format: $host before the address, and/or
    $time_iso8601 for $time_local. A syslog/journal prefix stays in front."""
    if "iso8601" in fmt:
        def iso(m):
            return f"[{m[3]}-{MONTHS[m[2]]:02d}-{m[1]}T{m[4]}{m[5]}:{m[6]}] \""
        # the date is the last [...] before the first quote
        head, quote, tail = line.partition('"')
        head = DATE.sub(iso, head + quote) if quote else head
        line = head + tail if quote else line
    if fmt.startswith("vhost"):
        m = _split(line)
        line = f"{m['prefix']}{host} {m['addr']} - {m['rest']}"
    return line


def _split(line):
    # the first field that parses as an address, after the syslog prefix (whose tokens end in ":")
    tokens = line.split(" ")
    i = 0
    while i < len(tokens) and (
            tokens[i].endswith(":")
            or (re.fullmatch(r"\d{4}-\d\d-\d\dT\S+|[\w.-]+", tokens[i]) and not re.fullmatch(r"[0-9a-fA-F:.]+", tokens[i]))):
        i += 1
    return {"prefix": " ".join(tokens[:i]) + (" " if i else ""), "addr": tokens[i], "rest": " ".join(tokens[i + 2:])}


@pytest.fixture(scope="module", params=FORMATS)
def fmt_config(request, tmp_path_factory):
    if not h.FAIL2BAN_REGEX.exists():
        pytest.fail(f"{h.FAIL2BAN_REGEX} missing: run `bash scripts/ensure-fail2ban-regex.sh` first")
    filters = h.load_filters({"fail2ban_nginx_access_log_format": request.param})
    return request.param, filters, h.make_config_dir(tmp_path_factory.mktemp(f"fmt-{request.param}") / "etc", filters)


def _bans(config, tmp_path, name, lines):
    log = tmp_path / f"{name}.log"
    log.write_text("".join(line + "\n" for line in lines), encoding="utf-8", errors="surrogateescape")
    by_line = collections.defaultdict(set)
    for m in h.run_regex(config, log, name, timeout=600):
        by_line[m.line].add(m.host)
    return by_line


def test_formats_are_complete():
    assert {"combined", "vhost_combined", "combined_iso8601", "vhost_combined_iso8601"} <= set(FORMATS)
    for spec in h.role_defaults()["fail2ban_nginx_access_log_formats"].values():
        assert set(spec) == {"head", "datepattern", "sample"}
        assert spec["head"].count("<ADDR>") == 1 and "ADDR" in spec["sample"]


@pytest.mark.parametrize("name", ACCESS)
def test_sample_files_in_every_format(fmt_config, tmp_path, name):
    fmt, _filters, config = fmt_config
    samples = [s for s in h.read_samples(h.ROOT / "tests" / "filters" / "samples" / name)
               if LINE.match(s.line) and "[" in s.line and "] \"" in s.line and " [" in s.line]
    lines = [convert(s.line, fmt) for s in samples]
    by_line = _bans(config, tmp_path, name, lines)
    problems = []
    for s, line in zip(samples, lines):
        # error-log lines of botsearch stay as they are (convert() leaves a line without a date alone)
        want = {s.expect["host"]} if s.expect["match"] else set()
        if by_line.get(line, set()) != want:
            problems.append(f"{fmt}: expected {sorted(want)}, got {sorted(by_line.get(line, set()))}: {line}")
    assert len(samples) >= 10
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ACCESS)
def test_role_samples_in_every_format(fmt_config, tmp_path, name):
    _fmt, filters, config = fmt_config
    f = next(f for f in filters if f["name"] == name)
    match, nomatch = f["samples"]["match"], f["samples"]["nomatch"]
    by_line = _bans(config, tmp_path, name, [m["line"] for m in match] + nomatch)
    for m in match:
        if " [" in m["line"]:
            assert by_line.pop(m["line"], set()) == {m["host"]}, m["line"]
    assert not {k: v for k, v in by_line.items() if k in nomatch}


@pytest.mark.parametrize("name", ACCESS)
def test_adversarial_cases_in_every_format(fmt_config, tmp_path, name):
    fmt, _filters, config = fmt_config
    cases = [c for c in adv.all_cases() if c.log == "access" and name in c.filters and not c.real]
    rows = []
    for c in cases:
        hosts = HOSTS if fmt.startswith("vhost") else ["example.org"]
        for host in hosts:
            rows.append((c, convert(c.text, fmt, host)))
    by_line = _bans(config, tmp_path, name, [line for _c, line in rows])
    problems = []
    for c, line in rows:
        got = by_line.get(line, set())
        if got & adv.VICTIM_FORMS:
            problems.append(f"{fmt} {c.id}: VICTIM BANNED {sorted(got)}: {line}")
        elif got != c.expect.get(name, set()):
            problems.append(f"{fmt} {c.id}: expected {sorted(c.expect.get(name, set()))}, got {sorted(got)}: {line}")
    assert len(rows) >= 100
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:30])


def test_vhost_host_cannot_shift_the_address(tmp_path):
    """$host comes from the client's Host header (or the request line's absolute URI). Whatever it
    holds, the vhost formats take the SECOND field: a Host naming a victim is never banned."""
    filters = h.load_filters({"fail2ban_nginx_access_log_format": "vhost_combined"})
    config = h.make_config_dir(tmp_path / "etc", filters)
    lines = []
    for host in HOSTS:
        for v in adv.VICTIMS:
            lines.append(f'{host} {adv.ATTACKER} - - [26/Nov/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 153 "-" "{v}"')
            # a Host that imitates the whole head of another line cannot: no space is possible in it
            lines.append(f'{host}{v} {adv.ATTACKER} - - [26/Nov/2026:10:00:00 +0000] "GET /.git/config HTTP/1.1" 200 1 "-" "-"')
            # a $remote_user (Basic auth, spaces allowed) that imitates the head
            lines.append(f'{host} {adv.ATTACKER6} - {v} - - [26/Nov/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 153 "-" "-"')
    for name in ACCESS:
        got = set().union(*_bans(config, tmp_path, name, lines).values()) if lines else set()
        assert not got & adv.VICTIM_FORMS, (name, got)
        assert got <= {adv.ATTACKER, adv.ATTACKER6}, (name, got)
    # the combined format on a vhost line bans nobody (the first field is no address): a wrong
    # format choice fails closed, it never bans the Host
    combined = h.make_config_dir(tmp_path / "etc-combined", h.load_filters())
    for name in ACCESS:
        assert not _bans(combined, tmp_path, name, lines), name
