"""Adopting a live server (issue #16): the role keeps what the operator set, says what it changes,
refuses an access log it cannot read, and watches every vhost's log.

One disposable systemd container of the local Debian 12 image, prepared as an operator left it:
  * /etc/fail2ban/jail.local with its own [DEFAULT] ignoreip (203.0.113.50, "the office") and bantime
    (1d), and its own maxretry for a jail named like one of the role's (nginx-4xx);
  * an extra ufw rule (the office may reach port 8080);
  * nginx with two vhosts: shop.example.org logs to its own file in a custom log_format, blog.example.org
    to its own files in combined.
The collection's playbook (playbooks/site.yml: ufw_baseline, then fail2ban_nginx) then runs on it:
  1. with shop's first log_format ($remote_addr without the "- $remote_user" field) fail2ban_nginx
     fails before any change, naming the log_format and the fix, and /etc is byte for byte the same;
  2. once the operator changed the format to one the filters read (combined plus a field at the end),
     --check --diff reports every setting it replaces (bantime, nginx-4xx maxretry) and the kept
     ignoreip, and changes nothing;
  3. a converge: the office is in every nginx jail's ignoreip (fail2ban-client get), both vhosts' logs
     are watched (fail2ban-client get JAIL logpath), the extra ufw rule is still there;
  4. a second converge changes nothing;
  5. fail2ban_nginx_ignoreip_replace (check mode) says the office would be dropped.

Run: source scripts/env.sh && flock /tmp/fortress-heavy.lock python -m pytest -q tests/integration/test_adopt.py
Needs Docker and fortress-nginx/debian:bookworm (scripts/ensure-images.sh bookworm). Set
FORTRESS_ADOPT_TRANSCRIPT=FILE to keep the --check --diff output, and FILE.refused the refused run's
(docs/adopting.md quotes them).
"""
import json
import os
import subprocess
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(ROOT, "playbooks", "site.yml")
FAIL2BAN_ONLY = os.path.join(ROOT, "tests", "integration", "playbooks", "fail2ban_only.yml")
IMAGE = os.environ.get("FORTRESS_ADOPT_IMAGE", "fortress-nginx/debian:bookworm")
OFFICE = "203.0.113.50"
ETC_DIGEST = ("find /etc -xdev -type f ! -path '/etc/ld.so.cache' -print0 | sort -z | xargs -0 sha256sum"
              " | sha256sum")
SYSTEMD_RUN = ["--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_RAW",
               "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
               "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run",
               "--tmpfs", "/run/lock",
               # What sshd would set for a controller at 192.0.2.10 (the docker connection has no SSH).
               "-e", "SSH_CONNECTION=192.0.2.10 50022 192.0.2.20 22"]
JAIL_LOCAL = """[DEFAULT]
# The office, never to be banned.
ignoreip = 127.0.0.1/8 ::1 %s
bantime = 1d

[nginx-4xx]
maxretry = 3
""" % OFFICE
UNREADABLE = "'$remote_addr [$time_local] \"$request\" $status $body_bytes_sent rt=$request_time'"
READABLE = ("'$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
            "\"$http_referer\" \"$http_user_agent\" rt=$request_time'")
SITES = """server {
    listen 8081;
    server_name shop.example.org;
    access_log /var/log/nginx/shop.access.log shop;
    error_log /var/log/nginx/shop.error.log;
}
server {
    listen 8082;
    server_name blog.example.org;
    access_log /var/log/nginx/blog.access.log;
    error_log /var/log/nginx/blog.error.log;
}
"""


def _docker(*args, check=True, stdin=None):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, input=stdin)


def _sh(container, script, check=True):
    return _docker("exec", container, "sh", "-c", script, check=check)


def _set_format(container, log_format):
    _docker("exec", "-i", container, "sh", "-c", "cat > /etc/nginx/conf.d/shop-format.conf",
            stdin="log_format shop %s;\n" % log_format)
    _sh(container, "nginx -t -q && systemctl reload nginx")


def _play(container, tmp_path, extra_vars=None, *options, playbook=PLAYBOOK):
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(dict({"fortress_hosts": "all", "ansible_become": False}, **(extra_vars or {}))))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0")
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(ROOT, ".build", "collections"))
    result = subprocess.run(
        ["ansible-playbook", "-i", container + ",", "-c", "community.docker.docker", "-e", "@" + str(vars_file),
         *options, playbook], capture_output=True, text=True, env=env, cwd=ROOT, timeout=1200, check=False)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def host():
    name = "fortress-adopt-" + uuid.uuid4().hex[:8]
    _docker("run", "-d", "--name", name, *SYSTEMD_RUN, IMAGE, "/lib/systemd/systemd")
    try:
        _sh(name, "for i in $(seq 300); do case $(systemctl is-system-running 2>/dev/null) in "
            "running|degraded) break;; esac; sleep 0.2; done")
        _sh(name, "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
            "nginx fail2ban ufw >/dev/null")
        _docker("exec", "-i", name, "sh", "-c", "cat > /etc/fail2ban/jail.local", stdin=JAIL_LOCAL)
        _docker("exec", "-i", name, "sh", "-c", "cat > /etc/nginx/sites-enabled/shop-and-blog", stdin=SITES)
        _sh(name, "ufw allow from %s to any port 8080 proto tcp comment office-app" % OFFICE)
        _set_format(name, UNREADABLE)
        yield name
    finally:
        _docker("rm", "-f", name, check=False)


