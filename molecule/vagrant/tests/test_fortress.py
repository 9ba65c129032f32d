"""What the whole fortress does to a real VM, checked over SSH after converge and idempotence.

Molecule runs these after `converge` and `idempotence`, so every test starts from a host where
site.yml has enabled ufw (deny in, deny out) over the very SSH connection the tests use. Besides
testinfra's `host`, the tests open their own fresh SSH connections (no multiplexing: a reused
master connection would hide a firewall that refuses new ones) and run ansible-playbook against
the VM themselves.
"""

import contextlib
import json
import os
import pathlib
import re
import socket
import subprocess
import time

import pytest
import yaml

SCENARIO_DIR = pathlib.Path(__file__).resolve().parent.parent
ROOT = SCENARIO_DIR.parent.parent
JAIL_DEFAULTS = ROOT / "roles" / "fail2ban_nginx" / "defaults" / "main" / "jails.yml"
UFW_DEFAULTS = ROOT / "roles" / "ufw_baseline" / "defaults" / "main.yml"
MANAGEMENT_NETWORK = "fortress-vagrant-mgmt"
# The jail used for the ban test: nginx-4xx watches the web server, as a 404 scanner would trip it.
BAN_JAIL = "nginx-4xx"


@pytest.fixture(scope="module")
def instance():
    """Address, port, user and key of the VM, as the vagrant driver recorded them."""
    with open(os.environ["MOLECULE_INSTANCE_CONFIG"], encoding="utf-8") as handle:
        return yaml.safe_load(handle)[0]


def fresh_ssh(instance, command, bind_address=None, timeout=60):
    """Run `command` in the VM over a brand-new SSH connection from the host."""
    args = [
        "ssh", "-o", "ControlMaster=no", "-o", "ControlPath=none", "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20",
        "-i", instance["identity_file"], "-p", str(instance["port"]),
    ]
    if bind_address:
        args += ["-b", bind_address]
    args += [f"{instance['user']}@{instance['address']}", command]
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        # A ban that drops (nftables on prerouting, Docker mode) leaves the connection hanging.
        return subprocess.CompletedProcess(args, 255, exc.stdout or "", f"timed out after {timeout} s")


def ufw_rules(host):
    """ufw's own rule files (what the firewall will load), read as root."""
    with host.sudo():
        out = host.check_output("cat /etc/ufw/user.rules /etc/ufw/user6.rules")
    return out


def test_a_new_ssh_connection_works_after_converge_and_idempotence(instance):
    result = fresh_ssh(instance, "sudo -n true && echo fortress-ssh-ok")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "fortress-ssh-ok"


def test_ufw_is_active_with_deny_policies(host):
    with host.sudo():
        status = host.check_output("ufw status verbose")
    assert "Status: active" in status
    assert re.search(r"Default: deny \(incoming\), deny \(outgoing\), (deny|disabled) \(routed\)", status), status


def test_ufw_rules_allow_ssh_web_and_the_controller(host, instance):
    with host.sudo():
        status = host.check_output("ufw status")
    controller = host.check_output("printenv SSH_CONNECTION").split()[0]
    defaults = yaml.safe_load(UFW_DEFAULTS.read_text(encoding="utf-8"))
    ssh_port = defaults["ufw_baseline_ssh_port"]
    # The lockout guard's own rule: the controller to the port Ansible uses, first.
    assert re.search(rf"^{instance['port']}/tcp\s+ALLOW\s+{re.escape(controller)}\b", status, re.M), status
    # SSH from anywhere (no ufw_baseline_ssh_sources), rate-limited as the article asks.
    assert re.search(rf"^{ssh_port}/tcp\s+LIMIT\s+Anywhere\b", status, re.M), status
    for port in (80, 443):
        assert re.search(rf"^{port}/tcp\s+ALLOW\s+Anywhere\b", status, re.M), status
    for rule in ("80/tcp", "443/tcp", "53/udp", "53/tcp", "123/udp"):
        assert re.search(rf"^Anywhere\s+ALLOW OUT\s+{re.escape(rule)}\b", status, re.M) or re.search(
            rf"^{re.escape(rule)}\s+ALLOW OUT\s+Anywhere\b", status, re.M
        ), f"no outbound rule for {rule}:\n{status}"


