"""Bad ufw_baseline input fails before any change, with a message naming the variable.

Each case runs playbooks/site.yml (what users run) against one disposable container through the
docker connection, then checks the play failed, the message names the variable, and the host is
as it was: ufw not installed, /etc unchanged. The container's environment carries an
SSH_CONNECTION, so the lockout guard has a management connection to protect.

Run: source scripts/env.sh && python -m pytest -q tests/integration/test_ufw_bad_input.py
Needs Docker and the image fortress-nginx/debian:bookworm (scripts/ensure-images.sh bookworm).
"""
import json
import os
import subprocess
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGE = os.environ.get("FORTRESS_BADINPUT_IMAGE", "fortress-nginx/debian:bookworm")
CONTROLLER = "198.51.100.7"
# Hash of every file under /etc: any change the role would make (packages, ufw files) shows here.
ETC_DIGEST = "find /etc -xdev -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum"

CASES = [
    # (id, extra vars, text the failure must contain)
    ("port-out-of-range", {"ufw_baseline_allow_in": [{"port": 70000}]}, "ufw_baseline_allow_in[0].port"),
    ("port-not-a-number", {"ufw_baseline_allow_in_extra": [{"port": "http"}]}, "ufw_baseline_allow_in_extra[0].port"),
    ("port-range-reversed", {"ufw_baseline_allow_in": [{"port": "9000:8000"}]}, "ufw_baseline_allow_in[0].port"),
    ("port-range-any-proto", {"ufw_baseline_allow_out_extra": [{"port": "6000:6010", "proto": "any"}]},
     "ufw_baseline_allow_out_extra[0].port"),
    ("protocol", {"ufw_baseline_allow_out": [{"port": 53, "proto": "sctp"}]}, "got: sctp found in ufw_baseline_allow_out"),
    ("cidr-prefix", {"ufw_baseline_ssh_sources": ["10.0.0.0/33"]}, "ufw_baseline_ssh_sources[0]"),
    ("cidr-host-bits", {"ufw_baseline_ssh_sources": ["192.168.1.5/16"]}, "ufw_baseline_ssh_sources[0]"),
    ("rule-from-not-an-address", {"ufw_baseline_allow_in_extra": [{"port": 25, "from": "mail.example"}]},
     "ufw_baseline_allow_in_extra[0].from"),
    ("policy", {"ufw_baseline_policy_incoming": "drop"}, "ufw_baseline_policy_incoming"),
    ("logging-level", {"ufw_baseline_logging": "verbose"}, "ufw_baseline_logging"),
    ("rule-shape-string", {"ufw_baseline_allow_in": ["80/tcp"]}, "ufw_baseline_allow_in"),
    ("rule-unknown-key", {"ufw_baseline_allow_in": [{"port": 80, "protocol": "tcp"}]}, "ufw_baseline_allow_in.protocol"),
    ("rule-allows-everything", {"ufw_baseline_allow_out_extra": [{"proto": "udp"}]}, "ufw_baseline_allow_out_extra[0]"),
    ("comment-with-quote", {"ufw_baseline_allow_in_extra": [{"port": 8443, "comment": "it's"}]},
     "ufw_baseline_allow_in_extra[0].comment"),
    ("ssh-port-zero", {"ufw_baseline_ssh_port": 0}, "ufw_baseline_ssh_port"),
    ("ssh-limit-not-bool", {"ufw_baseline_ssh_limit": "sometimes"}, "ufw_baseline_ssh_limit"),
    ("ipv6-source-with-ipv6-off", {"ufw_baseline_ipv6": False, "ufw_baseline_ssh_sources": ["2001:db8::/32"]},
     "ufw_baseline_ssh_sources[0]"),
    ("lockout-restricted-ssh", {"ufw_baseline_ssh_sources": ["10.0.0.0/8"], "ufw_baseline_allow_controller": False},
     "ufw_baseline_ssh_sources"),
    ("lockout-ssh-port-moved", {"ufw_baseline_ssh_port": 2222, "ufw_baseline_allow_controller": False},
     "lock you out"),
]


