"""Feed lines to a fail2ban filter the way fail2ban's systemd (journal) backend does.

Run with the unpacked fail2ban on PYTHONPATH:  python3 journal_probe.py CONFIG_DIR FILTER [--json [--raw-newlines]] < entries
Each input is a journal entry as fail2ban formats it ("host ident[pid]: MESSAGE"); the date
comes from the journal, so no datepattern is applied and nginx's own date stays in the message.
Prints one JSON list of banned hosts per entry.

Plain input: one entry per line. --json: one JSON string per line, so an entry may hold newlines
(an nginx message carrying a decoded %0A, sent as one syslog message). fail2ban's journal backend
(formatJournalEntry, 0.10.5 and later: 0.11.2, 1.0.2, 1.1.0) turns each newline of MESSAGE into the
two characters backslash and n before any regex sees it; the probe does the same. --raw-newlines
hands the newlines over unchanged instead (a stricter case: `.` in a regex stops there).
"""

import json
import sys

from fail2ban.client.fail2banregex import Fail2banRegex, get_opt_parser

JOURNAL_TIME = 1795687200.0  # 2026-11-26T10:00:00Z, as the journal would give it


def main():
    config_dir, filter_name = sys.argv[1], sys.argv[2]
    as_json = "--json" in sys.argv[3:]
    raw_newlines = "--raw-newlines" in sys.argv[3:]
    opts, _args = get_opt_parser().parse_args(["-c", config_dir, "-r", "--out", "ip", "-", filter_name])
    tester = Fail2banRegex(opts)
    if not tester.readRegex(filter_name, "fail"):
        raise SystemExit(f"cannot load filter {filter_name}")
    for raw in sys.stdin.read().splitlines():
        entry = json.loads(raw) if as_json else raw
        if not raw_newlines:
            entry = entry.replace("\n", "\\n")  # what fail2ban's FilterSystemd.formatJournalEntry does
        found = tester._filter.processLine(("", "2026-11-26T10:00:00 ", entry), JOURNAL_TIME)  # pylint: disable=protected-access
        print(json.dumps([str(fail[1]) for fail in found]))


if __name__ == "__main__":
    main()
