"""playbooks/share_bans.yml end to end on the controller: two hosts on the local connection, each
with a fake fail2ban server on a UNIX socket (tests/support/fake_fail2ban.py, fail2ban's protocol). The
live version, against real fail2ban on Debian 11/12/13, is molecule/default/tests/test_share_bans.py."""
import functools
import http.server
import json
import os
import threading
import re
import subprocess
import sys

import pytest

from fake_fail2ban import FakeFail2banServer, StatefulFail2ban  # tests/support (tests/conftest.py)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
JAILS = ["sshd", "nginx-4xx", "nginx-botsearch", "nginx-probe", "fortress-shared"]

FIXTURES = os.path.join(ROOT, "tests", "unit", "fixtures", "blocklists")


@pytest.fixture()
def fleet(tmp_path):
    bans = {"web01": {"sshd": ["8.8.8.8", "192.0.2.10"], "nginx-4xx": ["9.9.9.9", "5.5.5.5"]},
            "web02": {"nginx-4xx": ["9.9.9.9", "7.7.7.7", "5.5.5.5"], "fortress-shared": ["6.6.6.6"]}}
    fakes, servers = {}, []
    for host in bans:
        # Every jail's ignoreip on every host: loopback and the management address.
        fakes[host] = StatefulFail2ban(bans[host], JAILS, "1.0.2", ignoreip=["127.0.0.1/8", "::1", "192.0.2.10"])
        servers.append(FakeFail2banServer(str(tmp_path / (host + ".sock")), fakes[host]))
    (tmp_path / "stub" / "fail2ban").mkdir(parents=True)
    for name in ("__init__.py", "exceptions.py"):
        (tmp_path / "stub" / "fail2ban" / name).write_text("")
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"fleet": {"hosts": dict(
        (host, {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                "share_bans_socket": str(tmp_path / (host + ".sock")),
                # web02 protects 5.5.5.5 (say, its monitoring); both hosts ban it.
                "fail2ban_nginx_never_ban": ["5.5.5.0/24"] if host == "web02" else []}) for host in bans)}}))
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "stub"))

    def run(*extra, expect_rc=0):
        result = subprocess.run(["ansible-playbook", "-i", str(inventory), "fortress.nginx.share_bans", "-e",
                                 "share_bans_hosts=fleet share_bans_become=false share_bans_method=socket"]
                                + list(extra), capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        assert result.returncode == expect_rc, result.stdout[-4000:] + result.stderr[-2000:]
        changed = dict((h, int(c)) for h, c in re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", result.stdout, re.M))
        return result.stdout, changed

    yield fakes, run
    for server in servers:
        server.stop()
        assert server.errors == []


def test_share_expire_and_idempotence(fleet):
    fakes, run = fleet
    output, changed = run()
    # 8.8.8.8: sshd on one host; 9.9.9.9: two hosts. 5.5.5.5 is protected by web02, 192.0.2.10 is the
    # management address, 7.7.7.7 is one host's nginx-4xx ban, 6.6.6.6 only in a shared jail: expires.
    for fake in fakes.values():
        assert fake.bans["fortress-shared"] == ["8.8.8.8", "9.9.9.9"]
    assert "share 8.8.8.8: banned by web01 in sshd" in output
    assert "share 9.9.9.9: banned by 2 hosts (min_hosts 2)" in output
    assert "NOT shared 5.5.5.5" in output and "fail2ban_nginx_never_ban of web02" in output
    assert "NOT shared 192.0.2.10" in output
    assert changed == {"web01": 1, "web02": 1}
    changes = dict((host, fake.changes) for host, fake in fakes.items())
    output, changed = run()
    assert changed == {"web01": 0, "web02": 0}
    # Both shared jails hold the plan (their digests match it): no push, not even a read-back.
    assert "to push to 0 hosts (none)" in output
    push_task = output.split("Make the shared jail hold exactly the shared list]", 1)[1].split("PLAY RECAP", 1)[0]
    assert sorted(re.findall(r"^(\w+): \[(\w+)\]", push_task, re.M)) == [("skipping", "web01"), ("skipping", "web02")]
    assert dict((host, fake.changes) for host, fake in fakes.items()) == changes
    # web01 lets 8.8.8.8 go: the next run unbans it everywhere.
    fakes["web01"].bans["sshd"].remove("8.8.8.8")
    _output, changed = run()
    assert [fake.bans["fortress-shared"] for fake in fakes.values()] == [["9.9.9.9"], ["9.9.9.9"]]


def test_check_mode_changes_nothing(fleet):
    fakes, run = fleet
    _output, changed = run("--check")
    assert changed == {"web01": 1, "web02": 1}
    assert fakes["web01"].bans["fortress-shared"] == [] and fakes["web02"].bans["fortress-shared"] == ["6.6.6.6"]


def test_limit_reads_and_pushes_the_limited_hosts_only(fleet):
    fakes, run = fleet
    output, _changed = run("--limit", "web02")
    # From web02 alone: nothing reaches min_hosts, no certain-tier ban; web01 untouched.
    assert "0 addresses shared from 1 hosts reporting (web02)" in output
    assert fakes["web02"].bans["fortress-shared"] == [] and fakes["web01"].bans["fortress-shared"] == []


def test_push_hosts_reads_the_fleet_and_pushes_to_some(fleet):
    """share_bans_push_hosts: every host's bans count (9.9.9.9 needs both), only web02 receives."""
    fakes, run = fleet
    output, changed = run("-e", "share_bans_push_hosts=web02")
    assert "2 addresses shared from 2 hosts reporting" in output
    assert fakes["web02"].bans["fortress-shared"] == ["8.8.8.8", "9.9.9.9"]
    assert fakes["web01"].bans["fortress-shared"] == []
    assert changed == {"web01": 0, "web02": 1}


def test_blocklists_are_merged_with_bad_lines_reported(fleet, tmp_path):
    """A file on the controller, and a URL fetched on the controller (a loopback HTTP server serving
    the fixture: no other network)."""
    fakes, run = fleet
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=FIXTURES)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        lists = [{"name": "drop", "url": "http://127.0.0.1:%d/spamhaus-drop.txt" % server.server_address[1]},
                 {"name": "plain", "path": os.path.join(FIXTURES, "plain.txt")}]
        output, _changed = run("-e", json.dumps({"share_bans_blocklists": lists, "share_bans_blocklist_allow_private": True,
                                                 "share_bans_download_dir": str(tmp_path / "lists")}))
    finally:
        server.shutdown()
        server.server_close()
    assert "bad line 14 of plain" in output and "$(reboot)" in output
    # (How many of the list's 3 networks: the controller's own addresses, protected, may overlap one.)
    assert re.search(r"blocklist drop: \d addresses, 0 bad lines", output), output[-3000:]
    assert "198.51.100.0/25" in fakes["web01"].bans["fortress-shared"]
    assert "198.51.100.7" in fakes["web02"].bans["fortress-shared"]


# (Names, paths and URLs in every shape: tests/unit/plugins/filter/test_share_bans_plan.py.)
@pytest.mark.parametrize("entry", [{"name": "../../tmp/x", "url": "https://lists.invalid/x"},
                                   {"name": "x", "url": "file:///etc/shadow"}])
def test_a_bad_blocklist_fails_before_anything_is_fetched_or_pushed(fleet, entry):
    fakes, run = fleet
    output, _changed = run("-e", json.dumps({"share_bans_blocklists": [entry]}), expect_rc=2)
    assert "share_bans_blocklists" in output
    assert fakes["web02"].bans["fortress-shared"] == ["6.6.6.6"]


def test_a_bad_policy_fails_and_pushes_nothing(fleet):
    fakes, run = fleet
    output, _changed = run("-e", json.dumps({"share_bans_any_host_jails": ["sshd; reboot"]}), expect_rc=2)
    assert "is not a jail name" in output
    assert fakes["web02"].bans["fortress-shared"] == ["6.6.6.6"]
