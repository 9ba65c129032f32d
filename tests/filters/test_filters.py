"""The role's fail2ban filters, rendered by the role's template, judged by the real fail2ban-regex.

For every filter in roles/fail2ban_nginx/defaults/main/filters.yml:
- tests/filters/samples/<name> (fail2ban's failJSON style) must give exactly the expected matches,
  hosts and times, and nothing else;
- the `samples` the role itself runs on the target before activating the config must hold;
- fail2ban's own upstream samples (/work/shared/fail2ban-samples, or $FORTRESS_FAIL2BAN_SAMPLES) for
  the filter doing the same job must be met, except for the lines listed with a reason below.
Run after scripts/ensure-fail2ban-regex.sh (the `filters` stage of scripts/test.sh does both).
"""

from __future__ import annotations

import calendar
import collections
import datetime as dt
import os
from pathlib import Path

import pytest

import fail2ban_harness as h

SAMPLES = Path(__file__).resolve().parent / "samples"
UPSTREAM = Path(os.environ.get("FORTRESS_FAIL2BAN_SAMPLES", "/work/shared/fail2ban-samples"))
FILTERS = h.load_filters()
NAMES = [f["name"] for f in FILTERS]

# fail2ban's sample file (and the filterOptions section in it) -> our filters doing that job.
# "aggressive" in nginx-http-auth is auth failures plus TLS failures: ours split into two filters,
# so a line there must be found by one of them.
UPSTREAM_JOBS = {
    ("nginx-http-auth", "normal"): ["fortress-nginx-http-auth"],
    ("nginx-http-auth", "auth"): ["fortress-nginx-http-auth"],
    ("nginx-http-auth", "journal"): ["fortress-nginx-http-auth"],
    ("nginx-http-auth", "fallback"): ["fortress-nginx-sslerror"],
    ("nginx-http-auth", "aggressive"): ["fortress-nginx-http-auth", "fortress-nginx-sslerror"],
    ("nginx-botsearch", None): ["fortress-nginx-botsearch"],
    ("nginx-botsearch", "journal"): ["fortress-nginx-botsearch"],
    ("nginx-forbidden", None): ["fortress-nginx-forbidden"],
    ("nginx-limit-req", None): ["fortress-nginx-limit-req"],
    ("nginx-limit-req", "journal"): ["fortress-nginx-limit-req"],
    # fail2ban's nginx-bad-request bans garbage request lines (400): our 4xx counts those too.
    ("nginx-bad-request", None): ["fortress-nginx-4xx"],
}

# Upstream lines where we deliberately differ, each with its reason (matched by a substring).
UPSTREAM_EXCEPTIONS = {
    ("nginx-http-auth", 'user "test": password mismatch, client: 127.0.0.1'): (
        "nginx cuts a Basic-auth user name at its first ':', so nginx cannot log this line (the 'user "
        "name' holds 'client: 127.0.0.1, ...'). Ours takes the first client after a colon-free user "
        "name, which is nginx's own for every line nginx can write; the decoy here is loopback, "
        "which ignoreip always covers."
    ),
    ("nginx-limit-req", "delaying request"): (
        "a request delayed inside limit_req's burst is still served: banning it punishes browsers "
        "loading a page's assets in parallel. Ours counts only rejected requests/connections."
    ),
}


def _epoch(iso: str) -> float:
    return float(calendar.timegm(dt.datetime.fromisoformat(iso).timetuple()))


@pytest.fixture(scope="session")
def config_dir(tmp_path_factory):
    if not h.FAIL2BAN_REGEX.exists():
        pytest.fail(f"{h.FAIL2BAN_REGEX} missing: run `bash scripts/ensure-fail2ban-regex.sh` first")
    return h.make_config_dir(tmp_path_factory.mktemp("fortress-h2-f2b") / "etc", FILTERS)


def _matches_by_line(config_dir, log, filter_name):
    by_line = collections.defaultdict(list)
    for m in h.run_regex(config_dir, log, filter_name):
        by_line[m.line].append(m)
    return by_line


def test_every_filter_has_samples_and_every_sample_file_a_filter():
    files = sorted(p.name for p in SAMPLES.iterdir() if p.is_file())
    assert files == sorted(NAMES)


