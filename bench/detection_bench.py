"""Who gets banned on real traffic (issue 11): our filters vs the article's vs Debian's packaged ones.

For every log of the real-log corpus (bench/corpus/sources.yml; labels from bench/label_corpus.py),
each filter runs through fail2ban's own code (the unpacked fail2ban-regex of
scripts/ensure-fail2ban-regex.sh, `--out '<ip>\t<time>\t<msg>'`), then each jail's maxretry and
findtime are replayed per client over the log's timestamps the way fail2ban's FailManager counts
(the window opens at a client's first failure and restarts once findtime has passed; maxretry
failures inside it ban). A client is banned by a filter set when any jail of the set bans it.

Prints, side by side: recall over all attackers, over attackers with >= 5 requests, the legitimate
clients that would be banned (with the lines that matched), and lines/s per filter. Asserts
nothing; figures are recorded in docs/filters.md.

    source scripts/env.sh; bash scripts/ensure-fail2ban-regex.sh
    bash bench/corpus/fetch_external.sh      # optional: the logs we may not commit
    python bench/label_corpus.py             # only after changing the corpus or the rules
    python bench/detection_bench.py [--show 10] [--workdir DIR]
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
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "filters"))

import corpus_lib as cl  # noqa: E402
import fail2ban_harness as h  # noqa: E402
from filter_throughput import ARTICLE_FILTERS  # noqa: E402  (the article's filters, verbatim)

ROLE_DEFAULTS = h.ROLE / "defaults" / "main"
SEED = Path("/work/shared/seed/000_18eddccacfdc90a2.txt")


def seconds(value) -> int:
    """fail2ban time abbreviations as the role and Debian use them: 600, 10m, 1h, 1d, 1w."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", str(value))
    if not m:
        raise ValueError(f"unsupported duration {value!r}")
    return int(m[1]) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m[2]]


def our_jails() -> list[dict]:
    """The role's enabled nginx jails with the role's defaults filled in (jails.yml, main.yml)."""
    main = yaml.safe_load((ROLE_DEFAULTS / "main.yml").read_text(encoding="utf-8"))
    jails = yaml.safe_load((ROLE_DEFAULTS / "jails.yml").read_text(encoding="utf-8"))["fail2ban_nginx_jails_default"]
    out = []
    for j in jails:
        if not j.get("enabled", True) or not j["name"].startswith("nginx"):
            continue
        # A list of paths, or (since the role finds the logs nginx writes) a template naming the
        # role's access-log or error-log list: fail2ban_nginx__access_logs / __error_logs.
        logs = j.get("logpath", [])
        logs = logs if isinstance(logs, str) else " ".join(logs)
        if "access_log" not in logs and "error_log" not in logs:
            raise SystemExit(f"jail {j['name']}: cannot tell which log {logs!r} is")
        out.append({"jail": j["name"], "filter": j["filter"],
                    "log": "access" if "access_log" in logs else "error",
                    "maxretry": int(j.get("maxretry", main["fail2ban_nginx_maxretry"])),
                    "findtime": seconds(j.get("findtime", main["fail2ban_nginx_findtime"]))})
    return out


def debian_jails() -> list[dict]:
    """Debian's jail.conf: [DEFAULT] maxretry/findtime (no nginx jail overrides them in 1.0.2)."""
    text = (h.FAIL2BAN_ETC / "jail.conf").read_text(encoding="utf-8")
    default = re.split(r"^\[DEFAULT\]\s*$", text, maxsplit=1, flags=re.M)[1].split("\n[", 1)[0]
    maxretry = int(re.search(r"^maxretry\s*=\s*(\S+)", default, re.M)[1])
    findtime = seconds(re.search(r"^findtime\s*=\s*(\S+)", default, re.M)[1])
    jails = []
    for name in ("nginx-botsearch", "nginx-bad-request", "nginx-http-auth", "nginx-limit-req"):
        section = text.split(f"\n[{name}]", 1)[1].split("\n[", 1)[0]
        own = re.search(r"^maxretry\s*=\s*(\d+)", section, re.M)
        # Debian points nginx-botsearch at the error log; its filter also has an access-log regex,
        # and the corpus is access logs: it is run on those (noted in the output).
        log = "access" if name in ("nginx-botsearch", "nginx-bad-request") else "error"
        jails.append({"jail": name, "filter": name, "log": log,
                      "maxretry": int(own[1]) if own else maxretry, "findtime": findtime})
    return jails


