# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The metrics file (issue #14), read back with the official Prometheus text-format parser."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ansible_collections.fortress.nginx.plugins.module_utils import fail2ban as f2b
from ansible_collections.fortress.nginx.plugins.module_utils import fail2ban_metrics as m

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def jail(failed, failures, banned_ips, total):
    return {"filter": {"currently_failed": failed, "total_failed": failures, "file_list": []},
            "actions": {"currently_banned": len(banned_ips), "total_banned": total, "banned_ips": banned_ips}}


def report():
    statuses = {"nginx-4xx": jail(3, 120, ["198.51.100.7", "2001:db8::1"], 9),
                'odd"name\\x': jail(0, 0, [], 0),
                "sshd": jail(1, 5, ["198.51.100.7"], 2)}
    return f2b.assemble_status("1.0.2", "socket", ["nginx-4xx", 'odd"name\\x', "sshd"], statuses)


def families(text):
    return dict((family.name, family) for family in text_string_to_metric_families(text))


def samples(family):
    return dict((tuple(sorted(sample.labels.items())), sample.value) for sample in family.samples)


def test_every_metric_parses_with_its_type_and_values():
    parsed = families(m.render_metrics(report(), "fortress-nftables", 1764500000.0, 0.012))
    assert parsed["fortress_fail2ban_up"].type == "gauge"
    assert samples(parsed["fortress_fail2ban_up"]) == {(): 1.0}
    assert samples(parsed["fortress_fail2ban_info"]) == {(("backend", "fortress-nftables"), ("version", "1.0.2")): 1.0}
    assert samples(parsed["fortress_fail2ban_last_success_timestamp_seconds"]) == {(): 1764500000.0}
    assert samples(parsed["fortress_fail2ban_jails"]) == {(): 3.0}
    banned = samples(parsed["fortress_fail2ban_jail_banned"])
    assert banned == {(("jail", "nginx-4xx"),): 2.0, (("jail", 'odd"name\\x'),): 0.0, (("jail", "sshd"),): 1.0}
    # Counters: the parser strips _total from the family name and keeps it on the sample.
    assert parsed["fortress_fail2ban_jail_bans"].type == "counter"
    assert dict((s.labels["jail"], s.value) for s in parsed["fortress_fail2ban_jail_bans"].samples
                if s.name.endswith("_total")) == {"nginx-4xx": 9.0, 'odd"name\\x': 0.0, "sshd": 2.0}
    assert parsed["fortress_fail2ban_jail_failures"].type == "counter"
    assert samples(parsed["fortress_fail2ban_jail_failed"])[(("jail", "nginx-4xx"),)] == 3.0


def test_no_address_is_ever_a_label_or_a_value():
    text = m.render_metrics(report(), "ufw", 1.0, 0.1)
    assert "198.51.100.7" not in text and "2001:db8::1" not in text


def test_fail2ban_down_is_up_zero_with_the_last_success_kept():
    earlier = m.render_metrics(report(), "ufw", 1764500000.0, 0.01)
    down = m.render_metrics(None, "ufw", 1764500600.0, 0.002, last_success=m.last_success_from(earlier),
                            error=f2b.Fail2banError("no_socket", "fail2ban is not running\nsecond line"))
    parsed = families(down)
    assert samples(parsed["fortress_fail2ban_up"]) == {(): 0.0}
    assert samples(parsed["fortress_fail2ban_last_success_timestamp_seconds"]) == {(): 1764500000.0}
    assert "fortress_fail2ban_jail_banned" not in parsed
    assert down.endswith("# fail2ban could not be read: fail2ban is not running second line\n")


def test_never_read_has_no_last_success():
    parsed = families(m.render_metrics(None, "ufw", 5.0, 0.0, last_success=m.last_success_from(None)))
    assert "fortress_fail2ban_last_success_timestamp_seconds" not in parsed


@pytest.mark.parametrize("value, escaped", [('a"b', 'a\\"b'), ("a\\b", "a\\\\b"), ("a\nb", "a\\nb")])
def test_label_escaping(value, escaped):
    assert m.escape_label(value) == escaped


def test_write_atomically_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "fortress_fail2ban.prom"
    path.write_text("old\n")
    m.write_atomically(str(path), "new\n")
    assert path.read_text() == "new\n" and os.listdir(str(tmp_path)) == ["fortress_fail2ban.prom"]
    assert (os.stat(str(path)).st_mode & 0o777) == 0o644


def test_the_host_exporter_runs_from_the_files_the_role_installs(tmp_path):
    """The exporter as the role lays it out (the two module_utils copied beside it), against no
    fail2ban: it writes a file that says so, and exits 0."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "fortress_fail2ban.py").write_bytes(open(os.path.join(ROOT, "plugins/module_utils/fail2ban.py"), "rb").read())
    (lib / "fortress_fail2ban_metrics.py").write_bytes(
        open(os.path.join(ROOT, "plugins/module_utils/fail2ban_metrics.py"), "rb").read())
    script = lib / "fortress-fail2ban-metrics.py"
    script.write_bytes(open(os.path.join(ROOT, "roles/fail2ban_nginx/files/fortress-fail2ban-metrics.py"), "rb").read())
    out = tmp_path / "fortress_fail2ban.prom"
    done = subprocess.run([sys.executable, str(script), "--output", str(out), "--backend", "ufw",
                           "--socket", str(tmp_path / "no.sock")], capture_output=True, text=True, check=False,
                          env={"PATH": os.environ.get("PATH", "")})
    assert done.returncode == 0, done.stderr
    parsed = families(out.read_text())
    assert samples(parsed["fortress_fail2ban_up"]) == {(): 0.0}
    assert "could not be read" in out.read_text()