def test_filter_names_are_ours_and_unique():
    assert len(NAMES) == len(set(NAMES))
    # Our own names, so packaged filter.d files are never overwritten.
    assert all(n.startswith("fortress-") for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_filter_sets_a_datepattern(name):
    f = FILTERS[NAMES.index(name)]
    assert f.get("datepattern", "").strip(), f"{name}: without a datepattern fail2ban tries every template on every line"


@pytest.mark.parametrize("name", NAMES)
def test_sample_file(config_dir, name):
    samples = h.read_samples(SAMPLES / name)
    assert sum(s.expect["match"] for s in samples) >= 2 and sum(not s.expect["match"] for s in samples) >= 2
    by_line = _matches_by_line(config_dir, SAMPLES / name, name)
    problems = []
    for s in samples:
        got = by_line.pop(s.line, [])
        if not s.expect["match"]:
            if got:
                problems.append(f"line {s.lineno}: must not match, banned {[m.host for m in got]}: {s.line}")
            continue
        if not got:
            problems.append(f"line {s.lineno}: must match {s.expect['host']}, no match: {s.line}")
            continue
        hosts = {m.host for m in got}
        if hosts != {s.expect["host"]}:
            problems.append(f"line {s.lineno}: expected {s.expect['host']}, banned {sorted(hosts)}: {s.line}")
        if "time" in s.expect and {m.time for m in got} != {_epoch(s.expect["time"])}:
            problems.append(f"line {s.lineno}: expected time {s.expect['time']}, got {[m.time for m in got]}")
    problems += [f"unexpected match {[m.host for m in ms]}: {line}" for line, ms in by_line.items()]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", NAMES)
def test_role_samples(config_dir, tmp_path, name):
    """The samples the role runs on the target must hold here too."""
    f = FILTERS[NAMES.index(name)]
    match = f["samples"]["match"]
    nomatch = f["samples"]["nomatch"]
    assert match and nomatch
    log = tmp_path / "samples.log"
    log.write_text("".join(line + "\n" for line in [m["line"] for m in match] + nomatch), encoding="utf-8")
    by_line = _matches_by_line(config_dir, log, name)
    for m in match:
        assert {x.host for x in by_line.pop(m["line"], [])} == {m["host"]}, m["line"]
    assert not by_line, f"nomatch samples matched: {list(by_line)}"


def _upstream_cases():
    cases = []
    if not UPSTREAM.is_dir():
        return cases
    for path in sorted(UPSTREAM.iterdir()):
        if not path.is_file() or path.name.startswith("README"):
            continue
        for s in h.read_samples(path):
            modes = {o.get("mode") or o.get("logtype") for o in s.options} or {None}
            for mode in sorted(modes, key=str):
                ours = UPSTREAM_JOBS.get((path.name, mode))
                if ours is None:
                    raise AssertionError(f"{path.name} [{mode}]: no filter of ours is mapped to this section")
                cases.append((path.name, mode, s, tuple(ours)))
    return cases


UPSTREAM_CASES = _upstream_cases()


def test_upstream_samples_are_present():
    assert UPSTREAM_CASES, f"no upstream samples in {UPSTREAM}"


@pytest.mark.parametrize("upstream_file", sorted({c[0] for c in UPSTREAM_CASES}))
def test_upstream_samples(config_dir, tmp_path, upstream_file):
    cases = [c for c in UPSTREAM_CASES if c[0] == upstream_file]
    log = tmp_path / upstream_file
    log.write_text("".join(sorted({c[2].line + "\n" for c in cases})), encoding="utf-8")
    results = {name: _matches_by_line(config_dir, log, name) for name in {n for c in cases for n in c[3]}}
    problems = []
    for _file, mode, s, ours in cases:
        hosts = {m.host for name in ours for m in results[name].get(s.line, [])}
        want = {s.expect["host"]} if s.expect["match"] else set()
        if hosts == want:
            continue
        reason = next((r for (f, needle), r in UPSTREAM_EXCEPTIONS.items() if f == upstream_file and needle in s.line), None)
        if reason:
            continue
        problems.append(f"{upstream_file}:{s.lineno} [{mode}] via {list(ours)}: expected {sorted(want)}, got {sorted(hosts)}: {s.line}")
    assert not problems, "\n".join(problems)


def test_upstream_exceptions_are_still_needed(config_dir, tmp_path):
    """Every listed exception must name a line that exists and that we really treat differently."""
    for (upstream_file, needle), _reason in UPSTREAM_EXCEPTIONS.items():
        hits = [c for c in UPSTREAM_CASES if c[0] == upstream_file and needle in c[2].line]
        assert hits, f"exception {needle!r} matches no line of {upstream_file}"
        log = tmp_path / "exception.log"
        log.write_text("".join(c[2].line + "\n" for c in hits), encoding="utf-8")
        for _f, _mode, s, ours in hits:
            hosts = {m.host for name in ours for m in _matches_by_line(config_dir, log, name).get(s.line, [])}
            want = {s.expect["host"]} if s.expect["match"] else set()
            assert hosts != want, f"{upstream_file}:{s.lineno} now agrees with upstream: drop the exception"


def test_template_renders_every_schema_field(config_dir, tmp_path):
    """A user filter using includes, [Init] options and multi-line values loads in fail2ban."""
    user_filter = {
        "name": "user-example",
        "description": "A user's filter\nover two lines",
        "includes_before": ["common.conf"],
        # A multi-line value interpolated into failregex becomes several regexes.
        "definition": {"_daemon": "myapp", "_logins": "^%(__prefix_line)sbad login from <ADDR>$\n^%(__prefix_line)slocked from <ADDR>$"},
        "failregex": ["%(_logins)s", "^%(__prefix_line)sdenied <ADDR>$"],
        "ignoreregex": ["from 192\\.0\\.2\\.250$"],
        "datepattern": "{^LN-BEG}",
        "journalmatch": "_SYSTEMD_UNIT=myapp.service",
        "maxlines": 1,
        "init": {"extra": "1"},
    }
    text = h.render_filter(user_filter)
    assert "[INCLUDES]\nbefore = common.conf\n" in text
    assert "_logins = ^%(__prefix_line)sbad login from <ADDR>$\n          ^%(__prefix_line)slocked from <ADDR>$\n" in text
    assert "failregex = %(_logins)s\n            ^%(__prefix_line)sdenied <ADDR>$\n" in text
    assert "[Init]\njournalmatch = _SYSTEMD_UNIT=myapp.service\nmaxlines = 1\nextra = 1\n" in text
    (config_dir / "filter.d" / "user-example.conf").write_text(text, encoding="utf-8")
    log = tmp_path / "user.log"
    log.write_text(
        "Nov 26 10:00:00 web1 myapp[1]: bad login from 203.0.113.9\n"
        "Nov 26 10:00:01 web1 myapp[1]: locked from 2001:db8::9\n"
        "Nov 26 10:00:02 web1 myapp[1]: denied 203.0.113.10\n"
        "Nov 26 10:00:03 web1 myapp[1]: bad login from 192.0.2.250\n"
        "Nov 26 10:00:04 web1 other[1]: denied 203.0.113.11\n",
        encoding="utf-8",
    )
    assert [m.host for m in h.run_regex(config_dir, log, "user-example")] == ["203.0.113.9", "2001:db8::9", "203.0.113.10"]


def test_template_minimal_filter_has_no_empty_sections():
    text = h.render_filter({"name": "minimal", "failregex": ["^x <ADDR>$"]})
    assert "[INCLUDES]" not in text and "[Init]" not in text
    assert text.endswith("failregex = ^x <ADDR>$\nignoreregex =\n")


def test_documented_overrides(tmp_path):
    """docs/filters.md's override example, merged the way the role merges (lists_mergeby by name,
    recursive), renders to filters that behave as the docs say."""
    import json
    import re
    import subprocess
    import sys

    import yaml

    doc = (h.ROOT / "docs" / "filters.md").read_text(encoding="utf-8")
    example = re.search(r"### Adding or overriding a filter.*?```yaml\n(.*?)```", doc, re.S).group(1)
    user = tmp_path / "user.yml"
    user.write_text(example, encoding="utf-8")
    assert yaml.safe_load(example)["fail2ban_nginx_filters"]
    merged_json = tmp_path / "merged.json"
    expr = "{{ fail2ban_nginx_filters_default | community.general.lists_mergeby(fail2ban_nginx_filters, 'name', recursive=true) | to_json }}"
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("ansible")), "localhost", "-i", "localhost,", "-c", "local",
         "-e", f"ansible_python_interpreter={sys.executable}",
         # every defaults file: the filters read the probe catalogue and the log format from the others
         *[arg for path in sorted(h.FILTERS_YML.parent.glob("*.yml")) for arg in ("-e", f"@{path}")], "-e", f"@{user}",
         "-m", "ansible.builtin.copy", "-a", f"content={expr} dest={merged_json}"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    merged = {f["name"]: f for f in json.loads(merged_json.read_text(encoding="utf-8"))}
    assert merged["fortress-ufw"]["state"] == "absent"
    present = [f for f in merged.values() if f.get("state", "present") == "present"]
    config = h.make_config_dir(tmp_path / "etc", present)

    def banned(name, *lines):
        log = tmp_path / f"{name}.log"
        log.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return [m.host for m in h.run_regex(config, log, name)]

    # 401 now counts; assets are still judged on the path (the rest of our definition survived).
    assert banned(
        "fortress-nginx-4xx",
        '192.0.2.1 - - [26/Nov/2026:10:00:00 +0000] "GET /admin/ HTTP/1.1" 401 179 "-" "-"',
        '192.0.2.2 - - [26/Nov/2026:10:00:01 +0000] "GET /logo.png HTTP/1.1" 404 153 "-" "-"',
        '192.0.2.3 - - [26/Nov/2026:10:00:02 +0000] "GET / HTTP/1.1" 200 612 "-" "-"',
    ) == ["192.0.2.1"]
    assert banned(
        "fortress-nginx-limit-req",
        '2026/11/26 10:00:00 [error] 1#1: *1 limiting requests, excess: 3.000 by zone "login", client: 192.0.2.4, server: x, '
        'request: "POST /login HTTP/1.1", host: "x"',
        '2026/11/26 10:00:01 [error] 1#1: *2 limiting requests, excess: 3.000 by zone "req_per_ip", client: 192.0.2.5, server: x, '
        'request: "GET / HTTP/1.1", host: "x"',
    ) == ["192.0.2.4"]
    assert banned(
        "fortress-nginx-botsearch",
        '192.0.2.6 - - [26/Nov/2026:10:00:00 +0000] "GET /old-admin/ HTTP/1.1" 404 153 "-" "-"',
        '192.0.2.7 - - [26/Nov/2026:10:00:01 +0000] "GET /phpmyadmin/ HTTP/1.1" 404 153 "-" "-"',
    ) == ["192.0.2.6"]
    myapp = merged["myapp-auth"]
    lines = [m["line"] for m in myapp["samples"]["match"]] + myapp["samples"]["nomatch"]
    assert banned("myapp-auth", *lines) == [m["host"] for m in myapp["samples"]["match"]]


