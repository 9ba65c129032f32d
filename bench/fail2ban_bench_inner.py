"""Runs INSIDE the benchmark container with the system python3 (which imports fail2ban), next to a
copy of plugins/module_utils/fail2ban.py (stdlib only, so it imports without Ansible).
  inner.py count     -> total currently banned over all jails
  inner.py time N    -> JSON: median seconds of the bare socket call, the bare CLI call, and a whole
                        python3 process doing the socket call
"""
import json
import statistics
import subprocess
import sys
import time

sys.path.insert(0, "/opt/bench")
import fail2ban_utils  # noqa: E402 pylint: disable=wrong-import-position


def run_command(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def seconds(call, repeat):
    samples = []
    for dummy in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main():
    if sys.argv[1] == "count":
        print(fail2ban_utils.collect_via_socket()["totals"]["currently_banned"])
        return
    repeat = int(sys.argv[2])
    process = [sys.executable, "-c", "import sys; sys.path.insert(0, '/opt/bench'); import fail2ban_utils; "
               "fail2ban_utils.collect_via_socket()"]
    print(json.dumps({
        "utils_socket": seconds(fail2ban_utils.collect_via_socket, repeat),
        "utils_cli": seconds(lambda: fail2ban_utils.collect_via_cli(run_command, "fail2ban-client"), repeat),
        "process_socket": seconds(lambda: subprocess.run(process, check=True), repeat),
    }))


if __name__ == "__main__":
    main()