def test_the_firewall_really_denies_what_is_not_listed(host):
    # Outbound: the VM may reach its mirror on 80, but not an unlisted port on its gateway.
    gateway = host.check_output("ip -4 route show default | awk '{print $3; exit}'")
    # 10.0.2.2 is QEMU's user-mode gateway (the host's loopback): the probe never leaves the host.
    probe = host.run(f"timeout 8 bash -c '</dev/tcp/{gateway}/8081'")
    assert probe.rc != 0
    with host.sudo():
        log = host.run("journalctl -k --since '-2min' --no-pager | grep -c 'UFW BLOCK.*DPT=8081' || true")
    assert int(log.stdout.strip() or 0) >= 1, "ufw did not log the blocked outbound packet"


def expected_jails():
    """Every jail enabled in the role's defaults: prepare.yml gives each one its log source."""
    jails = yaml.safe_load(JAIL_DEFAULTS.read_text(encoding="utf-8"))["fail2ban_nginx_jails_default"]
    return sorted(jail["name"] for jail in jails if jail.get("enabled", True))


def fail2ban_jails(host):
    with host.sudo():
        status = host.check_output("fail2ban-client status")
    match = re.search(r"Jail list:\s*(.*)$", status, re.M)
    assert match, status
    return sorted(name.strip() for name in match.group(1).split(",") if name.strip())


def test_fail2ban_runs_every_expected_jail(host):
    service = host.service("fail2ban")
    assert service.is_running
    assert service.is_enabled
    assert fail2ban_jails(host) == expected_jails()


def run_site(extra_vars, tmp_path):
    """ansible-playbook playbooks/site.yml (through converge.yml) against the VM, with Molecule's inventory."""
    env = dict(os.environ)
    env.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    vars_file = tmp_path / "extra-vars.json"
    vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
    return subprocess.run(
        [
            "ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
            str(SCENARIO_DIR / "converge.yml"), "-e", f"@{vars_file}",
        ],
        capture_output=True, text=True, env=env, timeout=1800, check=False,
    )