def _flat(output):
    """The play's output with the YAML callback's line folding undone."""
    return " ".join(output.split())


def _etc(container):
    return _sh(container, ETC_DIGEST).stdout


def test_1_unreadable_log_format_fails_before_any_change(host, tmp_path):
    before = _etc(host)
    # The role alone: in playbooks/site.yml ufw_baseline runs (and changes ufw) before it.
    rc, output = _play(host, tmp_path, playbook=FAIL2BAN_ONLY)
    if os.environ.get("FORTRESS_ADOPT_TRANSCRIPT"):
        with open(os.environ["FORTRESS_ADOPT_TRANSCRIPT"] + ".refused", "w") as handle:
            handle.write(output)
    assert rc != 0, output[-3000:]
    assert "access log /var/log/nginx/shop.access.log (server shop.example.org)" in output, output[-3000:]
    assert "log_format 'shop'" in output and "Fix: start it with $remote_addr - $remote_user" in output
    assert "Nothing was changed." in output
    assert "changed=0" in output
    assert _etc(host) == before


def test_2_check_diff_reports_what_changes_and_changes_nothing(host, tmp_path):
    _set_format(host, READABLE)
    before = _etc(host)
    rc, output = _play(host, tmp_path, None, "--check", "--diff")
    transcript = os.environ.get("FORTRESS_ADOPT_TRANSCRIPT")
    if transcript:
        with open(transcript, "w") as handle:
            handle.write(output)
    assert rc == 0, output[-4000:]
    flat = _flat(output)
    assert "[DEFAULT] bantime: 1d (/etc/fail2ban/jail.local) -> 1h" in flat, output[-4000:]
    assert "[nginx-4xx] maxretry: 3 (/etc/fail2ban/jail.local) -> 10" in flat
    assert "ignoreip: the host also never bans %s: kept" % OFFICE in flat
    assert "+ignoreip = 127.0.0.1/8 ::1 192.0.2.10 %s" % OFFICE in output
    assert _etc(host) == before


def test_3_converge_keeps_the_office_and_watches_both_vhosts(host, tmp_path):
    rc, output = _play(host, tmp_path)
    assert rc == 0, output[-4000:]
    assert "[DEFAULT] bantime: 1d (/etc/fail2ban/jail.local) -> 1h" in output
    for jail in ("nginx-4xx", "nginx-probe", "nginx-botsearch", "nginx-protocol"):
        assert OFFICE in _sh(host, "fail2ban-client get %s ignoreip" % jail).stdout, jail
        logpaths = _sh(host, "fail2ban-client get %s logpath" % jail).stdout
        assert "/var/log/nginx/shop.access.log" in logpaths and "/var/log/nginx/blog.access.log" in logpaths, logpaths
    errors = _sh(host, "fail2ban-client get nginx-http-auth logpath").stdout
    assert "/var/log/nginx/shop.error.log" in errors and "/var/log/nginx/blog.error.log" in errors, errors
    assert _sh(host, "fail2ban-client get nginx-4xx maxretry").stdout.strip() == "10"
    assert "office-app" in _sh(host, "ufw show added").stdout


def test_4_second_converge_changes_nothing(host, tmp_path):
    rc, output = _play(host, tmp_path)
    assert rc == 0, output[-3000:]
    assert "changed=0" in output, output[-3000:]
    assert OFFICE in _sh(host, "fail2ban-client get nginx-4xx ignoreip").stdout


def test_5_replace_and_keep_are_said_in_check_mode(host, tmp_path):
    before = _etc(host)
    rc, output = _play(host, tmp_path, {"fail2ban_nginx_ignoreip_replace": True,
                                        "fail2ban_nginx_keep_host_settings": ["bantime", "nginx-4xx/maxretry"]},
                       "--check", "--diff")
    assert rc == 0, output[-3000:]
    flat = _flat(output)
    assert "is DROPPED, fail2ban_nginx_ignoreip_replace is true: %s will be banned" % OFFICE in flat, output[-3000:]
    assert "[DEFAULT] bantime = 1d (/etc/fail2ban/jail.local) is kept" in flat
    assert "[nginx-4xx] maxretry = 3 (/etc/fail2ban/jail.local) is kept" in flat
    assert "-bantime = 1h" in output and "-maxretry = 10" in output
    assert _etc(host) == before
