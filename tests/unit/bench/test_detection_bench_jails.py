# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""bench/detection_bench.py replays the role's jails as the role defines them: when the jails' logpath
became a template (issue #16), the bench took every jail for an error-log jail and measured ours at
0 % for a while. This keeps the bench's reading of roles/fail2ban_nginx/defaults in step."""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import detection_bench  # noqa: E402  pylint: disable=wrong-import-position


def test_the_bench_replays_the_roles_access_log_jails():
    jails = dict((jail["jail"], jail) for jail in detection_bench.our_jails())
    access = sorted(name for name, jail in jails.items() if jail["log"] == "access")
    assert access == ["nginx-4xx", "nginx-botsearch", "nginx-probe", "nginx-protocol"]
    assert "nginx-http-auth" in jails and jails["nginx-http-auth"]["log"] == "error"
    assert all(jail["maxretry"] >= 1 and jail["findtime"] > 0 for jail in jails.values())
