# Installed by fortress.nginx.fail2ban_nginx; run with the system python3 by the systemd timer
# fortress-notify.timer. Managed by Ansible (fortress.nginx.fail2ban_nginx).
# Sends the bans fail2ban's action fortress-notify spooled since the last run as ONE webhook
# message (fortress_notify.py, a copy of the collection's module_utils/fail2ban_notify.py). The URL
# is read from a root-only file, never from the command line (ps) or a log. A failed post keeps
# the batch for the next run.
#
#   fortress-notify.py --spool FILE --url-file FILE [--shape generic|slack] [--max-addresses N]
import argparse
import os
import socket
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fortress_notify as notify  # noqa: E402  pylint: disable=wrong-import-position


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spool", required=True)
    parser.add_argument("--url-file", required=True)
    parser.add_argument("--shape", choices=["generic", "slack"], default="generic")
    parser.add_argument("--max-addresses", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    sending = args.spool + ".sending"
    bans, rejected = notify.parse_spool(notify.take_spool(args.spool, sending))
    document = notify.build_message(bans, socket.getfqdn(), args.max_addresses, args.shape, rejected)
    if document is None:
        if os.path.exists(sending):
            os.unlink(sending)
        return 0
    with open(args.url_file) as handle:
        url = handle.read().strip()
    request = urllib.request.Request(url, data=notify.encode(document), method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "fortress.nginx-notify"})
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as answer:  # nosec: the operator's own URL
            answer.read(1024)
    except (OSError, ValueError) as exc:
        # The URL may carry a secret token: name the host only.
        print("fortress-notify: the webhook at %s did not take the message (%s); kept for the next run"
              % (urllib.parse.urlparse(url).hostname, type(exc).__name__), file=sys.stderr)
        return 1
    os.unlink(sending)
    return 0


if __name__ == "__main__":
    sys.exit(main())