def recap(output, host_name):
    match = re.search(rf"^{re.escape(host_name)}\s*:\s*(.*)$", output, re.M)
    assert match, output[-3000:]
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def test_lockout_guard_refuses_an_allow_list_without_the_controller(host, instance, tmp_path):
    before = ufw_rules(host)
    # SSH only from a documentation network, and no rule for the controller: enabling that would
    # cut the very connection Ansible uses.
    result = run_site({"ufw_baseline_ssh_sources": ["203.0.113.0/24"], "ufw_baseline_allow_controller": False}, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "ufw_baseline refused to change anything" in output, output[-3000:]
    assert "would lock you out" in output
    counts = recap(result.stdout, instance["instance"])
    assert counts["failed"] == 1 and counts["changed"] == 0, counts
    assert ufw_rules(host) == before
    again = fresh_ssh(instance, "echo still-reachable")
    assert again.returncode == 0 and again.stdout.strip() == "still-reachable", again.stderr


@contextlib.contextmanager
def second_source_address(instance):
    """An extra address for the host on the management network's bridge, removed afterwards.

    Traffic from it reaches the VM on the same L2 segment as the management connection but from a
    different source address, so banning it must block it while the management connection lives on.
    """
    info = subprocess.run(
        ["virsh", "-c", "qemu:///system", "net-info", MANAGEMENT_NETWORK],
        capture_output=True, text=True, check=True,
    ).stdout
    bridge = re.search(r"^Bridge:\s*(\S+)", info, re.M).group(1)
    prefix = instance["address"].rsplit(".", 1)[0]
    address = f"{prefix}.250" if not instance["address"].endswith(".250") else f"{prefix}.249"
    subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", bridge], check=True)
    try:
        yield address
    finally:
        subprocess.run(["ip", "addr", "del", f"{address}/32", "dev", bridge], check=False)


def http_from(source, destination, port=80, timeout=8):
    """An HTTP GET from a given source address; the status line, or the error it met."""
    try:
        with socket.create_connection((destination, port), timeout=timeout, source_address=(source, 0)) as conn:
            conn.sendall(b"GET / HTTP/1.0\r\nHost: fortress\r\n\r\n")
            return conn.recv(64).decode("latin-1").splitlines()[0]
    except OSError as exc:
        return f"error: {exc.__class__.__name__}: {exc}"


def wait_until(probe, done, attempts=20):
    """probe() until done(its answer), about a second apart (fail2ban's actions run asynchronously)."""
    answer = None
    for _attempt in range(attempts):
        answer = probe()
        if done(answer):
            return answer
        time.sleep(1)
    return answer


def test_a_web_ban_closes_the_web_ports_and_an_sshd_ban_every_port(host, instance):
    """A ban in a web jail refuses the source's HTTP but leaves its SSH alone (a false or forced web
    ban never locks anybody out); a ban in the sshd jail refuses every port. The management
    connection lives on throughout, on a real kernel's netfilter."""
    with second_source_address(instance) as attacker:
        assert http_from(attacker, instance["address"]).startswith("HTTP/"), "no HTTP before the ban"
        try:
            with host.sudo():
                host.check_output(f"fail2ban-client set {BAN_JAIL} banip {attacker}")
            blocked = wait_until(lambda: http_from(attacker, instance["address"], timeout=4), lambda a: a.startswith("error"))
            assert blocked.startswith("error"), f"banned source still served: {blocked}"
            with host.sudo():
                assert attacker in host.check_output(f"fail2ban-client status {BAN_JAIL}")
                # The role's default engine: fail2ban's nftables set of the jail (ufw_status shows no ban).
                assert attacker in host.check_output(f"nft list set inet f2b-table addr-set-{BAN_JAIL}")
                assert not re.search(rf"REJECT(\s+IN)?\s+{re.escape(attacker)}\b", host.check_output("ufw status"))
            web_banned_ssh = fresh_ssh(instance, "echo ssh-ok", bind_address=attacker, timeout=40)
            assert web_banned_ssh.returncode == 0 and web_banned_ssh.stdout.strip() == "ssh-ok", (
                "a web ban cut the source's SSH: " + web_banned_ssh.stderr)

            with host.sudo():
                host.check_output(f"fail2ban-client set sshd banip {attacker}")
            ssh_banned = wait_until(lambda: fresh_ssh(instance, "true", bind_address=attacker, timeout=15),
                                    lambda result: result.returncode != 0, attempts=10)
            assert ssh_banned.returncode != 0, "an sshd ban did not close SSH"
            management = fresh_ssh(instance, "echo management-ok")
            assert management.returncode == 0 and management.stdout.strip() == "management-ok", management.stderr
        finally:
            with host.sudo():
                host.run(f"fail2ban-client set {BAN_JAIL} unbanip {attacker}")
                host.run(f"fail2ban-client set sshd unbanip {attacker}")
        # The block was the ban: lifted, the same source is served again.
        served = wait_until(lambda: http_from(attacker, instance["address"], timeout=4), lambda a: a.startswith("HTTP/"))
        assert served.startswith("HTTP/"), f"source still blocked after unban: {served}"


def test_fail2ban_status_finds_the_ssh_client_above_sudo(host, instance):
    """fortress.nginx.fail2ban_status with_ignored over the real SSH connection with become (sudo
    resets the environment, so SSH_CONNECTION is read from the SSH session's shell above sudo): the
    controller's address as the VM sees it, which playbooks/share_bans.yml never shares, and the VM's
    own address among its host addresses."""
    controller = host.check_output("printenv SSH_CONNECTION").split()[0]
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    env.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    result = subprocess.run(
        ["ansible", "fortress", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "--become",
         "-m", "fortress.nginx.fail2ban_status", "-a", json.dumps({"jails": ["sshd"], "with_ignored": True})],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    status = list(json.loads(result.stdout)["plays"][0]["tasks"][0]["hosts"].values())[0]
    assert status["management_source"] == controller, status
    assert instance["address"] in status["host_addresses"], status["host_addresses"]
    # Under sudo, the module's own environment has no SSH_CONNECTION: the walk found it.
    with host.sudo():
        assert host.run("printenv SSH_CONNECTION").rc != 0