def _adversarial_lines(n=4000):
    """Long lines built to make a backtracking regex explode, in every filter's log format."""
    return [
        "1.2.3.4 - " + "[" * n + ' "GET /x HTTP/1.1" 404 1 "-" "-"',
        "1.2.3.4 - " + "a [26/Nov/2026:10:00:00 +0000] " * 300 + '"GET /x HTTP/1.1" 404 1 "-" "-"',
        '1.2.3.4 - - [26/Nov/2026:10:00:00 +0000] "GET /' + "a/" * n + ' HTTP/1.1" 404 1 "-" "-"',
        '1.2.3.4 - - [26/Nov/2026:10:00:00 +0000] "GET ' + "/" * n + "x.png" + "/" * n + ' HTTP/1.1" 404 1 "-" "-"',
        '1.2.3.4 - - [26/Nov/2026:10:00:00 +0000] "GET /' + "." * n + ' HTTP/1.1" 404 1 "-" "' + " " * n + '"',
        '2026/11/26 10:00:00 [error] 1#1: *1 user "' + " " * n + '": password mismatch' * 50 + ", client: 1.2.3.4, server: x",
        '2026/11/26 10:00:00 [error] 1#1: *1 open() "' + '"' * n + '" failed (2: No such file or directory), client: 1.2.3.4, '
        'server: x, request: "GET /' + "a/" * n + '.env HTTP/1.1"' + " x" * n,
        "2026/11/26 10:00:00 [crit] 1#1: *1 SSL_do_handshake() failed (SSL: " + ")" * n + " while SSL" * 100
        + ") while SSL handshaking, client: 1.2.3.4, server: x",
        "a" * 20 + " " + "b " * n + "2026/11/26 10:00:00 [error] x",
        "2026-11-26T10:00:00+00:00 web1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 " + "A=1 B " * n
        + "PROTO=TCP SPT=1 DPT=2 " + "C=1 " * n + "RES=0x00 ACK URGP=0",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_adversarial_lines(config_dir, tmp_path, name):
    """No catastrophic backtracking and no stray host on pathological lines. The timeout only
    detects a hang (these lines take fail2ban-regex well under a second); speed is bench/'s job."""
    log = tmp_path / "adversarial.log"
    log.write_text("".join(line + "\n" for line in _adversarial_lines()), encoding="utf-8")
    assert {m.host for m in h.run_regex(config_dir, log, name, timeout=300)} <= {"1.2.3.4"}


def test_ansible_renders_the_template_like_the_tests(tmp_path):
    """The role renders with ansible.builtin.template; these tests with plain jinja2. Both must
    give the same bytes for every filter (e.g. no value of ours may look like Jinja to Ansible)."""
    import subprocess
    import sys

    playbook = tmp_path / "render.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  vars_files: [" + ", ".join(str(p) for p in sorted(h.FILTERS_YML.parent.glob("*.yml"))) + "]\n"
        "  tasks:\n"
        "    - ansible.builtin.template:\n"
        f"        src: {h.TEMPLATE}\n"
        f"        dest: '{tmp_path}/{{{{ fail2ban_nginx_filter.name }}}}.conf'\n"
        "        mode: '0644'\n"
        "      loop: '{{ fail2ban_nginx_filters_default }}'\n"
        "      loop_control: {loop_var: fail2ban_nginx_filter, label: '{{ fail2ban_nginx_filter.name }}'}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "localhost,", "-c", "local",
         "-e", f"ansible_python_interpreter={sys.executable}", str(playbook)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for f in FILTERS:
        assert (tmp_path / f"{f['name']}.conf").read_text(encoding="utf-8") == h.render_filter(f), f["name"]


# One journal entry per filter and expected host (None: must not match), formatted as fail2ban's
# systemd backend formats them: "host ident[pid]: MESSAGE", the date given by the journal, so
# nginx's own date stays in the message. The kernel's entries carry the monotonic time.
JOURNAL_ENTRIES = {
    "fortress-nginx-4xx": [
        ('web1 nginx[812]: 203.0.113.7 - - [26/Nov/2026:10:00:00 +0000] "GET /wp-login.php HTTP/1.1" 404 162 "-" "-"', "203.0.113.7"),
        ('web1 nginx[812]: 203.0.113.8 - - [26/Nov/2026:10:00:00 +0000] "GET /logo.png HTTP/1.1" 404 162 "-" "-"', None),
    ],
    "fortress-nginx-botsearch": [
        ('web1 nginx[812]: 2001:db8::31 - - [26/Nov/2026:10:00:00 +0000] "HEAD /.env HTTP/1.1" 404 0 "-" "-"', "2001:db8::31"),
        ('web1 nginx[812]: 2026/11/26 10:00:00 [error] 812#812: *83 open() "/var/www/html/.env" failed (2: No such file or directory), '
         'client: 203.0.113.39, server: example.org, request: "GET /.env HTTP/1.1", host: "example.org"', "203.0.113.39"),
    ],
    "fortress-nginx-probe": [
        ('web1 nginx[812]: 203.0.113.81 - - [26/Nov/2026:10:00:00 +0000] "GET /.git/config HTTP/1.1" 200 92 "-" "-"', "203.0.113.81"),
        ('web1 nginx[812]: 203.0.113.82 - - [26/Nov/2026:10:00:00 +0000] "GET /wp-login.php HTTP/1.1" 404 162 "-" "-"', None),
    ],
    "fortress-nginx-protocol": [
        ('web1 nginx[812]: 203.0.113.91 - - [26/Nov/2026:10:00:00 +0000] "SSH-2.0-Go" 400 157 "-" "-"', "203.0.113.91"),
        ('web1 nginx[812]: 203.0.113.92 - - [26/Nov/2026:10:00:00 +0000] "" 400 0 "-" "-"', None),
    ],
    "fortress-nginx-http-auth": [
        ('web1 nginx[812]: 2026/11/26 10:00:00 [error] 812#812: *1 user "a": password mismatch, client: 192.0.2.1, server: x, '
         'request: "GET / HTTP/1.1", host: "x"', "192.0.2.1"),
        ("web1 nginx[812]: web1 nginx: 2026/11/26 10:00:00 [error] 812#812: *2 PAM: user 'a' - not authenticated: Authentication failure, "
         'client: 192.0.2.2, server: x, request: "GET / HTTP/1.1", host: "x"', "192.0.2.2"),
        ("web1 nginx[812]: 2026/11/26 10:00:00 [error] 812#812: *3 no user/password was provided for basic authentication, client: 192.0.2.3, "
         'server: x, request: "GET / HTTP/1.1", host: "x"', None),
    ],
    "fortress-nginx-forbidden": [
        ('web1 nginx[812]: 2026/11/26 10:00:00 [error] 812#812: *52 access forbidden by rule, client: 2001:db8::41, server: x, '
         'request: "GET /.git/config HTTP/2.0", host: "x"', "2001:db8::41"),
    ],
    "fortress-nginx-sslerror": [
        ("web1 nginx[812]: 2026/11/26 10:00:00 [crit] 812#812: *61 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version "
         "number) while SSL handshaking, client: 203.0.113.51, server: 0.0.0.0:443", "203.0.113.51"),
    ],
    "fortress-nginx-limit-req": [
        ('web1 nginx[812]: 2026/11/26 10:00:00 [error] 812#812: *71 limiting requests, excess: 10.520 by zone "one", client: 203.0.113.61, '
         'server: x, request: "GET / HTTP/1.1", host: "x"', "203.0.113.61"),
    ],
    "fortress-ufw": [
        ("web1 kernel: [ 8123.456789] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=203.0.113.71 DST=192.0.2.10 "
         "LEN=44 TOS=0x00 PREC=0x00 TTL=243 ID=54321 PROTO=TCP SPT=51234 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0", "203.0.113.71"),
        ("web1 kernel: [ 8123.456790] [UFW BLOCK] IN= OUT=eth0 SRC=192.0.2.10 DST=203.0.113.80 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF "
         "PROTO=TCP SPT=40001 DPT=25 WINDOW=64240 RES=0x00 SYN URGP=0", None),
    ],
}


def test_every_filter_has_journal_entries():
    assert sorted(JOURNAL_ENTRIES) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_journal_backend(config_dir, name):
    """Lines as fail2ban's systemd backend hands them over (tests/filters/journal_probe.py drives
    fail2ban's own filter code; host fail2ban only: the probe imports it in-process)."""
    import json
    import subprocess

    if os.environ.get("FORTRESS_FAIL2BAN_RELEASE"):
        pytest.skip("the journal probe runs with the host's fail2ban only")
    package_root = h.FAIL2BAN_ETC.resolve().parents[1]
    entries = JOURNAL_ENTRIES[name]
    proc = subprocess.run(
        ["/usr/bin/python3", str(Path(__file__).with_name("journal_probe.py")), str(config_dir), name],
        input="".join(line + "\n" for line, _host in entries), capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(package_root / "usr" / "lib" / "python3" / "dist-packages")},
    )
    assert proc.returncode == 0, proc.stderr
    got = [json.loads(row) for row in proc.stdout.splitlines()]
    assert got == [[host] if host else [] for _line, host in entries]