def article_jails() -> list[dict]:
    """The article's [DEFAULT] (maxretry = 1, findtime = 1d) and its nginx jails, as intended:
    as printed, its nginx-4xx jail reads the error log (an access-log regex: nothing matches) and
    its botsearch/sslerror filters do not load (unindented continuation lines). Its botsearch,
    http-auth and limit-req filters are Debian's packaged files."""
    maxretry, findtime = 1, 86400
    if SEED.exists():
        default = SEED.read_text(encoding="utf-8").split("[DEFAULT]", 1)[1][:400]
        maxretry = int(re.search(r"maxretry\s*=\s*(\d+)", default)[1])
        findtime = seconds(re.search(r"findtime\s*=\s*(\w+)", default)[1])
    return [
        {"jail": "nginx-4xx", "filter": "article-nginx-4xx", "log": "access", "maxretry": maxretry, "findtime": findtime},
        {"jail": "nginx-botsearch", "filter": "nginx-botsearch", "log": "access", "maxretry": maxretry, "findtime": findtime},
        {"jail": "nginx-http-auth", "filter": "nginx-http-auth", "log": "error", "maxretry": maxretry, "findtime": findtime},
        {"jail": "nginx-forbidden", "filter": "article-nginx-forbidden", "log": "error", "maxretry": maxretry, "findtime": findtime},
        {"jail": "nginx-sslerror", "filter": "article-nginx-sslerror", "log": "error", "maxretry": maxretry, "findtime": findtime},
    ]


def run_filter(config: Path, log: Path, name: str) -> tuple[list[h.Match], float]:
    """fail2ban-regex on one log: its matches and the CPU seconds (user+sys) it took."""
    # As tests/filters/fail2ban_harness.run_regex, but rows split at "\n" only: real request lines
    # carry \r, \x0b or \x85 bytes that str.splitlines() would cut.
    cmd = [str(h.FAIL2BAN_REGEX), "-c", str(config), "--timezone", "UTC", "-r", "--out", h.OUT_FORMAT, str(log), name]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="surrogateescape", check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    matches = []
    for row in proc.stdout.split("\n"):
        if row:
            host, when, line = row.split("\t", 2)
            matches.append(h.Match(host, float(when), line))
    return matches, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bans(matches: list[h.Match], maxretry: int, findtime: int) -> dict[str, float]:
    """ip -> time of its first ban, replaying fail2ban's FailManager over the failure times."""
    times: dict[str, list[float]] = collections.defaultdict(list)
    for m in matches:
        times[m.host].append(m.time)
    banned = {}
    for ip, ts in times.items():
        start, count = None, 0
        for t in sorted(ts):
            if start is None or start < t - findtime:
                start, count = t, 0
            count += 1
            if count >= maxretry:
                banned[ip] = t
                break
    return banned


