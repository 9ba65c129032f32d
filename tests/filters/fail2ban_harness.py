"""Render the role's fail2ban filters and run fail2ban-regex on sample logs.

Shared by tests/filters/test_filters.py and bench/filter_throughput.py. Needs jinja2 and PyYAML
(both in the project venv) and the fail2ban-regex that scripts/ensure-fail2ban-regex.sh unpacks
(override its path with FORTRESS_FAIL2BAN_REGEX, its pristine config dir with FORTRESS_FAIL2BAN_ETC).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import jinja2.meta
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLE = ROOT / "roles" / "fail2ban_nginx"
FILTERS_YML = ROLE / "defaults" / "main" / "filters.yml"
TEMPLATE = ROLE / "templates" / "filter.conf.j2"
# FORTRESS_FAIL2BAN_RELEASE=bullseye|trixie: that Debian release's fail2ban, run in its local image
# (prepare it with `bash scripts/ensure-fail2ban-regex.sh bullseye`); default: the host's.
_F2B_DIR = ROOT / ".build" / "fail2ban" / os.environ.get("FORTRESS_FAIL2BAN_RELEASE", "")
FAIL2BAN_REGEX = Path(os.environ.get("FORTRESS_FAIL2BAN_REGEX", _F2B_DIR / "bin" / "fail2ban-regex"))
FAIL2BAN_ETC = Path(os.environ.get("FORTRESS_FAIL2BAN_ETC", _F2B_DIR / "etc"))
# One output row per match: the banned address, the epoch time, and the original line.
OUT_FORMAT = "<ip>\t<time>\t<msg>"


def role_defaults(overrides: dict | None = None) -> dict:
    """Every variable of the role's defaults/main/*.yml (raw, templates unresolved), plus overrides."""
    raw: dict = {}
    for path in sorted(FILTERS_YML.parent.glob("*.yml")):
        raw.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    raw.update(overrides or {})
    return raw


_JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined)


def resolve(value, raw: dict, _done: dict | None = None, _stack: tuple = ()):
    """Resolve Jinja2 templates in role defaults as Ansible does when it reads a variable: strings
    holding {{ }} or {% %} are rendered with the variables they name, resolved first (recursively).
    The role's computed defaults only ever yield strings, so no native-type conversion is needed."""
    done = {} if _done is None else _done
    if isinstance(value, dict):
        return {k: resolve(v, raw, done, _stack) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, raw, done, _stack) for v in value]
    if not isinstance(value, str) or ("{{" not in value and "{%" not in value):
        return value
    names = jinja2.meta.find_undeclared_variables(_JINJA.parse(value))
    ctx = {}
    for n in names:
        if n not in raw:
            continue
        if n not in done:
            if n in _stack:
                raise ValueError(f"recursive variable {n}")
            done[n] = resolve(raw[n], raw, done, _stack + (n,))
        ctx[n] = done[n]
    return _JINJA.from_string(value).render(ctx)


def load_filters(overrides: dict | None = None) -> list[dict]:
    """The role's default filter list, as Ansible would load it (templates in it resolved against
    the role's defaults; `overrides` sets variables, e.g. fail2ban_nginx_access_log_format)."""
    raw = role_defaults(overrides)
    return resolve(raw["fail2ban_nginx_filters_default"], raw)


def render_filter(filter_dict: dict) -> str:
    """filter.conf.j2 rendered the way Ansible's template module renders it (trim_blocks)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE.parent)),
        trim_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(TEMPLATE.name).render(fail2ban_nginx_filter=filter_dict)


def make_config_dir(dest: Path, filters: list[dict]) -> Path:
    """A fail2ban config dir: the package's pristine files plus our rendered filters."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(FAIL2BAN_ETC, dest, symlinks=False)
    for f in filters:
        (dest / "filter.d" / f"{f['name']}.conf").write_text(render_filter(f), encoding="utf-8")
    return dest


@dataclass
class Match:
    host: str
    time: float
    line: str


def run_regex(config_dir: Path, log: Path, filter_name: str, *extra: str, timeout: float | None = None) -> list[Match]:
    """Every (host, time, line) that the filter reports for log, via fail2ban-regex --out."""
    cmd = [
        str(FAIL2BAN_REGEX), "-c", str(config_dir), "--timezone", "UTC", "-r",
        "--out", OUT_FORMAT, *extra, str(log), filter_name,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="surrogateescape", timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    matches = []
    for row in proc.stdout.splitlines():
        host, when, line = row.split("\t", 2)
        matches.append(Match(host, float(when), line))
    return matches


@dataclass
class Sample:
    """One log line of a failJSON-annotated sample file."""

    line: str
    expect: dict
    lineno: int
    options: list = field(default_factory=list)  # the file's current `# filterOptions:` value


def read_samples(path: Path) -> list[Sample]:
    """Parse fail2ban's sample format: `# failJSON: {...}` annotates the next non-comment line."""
    samples = []
    expect = None
    options: list = [{}]
    for lineno, raw in enumerate(path.read_text(encoding="utf-8", errors="surrogateescape").splitlines(), 1):
        if raw.startswith("# failJSON:"):
            expect = json.loads(raw.split(":", 1)[1])
        elif raw.startswith("# filterOptions:"):
            options = json.loads(raw.split(":", 1)[1])
        elif raw.startswith("#") or not raw.strip():
            continue
        else:
            if expect is None:
                raise ValueError(f"{path}:{lineno}: log line without a failJSON annotation")
            samples.append(Sample(raw, expect, lineno, options))
            expect = None
    return samples
