"""Feed lines to a fail2ban filter the way fail2ban's systemd (journal) backend does.

Run with the unpacked fail2ban on PYTHONPATH:  python3 journal_probe.py CONFIG_DIR FILTER < lines
Each input line is a journal entry as fail2ban formats it ("host ident[pid]: MESSAGE"); the date
comes from the journal, so no datepattern is applied and nginx's own date stays in the message.
Prints one JSON list of banned hosts per input line.
"""

import json
import sys

from fail2ban.client.fail2banregex import Fail2banRegex, get_opt_parser

JOURNAL_TIME = 1795687200.0  # 2026-11-26T10:00:00Z, as the journal would give it


def main():
    config_dir, filter_name = sys.argv[1], sys.argv[2]
    opts, _args = get_opt_parser().parse_args(["-c", config_dir, "-r", "--out", "ip", "-", filter_name])
    tester = Fail2banRegex(opts)
    if not tester.readRegex(filter_name, "fail"):
        raise SystemExit(f"cannot load filter {filter_name}")
    for raw in sys.stdin.read().splitlines():
        found = tester._filter.processLine(("", "2026-11-26T10:00:00 ", raw), JOURNAL_TIME)  # pylint: disable=protected-access
        print(json.dumps([str(fail[1]) for fail in found]))


if __name__ == "__main__":
    main()
