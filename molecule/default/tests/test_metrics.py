"""Prometheus metrics (issue #14): on the target that turns them on, a systemd timer writes
node_exporter's textfile-collector file from fail2ban's own answers; the official parser reads it,
and its numbers are fail2ban's. The other targets have no timer."""
import os
import re
import time

import testinfra.utils.ansible_runner
from prometheus_client.parser import text_string_to_metric_families

from conftest import banned_in, wait_for

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("fortress")

PROM = "/var/lib/prometheus/node-exporter/fortress_fail2ban.prom"


def metrics_on(host):
    return host.backend.get_hostname().endswith("bookworm")


def read_metrics(host):
    families = text_string_to_metric_families(host.file(PROM).content_string)
    return dict((family.name, family) for family in families)


def by_jail(family, suffix=""):
    return dict((s.labels["jail"], s.value) for s in family.samples if s.name.endswith(suffix))


def test_the_timer_runs_only_where_metrics_are_on(host):
    timer = host.service("fortress-fail2ban-metrics.timer")
    if metrics_on(host):
        assert timer.is_enabled and timer.is_running
    else:
        assert not host.file("/etc/systemd/system/fortress-fail2ban-metrics.timer").exists
        assert not host.file(PROM).exists


def test_the_metrics_are_fail2bans_own_numbers(host):
    if not metrics_on(host):
        return
    host.run("fail2ban-client unban --all")
    host.check_output("fail2ban-client set nginx-4xx banip 198.51.100.61")
    # The timer rewrites the file every 5 s: wait for one written after the ban.
    assert wait_for(lambda: by_jail(read_metrics(host)["fortress_fail2ban_jail_banned"]).get("nginx-4xx") == 1.0, 30)
    metrics = read_metrics(host)
    assert [s.value for s in metrics["fortress_fail2ban_up"].samples] == [1.0]
    info = metrics["fortress_fail2ban_info"].samples[0].labels
    assert info["version"] == host.check_output("fail2ban-client version").strip()
    # The label is the role's variable; jail.local names the Python action fortress-nftables.py.
    written = re.search(r"^banaction = (\S+?)(\.py)?(\[.*)?$", host.file("/etc/fail2ban/jail.d/fortress-nginx.local").content_string, re.M)
    assert written and written.group(1) == info["backend"], written
    jails = host.check_output("fail2ban-client status").split("Jail list:", 1)[1].replace(",", " ").split()
    assert sorted(by_jail(metrics["fortress_fail2ban_jail_banned"])) == sorted(jails)
    for jail in jails:
        assert by_jail(metrics["fortress_fail2ban_jail_banned"])[jail] == len(banned_in(host, jail))
    assert by_jail(metrics["fortress_fail2ban_jail_bans"], "_total")["nginx-4xx"] >= 1
    assert "198.51.100.61" not in host.file(PROM).content_string
    last = [s.value for s in metrics["fortress_fail2ban_last_success_timestamp_seconds"].samples][0]
    assert abs(time.time() - last) < 60
    host.run("fail2ban-client unban --all")
