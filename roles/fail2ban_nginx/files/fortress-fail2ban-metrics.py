# Installed by fortress.nginx.fail2ban_nginx; run with the system python3 by the systemd timer
# fortress-fail2ban-metrics.timer. Managed by Ansible (fortress.nginx.fail2ban_nginx).
# Reads fail2ban over its socket with the status module's own reader (fortress_fail2ban.py, a copy
# of the collection's module_utils/fail2ban.py) and writes node_exporter's textfile-collector file
# atomically (fortress_fail2ban_metrics.py). fail2ban down is a metric (up 0), not an error.
#
#   fortress-fail2ban-metrics.py --output FILE.prom --backend BANACTION [--socket PATH]
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fortress_fail2ban as fail2ban  # noqa: E402  pylint: disable=wrong-import-position
import fortress_fail2ban_metrics as metrics  # noqa: E402  pylint: disable=wrong-import-position


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--socket", default=fail2ban.DEFAULT_SOCKET)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    started, now = time.monotonic(), time.time()
    report, error = None, None
    try:
        report = fail2ban.collect_via_socket(args.socket, timeout=args.timeout)
    except (fail2ban.Fail2banError, OSError, ValueError) as exc:
        error = exc
    previous = None
    try:
        with open(args.output) as handle:
            previous = handle.read()
    except OSError:
        pass
    text = metrics.render_metrics(report, args.backend, now, time.monotonic() - started,
                                  last_success=metrics.last_success_from(previous), error=error)
    metrics.write_atomically(args.output, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
