"""The real-log corpus of issue 11: its sources (bench/corpus/sources.yml), a tolerant parser of the
combined log format, and the ground-truth labels (bench/corpus/labels/<source>.tsv).

Shared by bench/label_corpus.py (writes the labels) and bench/detection_bench.py (reads them).
Nothing here knows any fail2ban filter: the labels must not be made by the thing measured.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "corpus"
EXTERNAL = ROOT / ".build" / "corpus"
LABELS = CORPUS / "labels"
OVERRIDES = CORPUS / "labels_override.tsv"

# $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent ["$referer" "$ua"]
# The request is everything up to the first `" NNN ` (status): nginx escapes quotes inside fields,
# old Apache did not, and a request line may be empty or binary.
LINE = re.compile(
    r'^(?P<ip>\S+) \S+ .*?\[(?P<time>[^\]]+)\] "(?P<request>.*?)" (?P<status>\d{3}) (?P<bytes>\S+)'
    r'(?: "(?P<referer>.*?)" "(?P<ua>.*)")?'
)
IP = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]+)$")


@dataclass
class Request:
    lineno: int
    raw: str
    ip: str
    time: float
    request: str
    method: str
    target: str
    path: str
    status: int
    ua: str


def sources() -> list[dict]:
    with (CORPUS / "sources.yml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["sources"]


def source_path(src: dict) -> Path | None:
    """The log file of a source, or None when an external one has not been fetched."""
    for base in (CORPUS, EXTERNAL):
        p = base / src["file"]
        if p.exists():
            return p
    return None


def read_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="surrogateescape", newline="") as fh:
        text = fh.read()
    # Lines end at "\n" only, as fail2ban reads them (binary request bytes may hold \r, \x0b, \x85).
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def parse_time(stamp: str) -> float:
    return dt.datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").timestamp()


def parse(lines: list[str]) -> list[Request]:
    """Every line with an IP client and a parsable date (hostname clients, as old Apache logged
    them, are left out: no fail2ban filter can ban a name without DNS)."""
    out = []
    for n, raw in enumerate(lines, 1):
        m = LINE.match(raw)
        if not m or not IP.match(m["ip"]):
            continue
        try:
            when = parse_time(m["time"])
        except ValueError:
            continue
        parts = m["request"].split(" ")
        method = parts[0] if len(parts) >= 2 else ""
        target = parts[1] if len(parts) >= 2 else ""
        out.append(Request(n, raw, m["ip"], when, m["request"], method, target,
                           target.split("?", 1)[0], int(m["status"]), m["ua"] or ""))
    return out


def read_labels(source_id: str) -> dict[str, dict]:
    """ip -> {label, rule, requests, evidence} of one source, overrides applied."""
    path = LABELS / f"{source_id}.tsv"
    labels: dict[str, dict] = {}
    if path.exists():
        for row in path.read_text(encoding="utf-8", errors="replace").split("\n")[1:-1]:
            ip, label, rule, requests, evidence = row.split("\t", 4)
            labels[ip] = {"label": label, "rule": rule, "requests": int(requests), "evidence": evidence}
    for src, ip, label, reason in read_overrides():
        if src == source_id and ip in labels:
            labels[ip].update(label=label, rule=f"override: {reason}")
    return labels


def read_overrides() -> list[tuple[str, str, str, str]]:
    rows = []
    if OVERRIDES.exists():
        for row in OVERRIDES.read_text(encoding="utf-8").splitlines():
            if row.strip() and not row.startswith("#"):
                src, ip, label, reason = row.split("\t", 3)
                rows.append((src, ip, label, reason))
    return rows
