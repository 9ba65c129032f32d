"""Bad fail2ban_nginx input fails before any change; a broken filter never reaches the running fail2ban.

The bad-input cases run the role against one disposable container (docker connection) that has no
fail2ban: the play must fail, name the variable, report nothing changed, and leave /etc as it was.
The broken-filter case converges the role once on a systemd container, then adds a user filter whose
regex does not compile: the play must fail with fail2ban's own error, the filter file must not
exist, and the running fail2ban must keep its jails and its configuration files.

Run: source scripts/env.sh && python -m pytest -q tests/integration/test_fail2ban_bad_input.py
Needs Docker and fortress-nginx/debian:bookworm (scripts/ensure-images.sh bookworm).
"""
import json
import os
import subprocess
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(ROOT, "tests", "integration", "playbooks", "fail2ban_only.yml")
IMAGE = os.environ.get("FORTRESS_BADINPUT_IMAGE", "fortress-nginx/debian:bookworm")
ETC_DIGEST = "find /etc -xdev -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum"
SYSTEMD_RUN = ["--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_RAW",
               "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
               "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run",
               "--tmpfs", "/run/lock"]

CASES = [
    # (id, extra vars, text the failure must contain)
    ("bantime-unit", {"fail2ban_nginx_bantime": "10 parsecs"}, "fail2ban_nginx_bantime = '10 parsecs'"),
    ("findtime-word", {"fail2ban_nginx_findtime": "soon"}, "fail2ban_nginx_findtime = 'soon'"),
    ("maxretry-negative", {"fail2ban_nginx_maxretry": -3}, "fail2ban_nginx_maxretry = -3"),
    ("maxretry-not-int", {"fail2ban_nginx_maxretry": "many"}, "fail2ban_nginx_maxretry"),
    ("banaction-unknown", {"fail2ban_nginx_banaction": "nope"}, "fail2ban_nginx_banaction must be one of"),
    ("kill-mode-unknown", {"fail2ban_nginx_ufw_kill_mode": "nuke"}, "fail2ban_nginx_ufw_kill_mode must be one of"),
    ("missing-log-mode", {"fail2ban_nginx_missing_log": "ignore"}, "fail2ban_nginx_missing_log must be one of"),
    ("ignoreip-garbage", {"fail2ban_nginx_ignoreip": ["my-office"]}, "fail2ban_nginx_ignoreip: 'my-office'"),
    ("never-ban-garbage", {"fail2ban_nginx_never_ban": ["203.0.113.0/24", "stripe webhooks"]},
     "fail2ban_nginx_never_ban: 'stripe webhooks'"),
    ("never-ban-not-a-list", {"fail2ban_nginx_never_ban": {"office": "192.0.2.0/24"}}, "fail2ban_nginx_never_ban"),
    ("trusted-proxy-garbage", {"fail2ban_nginx_trusted_proxies": ["192.0.2.10", "cdn.example.com"]},
     "fail2ban_nginx_trusted_proxies: 'cdn.example.com'"),
    ("real-ip-header-injection", {"fail2ban_nginx_real_ip_header": "X-Forwarded-For; deny all"},
     "fail2ban_nginx_real_ip_header"),
    ("jail-missing-filter",
     {"fail2ban_nginx_jails": [{"name": "app", "filter": "no-such-filter", "logpath": ["/var/log/app.log"]}]},
     "filter 'no-such-filter'"),
    ("jail-bad-name", {"fail2ban_nginx_jails": [{"name": "my jail!", "logpath": ["/var/log/x.log"]}]},
     "fail2ban_nginx_jails: jail 'my jail!'"),
    ("jail-maxretry-zero", {"fail2ban_nginx_jails": [{"name": "nginx-4xx", "maxretry": 0}]},
     "fail2ban_nginx_jails: jail 'nginx-4xx'"),
    ("jail-logpath-mapping", {"fail2ban_nginx_jails": [{"name": "nginx-4xx", "logpath": {"path": "/var/log/x"}}]},
     "fail2ban_nginx_jails"),
    ("jail-unknown-key", {"fail2ban_nginx_jails": [{"name": "nginx-4xx", "max_retry": 3}]},
     "fail2ban_nginx_jails.max_retry"),
    ("filter-sample-without-host",
     {"fail2ban_nginx_filters": [{"name": "fortress-nginx-4xx", "samples": {"match": [{"line": "x"}]}}]},
     "host"),
    ("jail-bantime", {"fail2ban_nginx_jails": [{"name": "sshd", "bantime": "forever"}]},
     "fail2ban_nginx_jails: jail 'sshd'"),
    ("filter-without-regex", {"fail2ban_nginx_filters": [{"name": "empty"}]}, "fail2ban_nginx_filters: filter 'empty'"),
    ("jails-not-a-list", {"fail2ban_nginx_jails": "sshd"}, "fail2ban_nginx_jails"),
]


