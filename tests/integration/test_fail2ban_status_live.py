# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fortress.nginx.fail2ban_status against a LIVE fail2ban in a Debian container, through `ansible`
(ad-hoc, community.docker.docker connection): the socket and the CLI paths return identical
results, and each failure says what it is.

Needs Docker and the local images (scripts/ensure-images.sh). Releases: $FORTRESS_F2B_LIVE_RELEASES
(default "bookworm bullseye trixie"). Run from the repository root with the project environment:
    source scripts/env.sh && python -m pytest -q tests/integration/test_fail2ban_status_live.py
"""
import json
import os
import subprocess
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURE = os.path.join(ROOT, "tests", "unit", "data", "fail2ban-fixture.sh")
RELEASES = os.environ.get("FORTRESS_F2B_LIVE_RELEASES", "bookworm bullseye trixie").split()
EXPECTED_VERSION = {"bullseye": "0.11.2", "bookworm": "1.0.2", "trixie": "1.1.0"}
PREFIX = "fortress-h3-live-"


def image_for(release):
    return os.environ.get("FORTRESS_IMAGE_%s" % release.upper(), "fortress-nginx/debian:%s" % release)


def docker(*args, **kwargs):
    return subprocess.run(["docker"] + list(args), check=True, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module", params=RELEASES)
def container(request):
    release = request.param
    image = image_for(release)
    if subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False).returncode != 0:
        pytest.fail("image %s is missing: run scripts/ensure-images.sh %s" % (image, release))
    name = PREFIX + release
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    docker("run", "-d", "--name", name, "--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_RAW",
           "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined", "--cgroupns=host",
           "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
           image, "/lib/systemd/systemd")
    try:
        with open(FIXTURE) as script:
            docker("exec", "-i", name, "bash", stdin=script)
        yield release, name
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def run_module(name, args, user=None):
    """Run the module once with `ansible`; return its result as a dict."""
    command = ["ansible", "all", "-i", "%s," % name, "-c", "community.docker.docker",
               "-e", "ansible_python_interpreter=/usr/bin/python3",
               "-m", "fortress.nginx.fail2ban_status", "-a", json.dumps(args)]
    if user:
        # A user without a home needs a temporary directory it can write to.
        command += ["-u", user, "-e", "ansible_remote_tmp=/tmp/.ansible-%s" % user]
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    try:
        output = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("ansible printed no JSON (rc=%s):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr))
    result = output["plays"][0]["tasks"][0]["hosts"][name]
    for key in ("invocation", "_ansible_no_log", "_ansible_verbose_always", "warnings", "deprecations"):
        result.pop(key, None)
    return result


def comparable(result):
    result = dict(result)
    result.pop("method")
    return result


@pytest.mark.parametrize("with_ban_times", [False, True])
def test_socket_and_cli_return_identical_results(container, with_ban_times):
    release, name = container
    by_socket = run_module(name, {"method": "socket", "with_ban_times": with_ban_times})
    by_cli = run_module(name, {"method": "cli", "with_ban_times": with_ban_times})
    assert not by_socket.get("failed"), by_socket
    assert not by_cli.get("failed"), by_cli
    assert by_socket["method"] == "socket" and by_cli["method"] == "cli"
    assert comparable(by_socket) == comparable(by_cli)
    assert by_socket["changed"] is False
    assert by_socket["fail2ban_version"] == EXPECTED_VERSION[release]
    assert by_socket["jail_names"] == ["nginx-http-auth", "nginx-limit-req", "shop.example-com", "sshd", "web.admin-v2"]
    assert {"ip": "192.0.2.10", "jails": ["nginx-http-auth", "shop.example-com"]} in by_socket["banned_ips"]
    assert by_socket["totals"]["unique_banned_ips"] == 6
    if with_ban_times:
        assert [ban["bantime"] for ban in by_socket["jails"]["web.admin-v2"]["bans"]] == [-1, -1]


def test_what_the_host_never_bans_and_a_digested_jail_read_alike_on_both_paths(container):
    """with_ignored and digest_jails against a live server: each jail's running ignoreip (the fixture's
    [DEFAULT] one, and sshd's own with a host name), the container's own addresses, no SSH client
    (the docker connection), and nginx-http-auth's list as the digest of what it bans."""
    release, name = container
    args = {"jails": ["sshd"], "digest_jails": ["nginx-http-auth"], "with_ignored": True}
    by_socket = run_module(name, dict(args, method="socket"))
    by_cli = run_module(name, dict(args, method="cli"))
    assert not by_socket.get("failed") and not by_cli.get("failed"), (by_socket, by_cli)
    assert comparable(by_socket) == comparable(by_cli)
    assert sorted(by_socket["jails"]["sshd"]["ignoreip"]) == sorted(
        ["127.0.0.0/8", "::1", "203.0.113.64/26", "admin.example.net"])
    assert sorted(by_socket["jails"]["nginx-http-auth"]["ignoreip"]) == sorted(
        ["127.0.0.0/8", "::1", "192.0.2.128/25", "2001:db8:f00::/48"])
    container_ip = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name).stdout.split()
    assert container_ip and set(container_ip) <= set(by_socket["host_addresses"]), by_socket["host_addresses"]
    assert "127.0.0.1" in by_socket["host_addresses"]
    assert by_socket["management_source"] is None
    banned = docker("exec", name, "fail2ban-client", "get", "nginx-http-auth", "banned").stdout
    expected = [ip for ip in ("192.0.2.10", "2001:db8::1", "10.0.0.2") if ip in banned]
    assert len(expected) == 3, banned
    digested = by_socket["jails"]["nginx-http-auth"]["actions"]
    assert "banned_ips" not in digested and len(digested["banned_digest"]) == 64
    # The digest of the same list, computed on the controller (as share_bans_plan does), matches.
    from ansible_collections.fortress.nginx.plugins.module_utils.fail2ban import banned_digest
    assert digested["banned_digest"] == banned_digest(expected)
    assert [entry["ip"] for entry in by_socket["banned_ips"]] == ["192.0.2.99"]