def pct(num: int, den: int) -> str:
    return f"{num:,}/{den:,} {100 * num / den:5.1f}%" if den else "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", type=int, default=10, help="legitimate banned clients listed per filter set")
    ap.add_argument("--workdir", default="", help="keep the logs and config here (default: a temp dir)")
    args = ap.parse_args()
    if not h.FAIL2BAN_REGEX.exists():
        raise SystemExit(f"{h.FAIL2BAN_REGEX} missing: run `bash scripts/ensure-fail2ban-regex.sh` first")

    work = Path(args.workdir or tempfile.mkdtemp(prefix="fortress-detection-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    config = h.make_config_dir(work / "etc", h.load_filters())
    for name, text in ARTICLE_FILTERS.items():
        (config / "filter.d" / f"{name}.conf").write_text(text, encoding="utf-8")
    sets = {"ours": our_jails(), "article": article_jails(), "debian": debian_jails()}

    logs, labels, skipped = {}, {}, []
    for src in cl.sources():
        path = cl.source_path(src)
        if path is None:
            skipped.append(src["id"])
            continue
        plain = work / f"{src['id']}.log"
        plain.write_text("\n".join(cl.read_lines(path)) + "\n", encoding="utf-8", errors="surrogateescape")
        logs[src["id"]] = (plain, len(cl.read_lines(path)), src)
        labels[src["id"]] = cl.read_labels(src["id"])

    # Every (filter, source) once: matches and CPU.
    filters = sorted({(j["filter"], j["log"]) for js in sets.values() for j in js if j["log"] == "access"})
    matches: dict[tuple[str, str], list[h.Match]] = {}
    speed: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0, 0])
    for name, _log in filters:
        for sid, (plain, nlines, _src) in logs.items():
            found, cpu = run_filter(config, plain, name)
            matches[(name, sid)] = found
            speed[name][0] += nlines
            speed[name][1] += cpu
            speed[name][2] += len(found)

    version = subprocess.run([str(h.FAIL2BAN_REGEX), "-V"], capture_output=True, text=True, check=True).stdout.strip()
    total_lines = sum(n for _p, n, _s in logs.values())
    print(f"fail2ban-regex {version}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"corpus: {total_lines:,} lines from {len(logs)} real logs ({', '.join(logs)})"
          + (f"; not present: {', '.join(skipped)} (bash bench/corpus/fetch_external.sh)" if skipped else ""))
    print("labels: bench/corpus/labels/*.tsv (+ labels_override.tsv); rules in docs/filters.md. Unknown clients are left out.\n")

    print("jails replayed (access-log jails only: the corpus holds no real nginx error log)")
    for set_name, js in sets.items():
        used = [f"{j['jail']}={j['filter']} ({j['maxretry']}/{j['findtime']}s)" for j in js if j["log"] == "access"]
        unused = [j["jail"] for j in js if j["log"] != "access"]
        print(f"  {set_name:<8} " + ", ".join(used) + (f"; not measured (error log): {', '.join(unused)}" if unused else ""))
    print("  article: as printed, its nginx-4xx jail reads the error log and its botsearch filter does not load, so it bans\n"
          "           nobody from an access log; measured here as intended (4xx on the access log, Debian's botsearch file).")
    print("  debian: Debian's [nginx-botsearch] jail reads the error log by default; its filter's access-log regex is used.\n")

    # Per set: who is banned, by which jail.
    banned: dict[str, dict[tuple[str, str], list[str]]] = {}
    for set_name, js in sets.items():
        b: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
        for j in js:
            if j["log"] != "access":
                continue
            for sid in logs:
                for ip in bans(matches[(j["filter"], sid)], j["maxretry"], j["findtime"]):
                    b[(sid, ip)].append(j["jail"])
        banned[set_name] = b

    def row(title: str, pick) -> None:
        cells = []
        for set_name in sets:
            num = den = 0
            for sid in logs:
                for ip, lab in labels[sid].items():
                    if pick(sid, lab):
                        den += 1
                        num += (sid, ip) in banned[set_name]
            cells.append(pct(num, den))
        print(f"{title:<38}" + "".join(f"{c:>22}" for c in cells))

    header = f"{'':<38}" + "".join(f"{s:>22}" for s in sets)
    print(header)
    print("-" * len(header))
    row("attackers banned", lambda sid, lab: lab["label"] == "attacker")
    row("attackers (>= 5 requests) banned", lambda sid, lab: lab["label"] == "attacker" and lab["requests"] >= 5)
    row("legitimate clients banned", lambda sid, lab: lab["label"] == "legit")
    row("unknown clients banned (not scored)", lambda sid, lab: lab["label"] == "unknown")
    for sid in logs:
        row(f"  {sid}: attackers", lambda s, lab, sid=sid: s == sid and lab["label"] == "attacker")
        row(f"  {sid}: attackers >= 5 req.", lambda s, lab, sid=sid: s == sid and lab["label"] == "attacker" and lab["requests"] >= 5)
        row(f"  {sid}: legitimate", lambda s, lab, sid=sid: s == sid and lab["label"] == "legit")

    print(f"\n{'filter':<26} {'lines':>8} {'CPU s':>7} {'lines/s':>9} {'matched':>8}   (lines/s: lines per CPU second of fail2ban-regex, start-up included)")
    for name, _log in filters:
        nlines, cpu, found = speed[name]
        print(f"{name:<26} {nlines:>8,} {cpu:>7.1f} {nlines / cpu if cpu else 0:>9,.0f} {found:>8,}")

    for set_name, js in sets.items():
        legit = [(sid, ip) for (sid, ip) in banned[set_name] if labels[sid].get(ip, {}).get("label") == "legit"]
        print(f"\n{set_name}: {len(legit)} legitimate client(s) banned" + (":" if legit else "."))
        for sid, ip in sorted(legit)[: args.show]:
            lab = labels[sid][ip]
            print(f"  {sid} {ip} ({lab['rule']}, {lab['requests']} requests) by {', '.join(banned[set_name][(sid, ip)])}")
            jail_filters = {j["filter"] for j in js if j["jail"] in banned[set_name][(sid, ip)]}
            shown = [m.line for f in sorted(jail_filters) for m in matches[(f, sid)] if m.host == ip]
            for line in shown[:3]:
                print(f"      {line[:200]}")
            if len(shown) > 3:
                print(f"      ... {len(shown) - 3} more matched line(s)")
        if len(legit) > args.show:
            print(f"  ... {len(legit) - args.show} more (--show N)")
    if args.workdir:
        print(f"\nlogs and config kept in {work}")


if __name__ == "__main__":
    main()