def _docker(*args, check=True):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


def _play(container, extra_vars, tmp_path, *options):
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(extra_vars))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0")
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(ROOT, ".build", "collections"))
    return subprocess.run(
        ["ansible-playbook", "-i", container + ",", "-c", "community.docker.docker",
         "-e", "@" + str(vars_file), *options, PLAYBOOK],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=900, check=False)


@pytest.fixture(scope="module")
def bare_container():
    name = "fortress-badinput-f2b-" + uuid.uuid4().hex[:8]
    _docker("run", "-d", "--name", name, IMAGE, "sleep", "infinity")
    try:
        yield name
    finally:
        _docker("rm", "-f", name, check=False)


def _etc(container):
    return _docker("exec", container, "sh", "-c", ETC_DIGEST).stdout


@pytest.mark.parametrize("extra_vars,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_fails_before_any_change(bare_container, tmp_path, extra_vars, expected):
    before = _etc(bare_container)
    result = _play(bare_container, extra_vars, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert expected in output, output[-3000:]
    assert "changed=0" in output and "failed=1" in output, output[-3000:]
    assert _etc(bare_container) == before


@pytest.fixture(scope="module")
def running_fail2ban(tmp_path_factory):
    """A systemd container with nginx and the role converged once."""
    name = "fortress-badinput-live-" + uuid.uuid4().hex[:8]
    _docker("run", "-d", "--name", name, *SYSTEMD_RUN, IMAGE, "/lib/systemd/systemd")
    try:
        # apt needs a booted system: apt-key fails while systemd is still mounting /tmp.
        _docker("exec", name, "sh", "-c", "for i in $(seq 300); do case $(systemctl is-system-running 2>/dev/null) in "
                "running|degraded) break;; esac; sleep 0.2; done")
        _docker("exec", name, "sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive "
                "apt-get install -y -qq nginx >/dev/null")
        result = _play(name, {}, tmp_path_factory.mktemp("converge"))
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        yield name
    finally:
        _docker("rm", "-f", name, check=False)


def _fail2ban_state(container):
    status = _docker("exec", container, "fail2ban-client", "status").stdout
    digest = _docker("exec", container, "sh", "-c",
                     "find /etc/fail2ban -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum").stdout
    return status, digest


def test_broken_user_filter_fails_and_the_running_fail2ban_keeps_its_configuration(running_fail2ban, tmp_path):
    before = _fail2ban_state(running_fail2ban)
    assert "nginx-4xx" in before[0]
    broken = {
        "fail2ban_nginx_filters": [{"name": "fortress-app", "failregex": ["^(<HOST> unclosed group"]}],
        "fail2ban_nginx_jails": [{"name": "app", "filter": "fortress-app",
                                  "logpath": ["/var/log/nginx/access.log"]}],
    }
    result = _play(running_fail2ban, broken, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "Unable to compile regular expression" in output, output[-3000:]
    assert "fortress-app" in output
    assert _docker("exec", running_fail2ban, "test", "-e", "/etc/fail2ban/filter.d/fortress-app.conf",
                   check=False).returncode != 0
    assert _fail2ban_state(running_fail2ban) == before


def test_filter_that_misses_its_own_samples_is_refused(running_fail2ban, tmp_path):
    before = _fail2ban_state(running_fail2ban)
    # Our nginx-4xx with a regex that matches nothing: its samples must catch it.
    override = {"fail2ban_nginx_filters": [{"name": "fortress-nginx-4xx", "failregex": ["^<ADDR> never-matches$"]}]}
    result = _play(running_fail2ban, override, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "sample lines that must match" in output, output[-3000:]
    assert _fail2ban_state(running_fail2ban) == before


def test_second_converge_changes_nothing(running_fail2ban, tmp_path):
    result = _play(running_fail2ban, {}, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "changed=0" in output, output[-3000:]


def test_a_protected_address_the_allow_list_refuses_is_named(running_fail2ban, tmp_path):
    """fail2ban_nginx_never_ban is checked against ufw_baseline's allow-list when both roles meet
    in one play: an address protected from bans but refused by the firewall is pointed out."""
    protected = {
        "fail2ban_nginx_never_ban": ["198.51.100.7", "192.0.2.10"],
        "ufw_baseline_allow_in": [{"port": 80, "proto": "tcp"}, {"port": 443, "proto": "tcp", "from": "192.0.2.0/24"}],
    }
    result = _play(running_fail2ban, protected, tmp_path, "--check")
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, output[-3000:]
    assert ("WARNING: 198.51.100.7 is never banned (fail2ban_nginx_never_ban or trusted proxies), but "
            "ufw_baseline_allow_in does not let it reach 443/tcp") in output, output[-3000:]
    assert "WARNING: 192.0.2.10 is never banned" not in output


def _requests(container, count, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    script = ("import urllib.request\nfor n in range(%d):\n"
              "    urllib.request.urlopen(urllib.request.Request('http://127.0.0.1/', headers=%r)).read()\n"
              % (count, headers))
    _docker("exec", container, "python3", "-c", script)


def test_a_log_still_fed_by_the_trusted_proxy_is_refused(running_fail2ban, tmp_path):
    """Issue #10: with trusted proxies, a jail must not read a log whose lines still carry the
    proxy's address (realip not taking): the role refuses before changing anything. Here the
    'proxy' is loopback and its requests carry no X-Forwarded-For, as a misconfigured proxy's would."""
    proxied = {"fail2ban_nginx_trusted_proxies": ["127.0.0.1"]}
    first = _play(running_fail2ban, proxied, tmp_path)
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    # Proxies added to a host whose nginx jails already run: each nginx jail gets the nginx-level ban.
    actions = _docker("exec", running_fail2ban, "fail2ban-client", "get", "nginx-4xx", "actions").stdout
    assert "fortress-nginx-deny" in actions, actions
    _requests(running_fail2ban, 25)
    before = _fail2ban_state(running_fail2ban)
    refused = _play(running_fail2ban, dict(proxied, fail2ban_nginx_bantime="2h"), tmp_path)
    output = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode != 0, output[-3000:]
    assert ("/var/log/nginx/access.log: 25 of the 25 lines written since nginx took the trusted-proxy settings "
            "come from trusted proxies (127.0.0.1)") in output, output[-3000:]
    assert "changed=0" in output and _fail2ban_state(running_fail2ban) == before
    # The operator can go on knowingly...
    forced = _play(running_fail2ban, dict(proxied, fail2ban_nginx_proxy_log_check=False), tmp_path)
    assert forced.returncode == 0, (forced.stdout + forced.stderr)[-3000:]
    # ...and once the proxy sends the header, realip gives the clients' addresses: no refusal.
    _requests(running_fail2ban, 30, forwarded_for="198.51.100.7")
    fixed = _play(running_fail2ban, proxied, tmp_path)
    assert fixed.returncode == 0, (fixed.stdout + fixed.stderr)[-3000:]
    assert "198.51.100.7 - -" in _docker("exec", running_fail2ban, "tail", "-n", "1", "/var/log/nginx/access.log").stdout