def test_auto_uses_the_socket_and_check_mode_reads_the_same(container):
    release, name = container
    auto = run_module(name, {"jails": ["sshd"]})
    checked = run_module(name, {"jails": ["sshd"], "_ansible_check_mode": True})
    assert auto["method"] == "socket"
    assert auto["jail_names"] == ["sshd"]
    assert auto["jails"]["sshd"]["actions"]["banned_ips"] == ["192.0.2.99"]
    checked.pop("_ansible_check_mode", None)
    assert checked == auto


def test_unknown_jail_is_named(container):
    release, name = container
    for method in ("socket", "cli"):
        result = run_module(name, {"method": method, "jails": ["nginx-4xx"]})
        assert result["failed"] is True
        assert result["reason"] == "unknown_jail"
        assert "nginx-4xx" in result["msg"]
        # ansible 2.19's controller adds "exception: (traceback unavailable)" to any failure; the
        # module must not have sent a real one.
        assert "Traceback (most recent call last)" not in json.dumps(result)


def test_non_root_is_told_to_become(container):
    release, name = container
    for method in ("socket", "cli"):
        result = run_module(name, {"method": method}, user="nobody")
        assert result["failed"] is True, result
        assert result["reason"] == "permission_denied"
        assert "become" in result["msg"]


def test_stopped_server_is_reported(container):
    release, name = container
    docker("exec", name, "systemctl", "stop", "fail2ban")
    try:
        for method in ("socket", "cli"):
            result = run_module(name, {"method": method})
            assert result["failed"] is True, result
            assert result["reason"] == "not_running"
            assert "systemctl start fail2ban" in result["msg"]
    finally:
        # Leave the container as the other tests expect it, whatever their order.
        with open(FIXTURE) as script:
            docker("exec", "-i", name, "bash", stdin=script)


def test_history_from_fail2bans_database_keeps_an_expired_ban(container):
    """history=true reads fail2ban's own database (its schema on this release): a ban that has expired is
    no longer in banned_ips but is in the history, with its jail, time and duration."""
    release, name = container
    ip = "192.0.2.201"
    docker("exec", name, "fail2ban-client", "set", "nginx-limit-req", "bantime", "2")
    try:
        docker("exec", name, "fail2ban-client", "set", "nginx-limit-req", "banip", ip)
        for _attempt in range(50):
            if ip not in docker("exec", name, "fail2ban-client", "get", "nginx-limit-req", "banned").stdout:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the 2-second ban of %s did not expire within 10 s" % ip)
        for method in ("socket", "cli"):
            result = run_module(name, {"method": method, "history": True, "history_days": 1})
            assert not result.get("failed"), result
            assert result["dbfile"] == "/var/lib/fail2ban/fail2ban.sqlite3"
            history = result["history"]
            assert history["schema_version"] == 4 and history["warnings"] == [], history
            assert ip not in [item["ip"] for item in result["banned_ips"]]
            expired = [ban for ban in history["bans"] if ban[1] == ip]
            assert [(ban[0], ban[3]) for ban in expired] == [("nginx-limit-req", 2)], history["bans"]
            assert abs(expired[0][2] - time.time()) < 300
            # the fixture's bans are there too, the permanent ones with bantime -1
            assert ["web.admin-v2", -1] in [[ban[0], ban[3]] for ban in history["bans"]]
    finally:
        docker("exec", name, "fail2ban-client", "set", "nginx-limit-req", "bantime", "86400")


def test_history_of_a_locked_or_missing_database_is_a_warning(container):
    release, name = container
    # fail2ban holds a write lock for the duration of the python one-liner: the module waits 0.2 s, then warns.
    locker = subprocess.Popen(["docker", "exec", name, "python3", "-c",
                               "import sqlite3,time;c=sqlite3.connect('/var/lib/fail2ban/fail2ban.sqlite3',isolation_level=None);"
                               "c.execute('BEGIN EXCLUSIVE');print('locked',flush=True);time.sleep(8)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        result = run_module(name, {"history": True})
        assert not result.get("failed"), result
        assert result["history"]["bans"] == [] and "locked" in result["history"]["warnings"][0]
    finally:
        locker.kill()
        locker.wait()
