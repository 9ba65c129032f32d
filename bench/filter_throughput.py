"""fail2ban-regex throughput and accuracy of the role's filters (issue 6 §8). Prints a table.

Generates a realistic nginx access log, nginx error log and UFW log (bench/generate_logs.py,
deterministic), then runs the real fail2ban-regex (scripts/ensure-fail2ban-regex.sh) end to end on
each with each of our filters, beside the article's filters (copied from the article as test data)
and Debian's packaged ones where they do the same job. For every run: wall time, lines/s, lines
matched, and against the generator's ground truth, probes missed and innocent lines matched.
No assertions: the figures are recorded in docs/filters.md.

    source scripts/env.sh; bash scripts/ensure-fail2ban-regex.sh
    python bench/filter_throughput.py [--lines 200000] [--only fortress-nginx-4xx,...]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "filters"))

import fail2ban_harness as h  # noqa: E402
import generate_logs  # noqa: E402

# The article's filters, verbatim (its step 8), as test data. Its nginx-botsearch and
# nginx-http-auth/limit-req are Debian's packaged files, benchmarked under their own names.
ARTICLE_FILTERS = {
    "article-nginx-4xx": (
        "[Definition]\n"
        "failregex = ^<HOST>.*\"(GET|POST).*\" (404|444|403|400) .*$\n"
        "\n"
        "ignoreregex = .*(robots.txt|favicon.ico|jpg|png)\n"
    ),
    "article-nginx-forbidden": (
        "[Definition]\n"
        "failregex = directory index of .+ is forbidden, client: <HOST>, server: .+\n"
        "ignoreregex =\n"
    ),
    # The article prints its datepattern's continuation lines unindented: fail2ban refuses to load
    # that file ("Source contains parsing errors"), see ARTICLE_SSLERROR_VERBATIM. Measured here with
    # the continuation lines indented, as the author evidently meant.
    "article-nginx-sslerror": (
        "[Definition]\n"
        "failregex = SSL_do_handshake\\(\\) failed .+ while SSL handshaking, client: <HOST>, server: .+\n"
        "\n"
        "ignoreregex =\n"
        "\n"
        "datepattern = {^LN-BEG}%%ExY(?P<_sep>[-/.])%%m(?P=_sep)%%d[T ]%%H:%%M:%%S(?:[.,]%%f)?(?:\\s*%%z)?\n"
        "              ^[^\\[]*\\[({DATE})\n"
        "              {^LN-BEG}\n"
    ),
}

ARTICLE_SSLERROR_VERBATIM = ARTICLE_FILTERS["article-nginx-sslerror"].replace("              ", "")

# Never match; only the datepattern works: fail2ban's own per-line cost for each log.
FLOOR_FILTERS = {
    "floor-access": "[Definition]\nfailregex = ^NEVER <ADDR>\ndatepattern = ^[^\"]*\\[(%%d/%%b/%%Y:%%H:%%M:%%S %%z)\\] \"\n",
    "floor-error": "[Definition]\nfailregex = ^NEVER <ADDR>\ndatepattern = ^(%%Y/%%m/%%d %%H:%%M:%%S)\n",
    "floor-ufw": "[Definition]\nfailregex = ^NEVER <ADDR>\ndatepattern = ^(%%Y-%%m-%%dT%%H:%%M:%%S(?:\\.%%f)?(?:%%z)?)\n",
}

# (filter, log, job it is judged on)
RUNS = [
    ("floor-access", "access", None),
    ("floor-error", "error", None),
    ("floor-ufw", "ufw", None),
    ("fortress-nginx-4xx", "access", "4xx"),
    ("article-nginx-4xx", "access", "4xx"),
    ("fortress-nginx-botsearch", "access", "botsearch"),
    ("nginx-botsearch", "access", "botsearch"),
    # issue #11's tiers: throughput only (their ground truth is the real-log detection bench's)
    ("fortress-nginx-probe", "access", None),
    ("fortress-nginx-protocol", "access", None),
    ("fortress-nginx-http-auth", "error", "http-auth"),
    ("nginx-http-auth", "error", "http-auth"),
    ("fortress-nginx-botsearch", "error", "botsearch"),
    ("nginx-botsearch", "error", "botsearch"),
    ("fortress-nginx-forbidden", "error", "forbidden"),
    ("article-nginx-forbidden", "error", "forbidden"),
    ("fortress-nginx-sslerror", "error", "sslerror"),
    ("article-nginx-sslerror", "error", "sslerror"),
    ("fortress-nginx-limit-req", "error", "limit-req"),
    ("nginx-limit-req", "error", "limit-req"),
    ("fortress-ufw", "ufw", "ufw"),
]


def _cmd(config_dir: Path, log: Path, name: str, *opts: str) -> list[str]:
    return [str(h.FAIL2BAN_REGEX), "-c", str(config_dir), "--timezone", "UTC", "-r", *opts, str(log), name]


def timed(config_dir: Path, log: Path, name: str) -> tuple[float, float, int]:
    """Wall and CPU seconds (user+sys) of fail2ban-regex in its normal (statistics) mode, and its
    matched-line count. No per-match printing, so the figure is the filter's, not the pipe's."""
    cmd = _cmd(config_dir, log, name, "--print-no-missed", "--print-no-ignored")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="surrogateescape", check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = re.search(r"^Lines: (\d+) lines, (\d+) ignored, (\d+) matched", proc.stdout, re.M)
    if proc.returncode != 0 or not found:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, int(found.group(3))


def matched_lines(config_dir: Path, log: Path, name: str) -> collections.Counter:
    """The lines the filter reports (--out mode), to judge them against the ground truth."""
    cmd = _cmd(config_dir, log, name, "--out", "<msg>")
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="surrogateescape", check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return collections.Counter(proc.stdout.splitlines())


def article_4xx_misses(missed: collections.Counter) -> str:
    """Why the article's nginx-4xx misses probes: its method list, or its ignoreregex firing on
    text outside the request path (query string, referrer, user agent)."""
    method = status = ignored = other = 0
    for line, count in missed.items():
        request = line.split('"')[1]
        parts = request.split(" ")
        if not re.match(r"(GET|POST)", request):
            method += count
        elif line.split('"')[2].split()[0] not in ("404", "444", "403", "400"):
            status += count
        elif re.search(r"robots.txt|favicon.ico|jpg|png", line) and not re.search(r"robots.txt|favicon.ico|jpg|png", parts[1].split("?")[0]):
            ignored += count
        else:
            other += count
    total = method + status + ignored + other
    return (f"article-nginx-4xx misses {total:,} probes: {method:,} for their method or a non-HTTP request line, "
            f"{status:,} for their status (405), {ignored:,} because its ignoreregex found jpg/png/... outside the path "
            f"(query, referrer, user agent), {other:,} other.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200_000, help="lines per generated log")
    ap.add_argument("--only", default="", help="comma-separated filter names to run")
    ap.add_argument("--repeat", type=int, default=1, help="time each run N times, report the least CPU (noisy machines)")
    ap.add_argument("--workdir", default="", help="keep the logs and config here (default: a temp dir)")
    args = ap.parse_args()
    if not h.FAIL2BAN_REGEX.exists():
        raise SystemExit(f"{h.FAIL2BAN_REGEX} missing: run `bash scripts/ensure-fail2ban-regex.sh` first")

    work = Path(args.workdir or tempfile.mkdtemp(prefix="fortress-h2-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    config = h.make_config_dir(work / "etc", h.load_filters())
    for name, text in {**ARTICLE_FILTERS, **FLOOR_FILTERS}.items():
        (config / "filter.d" / f"{name}.conf").write_text(text, encoding="utf-8")

    logs, truth = {}, {}
    for kind, gen in (("access", generate_logs.access_log), ("error", generate_logs.error_log), ("ufw", generate_logs.ufw_log)):
        lines = gen(args.lines)
        logs[kind] = work / f"{kind}.log"
        logs[kind].write_text("".join(line + "\n" for line, _jobs in lines), encoding="utf-8")
        truth[kind] = lines

    version = subprocess.run([str(h.FAIL2BAN_REGEX), "-V"], capture_output=True, text=True, check=True).stdout.strip()
    empty = work / "empty.log"
    empty.write_text("", encoding="utf-8")
    startup = timed(config, empty, "fortress-nginx-4xx")[1]
    verbatim = config / "filter.d" / "article-nginx-sslerror-verbatim.conf"
    verbatim.write_text(ARTICLE_SSLERROR_VERBATIM, encoding="utf-8")
    loads = subprocess.run(_cmd(config, empty, verbatim.stem), capture_output=True, text=True, check=False).returncode == 0
    print(f"fail2ban-regex {version}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
          f"{args.lines:,} lines per log, least CPU of {max(1, args.repeat)} run(s)")
    print("lines/s = lines / CPU seconds (user+sys) of the whole fail2ban-regex run, start-up included "
          f"(start-up alone: {startup:.2f} s CPU); wall seconds depend on the machine's load.")
    print("floor-* = a filter that never matches, with our datepattern: fail2ban's own cost per line.")
    print(f"The article's nginx-sslerror as printed {'loads' if loads else 'does NOT load (parsing error)'}; "
          "measured with its continuation lines indented.\n")
    header = (f"{'filter':<26} {'log':<7} {'wall s':>7} {'CPU s':>6} {'lines/s':>9} "
              f"{'matched':>8} {'expected':>8} {'missed':>7} {'false':>6}")
    print(header)
    print("-" * len(header))
    only = {n for n in args.only.split(",") if n}
    notes: list[str] = []
    for name, kind, job in RUNS:
        if only and name not in only:
            continue
        elapsed, cpu, count = min((timed(config, logs[kind], name) for _run in range(max(1, args.repeat))), key=lambda t: t[1])
        row = f"{name:<26} {kind:<7} {elapsed:>7.1f} {cpu:>6.1f} {args.lines / cpu:>9,.0f} {count:>8,}"
        if job:
            matched = matched_lines(config, logs[kind], name)
            expected = collections.Counter(line for line, jobs in truth[kind] if job in jobs)
            hit = sum((matched & expected).values())
            row += f" {sum(expected.values()):>8,} {sum(expected.values()) - hit:>7,} {sum(matched.values()) - hit:>6,}"
            if name == "article-nginx-4xx":
                notes.append(article_4xx_misses(expected - matched))
        print(row, flush=True)
    for note in notes:
        print(note)
    print(f"\nlogs and config kept in {work}" if args.workdir else "")


if __name__ == "__main__":
    main()
