"""No client can aim the fortress (issue #10): hostile lines never get anybody but their sender banned.

The corpus is tests/filters/adversarial.py (about 2,500 cases, real nginx lines among them). Every
case runs through the role's filters
- as a log FILE through the real fail2ban-regex (a raw newline in an nginx message splits it into
  lines, as fail2ban's file backends read it), and
- as ONE JOURNAL ENTRY through fail2ban's own filter code (journal_probe.py): newlines as fail2ban's
  journal backend hands them over (the two characters \\n) and, stricter, raw,
and must give exactly the hosts the case expects; no victim address may ever come out.
KNOWN_OPEN proves what the filters cannot stop (documented in docs/threat-model.md).
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
from pathlib import Path

import pytest

import adversarial as adv
import fail2ban_harness as h

CASES = adv.all_cases()
KNOWN_OPEN = adv.known_open()
FILTER_NAMES = sorted(set(adv.ERROR_FILTERS) | set(adv.ACCESS_FILTERS))
JOURNAL_PREFIX = "web1 nginx[812]: "


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory):
    if not h.FAIL2BAN_REGEX.exists():
        pytest.fail(f"{h.FAIL2BAN_REGEX} missing: run `bash scripts/ensure-fail2ban-regex.sh` first")
    return h.make_config_dir(tmp_path_factory.mktemp("fortress-adversarial") / "etc", h.load_filters())


def _file_bans(config_dir, tmp_path, cases, name):
    """case id -> hosts fail2ban-regex reports for any line of the case (file backend)."""
    log = tmp_path / f"{name}.log"
    lines = []
    for c in cases:
        lines += c.text.split("\n")
    log.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    by_line = collections.defaultdict(set)
    for m in h.run_regex(config_dir, log, name, timeout=600):
        by_line[m.line.rstrip("\r\n")].add(m.host)
    return {c.id: set().union(*(by_line.get(line.rstrip("\r"), set()) for line in c.text.split("\n"))) for c in cases}


def _journal_bans(config_dir, cases, name, raw_newlines):
    """case id -> hosts fail2ban's filter code bans for the case as one journal entry."""
    if os.environ.get("FORTRESS_FAIL2BAN_RELEASE"):
        pytest.skip("the journal probe runs with the host's fail2ban only")
    package_root = h.FAIL2BAN_ETC.resolve().parents[1]
    args = ["/usr/bin/python3", str(Path(__file__).with_name("journal_probe.py")), str(config_dir), name, "--json"]
    if raw_newlines:
        args.append("--raw-newlines")
    proc = subprocess.run(
        args, input="".join(json.dumps(JOURNAL_PREFIX + c.text) + "\n" for c in cases),
        capture_output=True, text=True, check=False, timeout=600,
        env={**os.environ, "PYTHONPATH": str(package_root / "usr" / "lib" / "python3" / "dist-packages")},
    )
    assert proc.returncode == 0, proc.stderr
    rows = [set(json.loads(row)) for row in proc.stdout.splitlines()]
    assert len(rows) == len(cases)
    return {c.id: got for c, got in zip(cases, rows)}


def _bans(config_dir, tmp_path, cases, name, backend):
    if backend == adv.FILE:
        return _file_bans(config_dir, tmp_path, cases, name)
    return _journal_bans(config_dir, cases, name, raw_newlines=backend == adv.JOURNAL_RAW)


def _check(cases, bans, name, backend):
    problems = []
    for c in cases:
        got = bans[c.id]
        victims = got & adv.VICTIM_FORMS
        if victims:
            problems.append(f"[{backend}] {c.id}: VICTIM BANNED {sorted(victims)}: {c.text!r}")
            continue
        want = c.expect.get(name, set())
        if got != want:
            problems.append(f"[{backend}] {c.id}: expected {sorted(want)}, got {sorted(got)}: {c.text!r}")
    return problems


def test_corpus_is_sound():
    ids = [c.id for c in CASES + KNOWN_OPEN]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    for c in CASES + KNOWN_OPEN:
        assert set(c.expect) <= set(c.filters), c.id
        assert all(hosts <= {adv.ATTACKER, adv.ATTACKER6, "127.0.0.1", "::1"} for hosts in c.expect.values()) or c in KNOWN_OPEN, c.id
        assert "\n" not in c.text or c.log == "error", f"{c.id}: nginx escapes control characters in the access log"
    # every filter meets many hostile lines, in every backend, and real nginx lines
    for name in FILTER_NAMES:
        for backend in adv.BACKENDS:
            hostile = [c for c in CASES if name in c.filters and backend in c.backends and any(v in c.text for v in adv.VICTIMS)]
            assert len(hostile) >= 100, f"{name} [{backend}]: only {len(hostile)} hostile cases"
            assert any(c.expect.get(name) for c in CASES if name in c.filters and backend in c.backends), name
        assert any(c.real and name in c.filters for c in CASES), f"{name}: no line of a real nginx"
    # real lines are verbatim in the lab's captures (samples/adversarial/README.md: provenance)
    captured = set()
    for log in (Path(__file__).parent / "samples" / "adversarial").glob("nginx-*.log"):
        captured |= set(log.read_text(encoding="utf-8").splitlines())
    for c in CASES + KNOWN_OPEN:
        if c.real:
            assert set(c.text.split("\n")) <= captured, f"{c.id}: not in the lab's captured logs"


@pytest.mark.parametrize("backend", adv.BACKENDS)
@pytest.mark.parametrize("name", FILTER_NAMES)
def test_no_victim_is_ever_banned(config_dir, tmp_path, name, backend):
    """Every hostile case: no victim, and exactly the real attacker where nginx's text is genuine."""
    cases = [c for c in CASES if name in c.filters and backend in c.backends]
    problems = _check(cases, _bans(config_dir, tmp_path, cases, name, backend), name, backend)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("backend", adv.BACKENDS)
def test_known_open_double_newline(config_dir, tmp_path, backend):
    """Two %0A in one request give the FILE backend a line that is entirely the attacker's: no
    single-line filter can tell it from nginx's (docs/threat-model.md, "open"). This test keeps that
    claim true: it fails the day a filter stops it. As one journal entry, the same text bans nobody."""
    problems = []
    for name in adv.ERROR_FILTERS:
        cases = [c for c in KNOWN_OPEN if name in c.filters]
        bans = _bans(config_dir, tmp_path, cases, name, backend)
        for c in cases:
            want = c.expect.get(name, set()) if backend == adv.FILE else set()
            if bans[c.id] != want:
                problems.append(f"[{backend}] {name} {c.id}: expected {sorted(want)}, got {sorted(bans[c.id])}")
    assert not problems, "\n".join(problems)