def _docker(*args, check=True):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def container():
    name = "fortress-badinput-" + uuid.uuid4().hex[:8]
    _docker("run", "-d", "--name", name, "-e", "SSH_CONNECTION=%s 50022 198.51.100.1 22" % CONTROLLER,
            IMAGE, "sleep", "infinity")
    try:
        yield name
    finally:
        _docker("rm", "-f", name, check=False)


def _state(container):
    installed = _docker("exec", container, "dpkg-query", "-W", "-f=${Status}", "ufw", check=False)
    digest = _docker("exec", container, "sh", "-c", ETC_DIGEST).stdout
    return {"ufw": installed.stdout if installed.returncode == 0 else "absent", "etc": digest}


def _run_site(container, extra_vars, tmp_path, *options):
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(dict(extra_vars, fortress_hosts="all", ansible_become=False)))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0")
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(ROOT, ".build", "collections"))
    return subprocess.run(
        ["ansible-playbook", "-i", container + ",", "-c", "community.docker.docker",
         "-e", "@" + str(vars_file), *options, os.path.join(ROOT, "playbooks", "site.yml")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False)


@pytest.mark.parametrize("extra_vars,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_fails_before_any_change(container, tmp_path, extra_vars, expected):
    before = _state(container)
    assert before["ufw"] == "absent"
    result = _run_site(container, extra_vars, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "failed=1" in output, output[-3000:]
    assert expected in output, output[-3000:]
    assert "changed=0" in output, output[-3000:]
    assert _state(container) == before


@pytest.fixture(scope="module")
def ipv6_container():
    """A host managed over IPv6: SSH_CONNECTION names an IPv6 controller."""
    name = "fortress-badinput6-" + uuid.uuid4().hex[:8]
    _docker("run", "-d", "--name", name, "-e", "SSH_CONNECTION=2001:db8:77::7 50022 2001:db8:77::1 22",
            IMAGE, "sleep", "infinity")
    try:
        yield name
    finally:
        _docker("rm", "-f", name, check=False)


def test_ipv6_off_is_refused_while_the_management_connection_is_ipv6(ipv6_container, tmp_path):
    """IPV6=no makes ufw drop all IPv6 traffic: the play stops before any change, and says why."""
    before = _state(ipv6_container)
    assert before["ufw"] == "absent"
    result = _run_site(ipv6_container, {"ufw_baseline_ipv6": False}, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "failed=1" in output and "changed=0" in output, output[-3000:]
    assert "ufw_baseline_ipv6 is false" in output and "2001:db8:77::7" in output, output[-3000:]
    assert "lock you out" in output, output[-3000:]
    assert _state(ipv6_container) == before


def test_ipv6_on_keeps_an_ipv6_management_connection(ipv6_container, tmp_path):
    """The control case: the same host with IPv6 filtering on passes the guard (check mode)."""
    before = _state(ipv6_container)
    result = _run_site(ipv6_container, {}, tmp_path, "--check")
    output = result.stdout + result.stderr
    assert "from 2001:db8:77::7 to port 22/tcp stays allowed" in output, output[-3000:]
    assert _state(ipv6_container) == before


def test_ipv6_off_with_an_ipv4_connection_warns_that_ipv6_is_dropped(container, tmp_path):
    before = _state(container)
    result = _run_site(container, {"ufw_baseline_ipv6": False}, tmp_path, "--check")
    output = result.stdout + result.stderr
    assert "stays allowed" in output, output[-3000:]
    assert "ufw drops ALL IPv6 traffic" in output, output[-3000:]
    assert _state(container) == before


def test_good_input_passes_validation_and_the_guard(container, tmp_path):
    """The control case: sane variables get past both checks (check mode: the container stays clean)."""
    before = _state(container)
    result = _run_site(container, {"ufw_baseline_ssh_sources": ["10.0.0.0/8"]}, tmp_path, "--check")
    output = result.stdout + result.stderr
    assert "Check ports, networks and comments before any change" in output
    assert "stays allowed" in output, output[-3000:]
    assert "ufw is not installed yet" in output, output[-3000:]
    assert _state(container) == before
