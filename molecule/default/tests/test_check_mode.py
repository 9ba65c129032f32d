"""Check mode tells the truth on a converged host: nothing would change."""
import os
import re
import subprocess

import pytest
import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("fortress")


@pytest.fixture(scope="module")
def check_run():
    """playbooks/site.yml in check mode with --diff, once: (output, {task name: changed?})."""
    result = subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "--check", "--diff", "fortress.nginx.site"],
        capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    changed_tasks = []
    task = None
    for line in result.stdout.splitlines():
        header = re.match(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \*+$", line)
        if header:
            task = header.group(1)
        elif line.startswith("changed:") and task not in changed_tasks:
            changed_tasks.append(task)
    return result.stdout, changed_tasks


def test_check_mode_reports_no_change_in_ufw_baseline(host, check_run):
    _output, changed_tasks = check_run
    assert [task for task in changed_tasks if task.startswith("fortress.nginx.ufw_baseline")] == []


def test_check_mode_reports_no_change_in_site(host, check_run):
    output, changed_tasks = check_run
    assert changed_tasks == [], output[-3000:]
