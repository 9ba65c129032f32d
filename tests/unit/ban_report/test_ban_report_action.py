# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugin in a real ansible-playbook run: results taken from hostvars, check mode, errors.

Two local hosts register synthetic fail2ban_status results and a third registers nothing, then
fortress.nginx.ban_report runs once on the controller, as playbooks/ban_report.yml does it.
"""
import json
import os
import subprocess
import sys

import pytest

from .geodb import write_asn_db, write_location_db
from .synthetic import status_result

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def host_vars(jails):
    """A host whose fail2ban_status result (synthetic) has these {jail: [banned IPs]}."""
    return {"ansible_connection": "local", "fake_status": status_result(jails)}


INVENTORY = {"all": {"hosts": {
    "web1": host_vars({"sshd": ["198.51.100.1", "10.0.0.1"], "nginx-4xx": ["198.51.100.1"]}),
    "web2": host_vars({"sshd": ["198.51.100.1", "2001:db8:1::7"]}),
    "web3": {"ansible_connection": "local"},  # registers nothing: must be reported as missing
}}}

PLAYBOOK = """
- name: Synthetic status results, then the report
  hosts: all
  gather_facts: false
  tasks:
    - name: Register a fail2ban_status-shaped result
      ansible.builtin.set_fact:
        f2b: "{{ fake_status }}"
      when: fake_status is defined

    - name: Report
      fortress.nginx.ban_report:
        hosts: "{{ ansible_play_hosts_all }}"
        status_var: f2b
        output_dir: "{{ out }}"
        city_db: "{{ city_db }}"
        asn_db: "{{ asn_db }}"
      run_once: true
      delegate_to: localhost
      register: report

    - name: Hand the result to the test
      ansible.builtin.copy:
        content: "{{ report | to_json }}"
        dest: "{{ out }}.result.json"
        mode: "0644"
      run_once: true
      delegate_to: localhost
      check_mode: false
"""


def run_playbook(tmp_path, *extra, inventory=None, **variables):
    (tmp_path / "inventory.yml").write_text(json.dumps(inventory or INVENTORY))
    (tmp_path / "playbook.yml").write_text(PLAYBOOK)
    env = dict(os.environ)
    env["ANSIBLE_COLLECTIONS_PATH"] = os.environ.get("FORTRESS_COLLECTIONS", os.path.join(ROOT, ".collections"))
    env["ANSIBLE_CONFIG"] = os.path.join(ROOT, "ansible.cfg")
    env["ANSIBLE_NOCOLOR"] = "1"
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    command = [playbook, "-i", str(tmp_path / "inventory.yml"), str(tmp_path / "playbook.yml"),
               "-e", json.dumps(variables)] + list(extra)
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=str(tmp_path),
                          timeout=300, check=False)


@pytest.fixture
def dbs(tmp_path):
    return {"city_db": write_location_db(tmp_path / "city.mmdb"), "asn_db": write_asn_db(tmp_path / "asn.mmdb")}


def test_report_from_hostvars(tmp_path, dbs):
    out = str(tmp_path / "report")
    done = run_playbook(tmp_path, out=out, **dbs)
    assert done.returncode == 0, done.stdout.decode()
    with open(out + ".result.json") as handle:
        result = json.load(handle)
    assert result["changed"] is True
    totals = result["totals"]
    assert (totals["hosts"], totals["hosts_reporting"], totals["unique_banned_ips"], totals["bans"]) == (3, 2, 3, 5)
    assert [m["host"] for m in result["hosts_missing"]] == ["web3"]
    assert dict((r["key"], r["count"]) for r in result["top"]["countries"]) == {"US": 1, "FR": 1, "unknown": 1}
    assert sorted(os.listdir(out)) == [
        ".ban_report_state.json", "cities.csv", "countries.csv", "history_addresses.csv", "history_hosts.csv",
        "history_timeline.csv", "history_timeline_jails.csv", "hosts.csv", "ips.csv", "jails.csv",
        "organisations.csv", "report.html", "report.json"]
    with open(os.path.join(out, "report.json")) as handle:
        ips = dict((row["ip"], row) for row in json.load(handle)["ips"])
    assert ips["198.51.100.1"]["banned_by"] == {"web1": ["nginx-4xx", "sshd"], "web2": ["sshd"]}


def test_check_mode_writes_nothing(tmp_path, dbs):
    out = str(tmp_path / "report")
    done = run_playbook(tmp_path, "--check", out=out, **dbs)
    assert done.returncode == 0, done.stdout.decode()
    assert not os.path.exists(out)
    with open(out + ".result.json") as handle:
        assert "report.html" in json.load(handle)["changed_files"]


def test_wrong_database_fails_the_task_with_its_message(tmp_path, dbs):
    done = run_playbook(tmp_path, out=str(tmp_path / "report"), city_db=dbs["asn_db"], asn_db=dbs["asn_db"])
    output = done.stdout.decode()
    assert done.returncode != 0
    assert "city_db:" in output and "is a 'GeoLite2-ASN' database; this option needs a City or Country database" in output


def test_bans_of_each_hosts_protected_addresses_are_reported(tmp_path, dbs):
    inventory = json.loads(json.dumps(INVENTORY))
    hosts = inventory["all"]["hosts"]
    # web1 protects the network of an address its sshd jail banned. web2 protects that address too,
    # as a trusted proxy, but never banned it; it did ban an address of the IPv6 network it protects.
    hosts["web1"]["fail2ban_nginx_never_ban"] = ["10.0.0.0/24", "192.0.2.1"]
    hosts["web2"]["fail2ban_nginx_trusted_proxies"] = ["10.0.0.1", "2001:db8:1::/64"]
    out = str(tmp_path / "report")
    done = run_playbook(tmp_path, inventory=inventory, out=out, **dbs)
    output = done.stdout.decode()
    assert done.returncode == 0, output
    with open(out + ".result.json") as handle:
        result = json.load(handle)
    assert result["protected_banned"] == [
        {"ip": "10.0.0.1", "host": "web1", "jails": ["sshd"], "network": "10.0.0.0/24"},
        {"ip": "2001:db8:1::7", "host": "web2", "jails": ["sshd"], "network": "2001:db8:1::/64"},
    ]
    assert result["totals"]["protected_banned"] == 2
    assert "web1 banned 10.0.0.1 (jails: sshd), which 10.0.0.0/24 protects" in " ".join(output.split())
    with open(os.path.join(out, "report.html")) as handle:
        assert "2 ban(s) of protected addresses" in handle.read()


def test_a_protected_variable_that_is_not_a_list_fails_clearly(tmp_path, dbs):
    inventory = json.loads(json.dumps(INVENTORY))
    inventory["all"]["hosts"]["web2"]["fail2ban_nginx_never_ban"] = "10.0.0.1"
    done = run_playbook(tmp_path, inventory=inventory, out=str(tmp_path / "report"), **dbs)
    assert done.returncode != 0
    assert "protected_hostvars: web2's fail2ban_nginx_never_ban is not a list" in done.stdout.decode()
