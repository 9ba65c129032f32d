# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ban report: merge fail2ban_status results of many hosts, geolocate, count, write.

Pure functions over plain data. The unit counted in every table is the distinct banned IP:
an IP banned by three jails on two hosts counts once per country, organisation and city,
once in each jail that banned it and once on each host that banned it.
"""

from __future__ import annotations

import csv
import datetime
import filecmp
import hashlib
import io
import ipaddress
import json
import os
import re
import tempfile

from ansible_collections.fortress.nginx.plugins.module_utils.ban_report_history import ADDRESS_FIELDS, build_history
from ansible_collections.fortress.nginx.plugins.module_utils.geo import UNKNOWN, empty_location, parse_address

SCHEMA = "fortress.nginx.ban_report/1"
TABLES = ("countries", "organisations", "cities", "jails", "hosts")
COUNTER_FIELDS = ("currently_failed", "total_failed", "currently_banned", "total_banned")


class BanReportError(Exception):
    """Input that cannot make a report."""


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _short_message(message, limit=160):
    first_line = str(message or "").strip().splitlines()[0] if str(message or "").strip() else ""
    return first_line if len(first_line) <= limit else first_line[:limit - 3] + "..."


def _usable_result(result):
    """Return (result, reason): the status result, or None and why a host has none."""
    if result is None:
        return None, "no fail2ban_status result (host unreachable, failed or skipped)"
    if not isinstance(result, dict):
        return None, "result is not a mapping"
    if result.get("unreachable"):
        return None, "unreachable: %s" % _short_message(result.get("msg"))
    if result.get("failed"):
        return None, "fail2ban_status failed: %s" % _short_message(result.get("msg"))
    if result.get("skipped"):
        return None, "skipped"
    if not isinstance(result.get("jails"), dict) and not isinstance(result.get("banned_ips"), list):
        return None, "result has neither 'jails' nor 'banned_ips'"
    return result, None


def _add_ban(ips, ip, host, jail):
    """Record that ``host`` bans ``ip`` in ``jail``."""
    entry = ips.get(ip)
    if entry is None:
        ips[ip] = {"banned_by": {host: {jail}}, "first_ban": None, "last_ban_end": None}
    else:
        banned_by = entry["banned_by"]
        if host in banned_by:
            banned_by[host].add(jail)
        else:
            banned_by[host] = {jail}


def _note_ban_times(entry, start, end):
    """Keep an IP's earliest ban start and latest ban end over all its hosts and jails."""
    # Hosts disagreeing on the time format (TypeError): keep the value seen first rather than fail.
    if start is not None:
        try:
            if entry["first_ban"] is None or start < entry["first_ban"]:
                entry["first_ban"] = start
        except TypeError:
            pass
    if end is not None:
        try:
            if entry["last_ban_end"] is None or end > entry["last_ban_end"]:
                entry["last_ban_end"] = end
        except TypeError:
            pass


def merge_results(results):
    """Merge per-host fail2ban_status results.

    ``results`` maps host name -> result (None for a host that gave none). Returns a dict with
    ``ips`` (ip -> {"banned_by": {host: set(jails)}, "first_ban", "last_ban_end"}), ``jails``
    and ``hosts`` (name -> counters) and ``hosts_missing`` ([{host, reason}]).
    """
    if not isinstance(results, dict):
        raise BanReportError("results must map host names to fail2ban_status results, got %s" % type(results).__name__)
    ips = {}
    jails = {}
    hosts = {}
    missing = []
    for host in sorted(results, key=str):
        result, reason = _usable_result(results[host])
        if result is None:
            missing.append({"host": str(host), "reason": reason})
            continue
        host = str(host)
        host_row = {
            "host": host,
            "fail2ban_version": result.get("fail2ban_version"),
            "method": result.get("method"),
            "jails": 0,
            "banned_ips": 0,
        }
        for field in COUNTER_FIELDS:
            host_row[field] = 0
        hosts[host] = host_row
        host_ips = set()

        def add(ip, jail):
            _add_ban(ips, ip, host, jail)
            host_ips.add(ip)

        for name, jail in sorted((result.get("jails") or {}).items()):
            jail = jail or {}
            name = str(jail.get("name") or name)
            filt = jail.get("filter") or {}
            actions = jail.get("actions") or {}
            counters = {
                "currently_failed": _int(filt.get("currently_failed")),
                "total_failed": _int(filt.get("total_failed")),
                "currently_banned": _int(actions.get("currently_banned")),
                "total_banned": _int(actions.get("total_banned")),
            }
            jail_row = jails.get(name)
            if jail_row is None:
                jail_row = jails[name] = {"jail": name, "hosts": 0, "banned_ips": set()}
                for field in COUNTER_FIELDS:
                    jail_row[field] = 0
            jail_row["hosts"] += 1
            host_row["jails"] += 1
            for field, value in counters.items():
                jail_row[field] += value
                host_row[field] += value
            for ip in actions.get("banned_ips") or []:
                ip = str(ip)
                add(ip, name)
                jail_row["banned_ips"].add(ip)
            for ban in jail.get("bans") or []:
                ip = str(ban.get("ip", ""))
                if not ip:
                    continue
                add(ip, name)
                jail_row["banned_ips"].add(ip)
                entry = ips[ip]
                _note_ban_times(entry, ban.get("start"), ban.get("end"))
        # The top-level list repeats the jails' lists; it also covers a result without jail details.
        for item in result.get("banned_ips") or []:
            if isinstance(item, dict):
                ip = str(item.get("ip", ""))
                item_jails = item.get("jails") or []
            else:
                ip, item_jails = str(item), []
            if not ip:
                continue
            for name in item_jails:
                add(ip, str(name))
                jail_row = jails.get(str(name))
                if jail_row is not None:
                    jail_row["banned_ips"].add(ip)
            if not item_jails:
                add(ip, UNKNOWN)
        host_row["banned_ips"] = len(host_ips)
    for jail_row in jails.values():
        jail_row["banned_ips"] = len(jail_row["banned_ips"])
    return {"ips": ips, "jails": jails, "hosts": hosts, "hosts_missing": missing}


def _count_rows(counter, labels, total):
    rows = []
    for key, count in counter.items():
        rows.append({
            "key": key,
            "label": labels.get(key, key),
            "count": count,
            "percent": round(100.0 * count / total, 2) if total else 0.0,
        })
    # Most IPs first; "unknown" after known keys with the same count; then by name for stable output.
    rows.sort(key=lambda row: (-row["count"], row["key"] == UNKNOWN, str(row["label"]).lower()))
    return rows


def protected_networks(entries, where):
    """[(ip_network, as written)] of addresses and networks that must never be banned."""
    networks = []
    for entry in entries or []:
        try:
            networks.append((ipaddress.ip_network(str(entry).strip(), strict=False), str(entry)))
        except ValueError:
            raise BanReportError("%s: %r is not an IP address or network" % (where, entry))
    return networks


def find_protected_banned(ip_rows, protected=(), protected_by_host=None):
    """Bans of protected addresses: [{ip, host, jails, network}], one row per host that banned one.

    ``protected`` holds networks protected on every host, ``protected_by_host`` maps a host to its
    own (its fail2ban_nginx_never_ban and trusted proxies). fail2ban's ignoreip should make every
    row impossible: a row here means a jail or an action outside the role's control banned one.
    """
    protected_by_host = protected_by_host or {}
    found = []
    for row in ip_rows:
        try:
            address = ipaddress.ip_address(row["ip"])
        except ValueError:
            continue
        for host in sorted(row["banned_by"]):
            for network, written in list(protected) + list(protected_by_host.get(host, ())):
                if network.version == address.version and address in network:
                    found.append({"ip": row["ip"], "host": host, "jails": list(row["banned_by"][host]), "network": written})
                    break
    return found


def _check_options(top_n, enrich_mode):
    if top_n < 1:
        raise BanReportError("top_n must be at least 1, got %s" % top_n)
    if enrich_mode not in ("unknown", "all"):
        raise BanReportError("enrich_mode must be 'unknown' or 'all', got %r" % (enrich_mode,))


def _stamp(generated_at):
    generated_at = generated_at or datetime.datetime.now(datetime.timezone.utc)
    if isinstance(generated_at, datetime.datetime):
        generated_at = generated_at.astimezone(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return generated_at


def _address_order(merged_ips):
    """[(ip, parsed address or None)] in address order; what is not an address (a hostname or garbage
    from a custom action) is kept and sorted last."""
    order = []
    for ip in merged_ips:
        parsed = parse_address(ip)
        order.append(((parsed[0], parsed[1], parsed[2], ip) if parsed else (9, 0, 0, ip), parsed))
    order.sort(key=lambda item: item[0])
    return [(key[3], parsed) for key, parsed in order]


class _Places(object):
    """Distinct IPs counted by country, organisation and city, with the labels the tables show."""

    def __init__(self):
        self.countries, self.organisations, self.cities = {}, {}, {}
        self.country_labels, self.city_labels = {UNKNOWN: UNKNOWN}, {UNKNOWN: UNKNOWN}

    def add(self, record):
        code = record["country_code"]
        self.countries[code] = self.countries.get(code, 0) + 1
        if code != UNKNOWN and code not in self.country_labels:
            self.country_labels[code] = "%s (%s)" % (record["country"], code) if record["country"] != code else code
        org = record["organisation"]
        self.organisations[org] = self.organisations.get(org, 0) + 1
        city = record["city"]
        city_key = UNKNOWN if city == UNKNOWN else "%s, %s" % (city, code)
        self.cities[city_key] = self.cities.get(city_key, 0) + 1
        if city != UNKNOWN and city_key not in self.city_labels:
            self.city_labels[city_key] = "%s (%s)" % (city, code) if code != UNKNOWN else city


def _ip_row(ip, parsed, entry, record):
    hosts_jails = entry["banned_by"]
    banned_by = {}
    all_jails = set()
    ip_bans = 0
    for host in sorted(hosts_jails):
        host_jails = hosts_jails[host]
        banned_by[host] = sorted(host_jails)
        all_jails.update(host_jails)
        ip_bans += len(host_jails)
    row = {
        "ip": ip,
        "version": parsed[0] if parsed else None,
        "hosts": list(banned_by),
        "jails": sorted(all_jails),
        "banned_by": banned_by,
        "bans": ip_bans,
        "country_code": record["country_code"],
        "country": record["country"],
        "city": record["city"],
        "asn": record["asn"],
        "organisation": record["organisation"],
        "source": record.get("source"),
    }
    if entry["first_ban"] is not None:
        row["first_ban"] = entry["first_ban"]
    if entry["last_ban_end"] is not None:
        row["last_ban_end"] = entry["last_ban_end"]
    return row


def _locate_rows(merged_ips, locator, enricher, enrich_mode):
    """Step 2: one row per banned IP, geolocated (and enriched), and the place counts."""
    places = _Places()
    ip_rows = []
    for ip, parsed in _address_order(merged_ips):
        # pop: the merged entry is not needed once its row exists (memory with 100,000 IPs)
        entry = merged_ips.pop(ip)
        record = locator.lookup(ip, parsed) if locator is not None else empty_location()
        if enricher is not None and (enrich_mode == "all" or record["country_code"] == UNKNOWN or record["organisation"] == UNKNOWN):
            enricher.enrich(ip, record)
        places.add(record)
        ip_rows.append(_ip_row(ip, parsed, entry, record))
    return ip_rows, places


def _totals(merged, ip_rows, places, host_rows, jail_rows, protected_banned):
    versions = {4: 0, 6: 0}
    for row in ip_rows:
        if row["version"] in versions:
            versions[row["version"]] += 1
    totals = {
        "hosts": len(merged["hosts"]) + len(merged["hosts_missing"]),
        "hosts_reporting": len(merged["hosts"]),
        "hosts_missing": len(merged["hosts_missing"]),
        "jails": len(jail_rows),
        "unique_banned_ips": len(ip_rows),
        "ipv4": versions[4],
        "ipv6": versions[6],
        "bans": sum(row["bans"] for row in ip_rows),
        "ips_on_several_hosts": sum(1 for row in ip_rows if len(row["hosts"]) > 1),
        "countries": len([k for k in places.countries if k != UNKNOWN]),
        "organisations": len([k for k in places.organisations if k != UNKNOWN]),
        "cities": len([k for k in places.cities if k != UNKNOWN]),
        "unknown_country": places.countries.get(UNKNOWN, 0),
        "unknown_organisation": places.organisations.get(UNKNOWN, 0),
        "unknown_city": places.cities.get(UNKNOWN, 0),
        "protected_banned": len(protected_banned),
    }
    for field in COUNTER_FIELDS:
        totals[field] = sum(row[field] for row in host_rows)
    return totals


def build_report(results, locator=None, enricher=None, top_n=20, generated_at=None, enrich_mode="unknown",
                 protected=(), protected_by_host=None):
    """Build the report dict (the report.json schema, see docs/playbooks/ban_report.md).

    ``locator`` is a geo.GeoLocator (or None: every IP is "unknown"); ``enricher`` an optional
    geo_ipinfo.IpinfoEnricher used for IPs the offline databases did not place
    (``enrich_mode="unknown"``) or for every IP (``"all"``). ``protected`` and
    ``protected_by_host`` are protected_networks() lists (see find_protected_banned).

    The steps: merge the hosts' current bans, one geolocated row per IP, the tables, the totals,
    the ban history (ban_report_history; None when no host returned one).
    """
    _check_options(top_n, enrich_mode)
    merged = merge_results(results)
    ip_rows, places = _locate_rows(merged["ips"], locator, enricher, enrich_mode)
    unique = len(ip_rows)
    protected_banned = find_protected_banned(ip_rows, protected, protected_by_host)
    jail_rows = sorted(merged["jails"].values(), key=lambda r: (-r["banned_ips"], r["jail"]))
    host_rows = sorted(merged["hosts"].values(), key=lambda r: (-r["banned_ips"], r["host"]))
    for row in jail_rows + host_rows:
        row["percent"] = round(100.0 * row["banned_ips"] / unique, 2) if unique else 0.0
    history, history_addresses = build_history(results, top_n=top_n)
    report = {
        "schema": SCHEMA,
        "generated_at": _stamp(generated_at),
        "top_n": top_n,
        "databases": locator.databases() if locator is not None else [],
        "enrichment": None,
        "totals": _totals(merged, ip_rows, places, host_rows, jail_rows, protected_banned),
        "hosts_missing": merged["hosts_missing"],
        "protected_banned": protected_banned,
        "tables": {
            "countries": _count_rows(places.countries, places.country_labels, unique),
            "organisations": _count_rows(places.organisations, {}, unique),
            "cities": _count_rows(places.cities, places.city_labels, unique),
            "jails": jail_rows,
            "hosts": host_rows,
        },
        "history": history,
        "history_addresses": history_addresses,
        "ips": ip_rows,
    }
    if enricher is not None:
        enricher.save()
        report["enrichment"] = {"service": "ipinfo", "mode": enrich_mode, "stats": dict(enricher.stats),
                                "errors": list(enricher.errors)}
    return report


# ---- writers ---------------------------------------------------------------------------------

CSV_COLUMNS = {
    "countries": ("key", "label", "count", "percent"),
    "organisations": ("key", "label", "count", "percent"),
    "cities": ("key", "label", "count", "percent"),
    "jails": ("jail", "banned_ips", "percent", "hosts") + COUNTER_FIELDS,
    "hosts": ("host", "banned_ips", "percent", "jails", "fail2ban_version", "method") + COUNTER_FIELDS,
    "ips": ("ip", "version", "country_code", "country", "city", "asn", "organisation", "hosts", "jails", "bans", "source"),
    "history_timeline": ("start", "bans", "repeat_bans", "new_addresses"),
    "history_timeline_jails": ("start", "jail", "bans"),
    "history_addresses": ADDRESS_FIELDS,
    "history_hosts": ("host", "dbfile", "schema_version", "bans", "truncated", "warnings"),
}
HISTORY_FILES = ("history_timeline", "history_timeline_jails", "history_addresses", "history_hosts")


# Leading characters that make Excel or LibreOffice read a cell as a formula (OWASP's list, plus
# the full-width forms some locales also accept).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CSV_CONTROL_REPLACEMENT = "\ufffd"
# C0, DEL and C1 controls and the Unicode line and paragraph separators: any of them can end a row
# or a line in some reader (a bare CR did, in spreadsheets).
CSV_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _csv_text(text):
    """``text`` safe for a spreadsheet: never a formula, never a line break or other control."""
    if text.startswith(CSV_FORMULA_STARTS):
        # Names come from databases, remote APIs and fail2ban: keep spreadsheets from running them.
        text = "'" + text
    return CSV_CONTROLS.sub(CSV_CONTROL_REPLACEMENT, text)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        value = _csv_text(str(value))
    return value


def write_csv(out, rows, columns):
    # Every cell quoted: a reader never has to guess where a cell ends.
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([_csv_text(str(column)) for column in columns])
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])


def render_csv(rows, columns):
    out = io.StringIO()
    write_csv(out, rows, columns)
    return out.getvalue()


_STREAMED = ("history_addresses", "ips")


def _write_json_list(out, key, rows, encode):
    out.write(',\n "%s": [' % key)
    separator = "\n  "
    for row in rows:
        out.write(separator)
        out.write(encode(row))
        separator = ",\n  "
    out.write("\n ]" if separator != "\n  " else "]")


def history_address_objects(report):
    """report["history_addresses"] as objects (they are tuples of ADDRESS_FIELDS in memory)."""
    return (dict(zip(ADDRESS_FIELDS, row)) for row in report.get("history_addresses") or [])


def write_json(out, report):
    """report.json: indented, except the lists of addresses (history_addresses, ips), which have one
    compact object a line (fast, greppable)."""
    head = dict((key, value) for key, value in report.items() if key not in _STREAMED)
    text = json.dumps(head, indent=1, ensure_ascii=False)
    out.write(text[:-2])  # without the closing "\n}"
    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    _write_json_list(out, "history_addresses", history_address_objects(report), encode)
    _write_json_list(out, "ips", report.get("ips") or [], encode)
    out.write("\n}\n")


def history_csv_rows(report, name):
    """The rows of a history CSV file (empty when the report has no history)."""
    history = report.get("history") or {}
    if name == "history_timeline":
        return history.get("timeline") or []
    if name == "history_timeline_jails":
        return ({"start": row["start"], "jail": jail, "bans": count}
                for row in history.get("timeline") or [] for jail, count in row["by_jail"].items())
    if name == "history_addresses":
        return history_address_objects(report)
    return history.get("hosts") or []


def _html_writer(out, report):
    from ansible_collections.fortress.nginx.plugins.module_utils.ban_report_html import render_html  # pylint: disable=import-outside-toplevel
    out.write(render_html(report))


def report_writers(report, formats=("html", "json", "csv")):
    """[(file name, function(out))] for the requested formats; each function writes one file's text."""
    writers = []
    if "json" in formats:
        writers.append(("report.json", lambda out: write_json(out, report)))
    if "csv" in formats:
        for table in TABLES:
            writers.append(("%s.csv" % table, lambda out, table=table: write_csv(out, report["tables"][table], CSV_COLUMNS[table])))
        writers.append(("ips.csv", lambda out: write_csv(out, report["ips"], CSV_COLUMNS["ips"])))
        for name in HISTORY_FILES:
            writers.append(("%s.csv" % name, lambda out, name=name: write_csv(out, history_csv_rows(report, name), CSV_COLUMNS[name])))
    if "html" in formats:
        writers.append(("report.html", lambda out: _html_writer(out, report)))
    return writers


def report_files(report, formats=("html", "json", "csv")):
    """{file name: text} for the requested formats (in memory; write_report streams to disk)."""
    files = {}
    for name, writer in report_writers(report, formats):
        out = io.StringIO()
        writer(out)
        files[name] = out.getvalue()
    return files


def _same_content(path_a, path_b):
    try:
        return filecmp.cmp(path_a, path_b, shallow=False)
    except OSError:
        return False


def _write_temporary(directory, name, content):
    """Write ``content`` (text, or a function(out) that writes it) to a new temporary file in ``directory``
    named after ``name``; return its path. The one writer of the report's files and its state: a file
    is written beside its target, then moved over it with _install (os.replace is atomic there)."""
    handle, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            if callable(content):
                content(out)
            else:
                out.write(content)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _install(tmp, path, mode=0o644):
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def write_files(files, output_dir, check_mode=False):
    """Write files into ``output_dir`` atomically; return the names whose content changed.

    ``files`` maps a name to its text or to a function(out) that writes the text (streamed, so a
    45 MB report.json is never held twice in memory). Each file is written to a temporary file
    first and replaces the old one only when its content differs. In check mode nothing in
    ``output_dir`` is touched.
    """
    changed = []
    if not check_mode and not os.path.isdir(output_dir):
        os.makedirs(output_dir)
    # The temporary file sits beside its target so that os.replace is atomic.
    scratch = tempfile.gettempdir() if check_mode else output_dir
    for name in sorted(files):
        path = os.path.join(output_dir, name)
        tmp = _write_temporary(scratch, name, files[name])
        try:
            if os.path.exists(path) and _same_content(tmp, path):
                continue
            changed.append(name)
            if not check_mode:
                _install(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return changed


# ---- the entry point shared by the action plugin and the module ------------------------------

ARGUMENT_SPEC = dict(
    results=dict(type="dict"),
    hosts=dict(type="list", elements="str"),
    status_var=dict(type="str", default="ban_report_status"),
    output_dir=dict(type="path", required=True),
    city_db=dict(type="path", aliases=["country_db"]),
    asn_db=dict(type="path"),
    top_n=dict(type="int", default=20),
    formats=dict(type="list", elements="str", choices=["html", "json", "csv"], default=["html", "json", "csv"]),
    ipinfo_token=dict(type="str", no_log=True),
    ipinfo_mode=dict(type="str", choices=["unknown", "all"], default="unknown"),
    ipinfo_cache=dict(type="path"),
    ipinfo_max_requests=dict(type="int", default=1000),
    ipinfo_requests_per_second=dict(type="float", default=2.0),
    ipinfo_cache_days=dict(type="int", default=30),
    protected=dict(type="list", elements="str", default=[]),
    protected_hostvars=dict(type="list", elements="str",
                            default=["fail2ban_nginx_never_ban", "fail2ban_nginx_trusted_proxies"]),
)


REQUIRED_ONE_OF = [["results", "hosts"]]
MUTUALLY_EXCLUSIVE = [["results", "hosts"]]


STATE_FILE = ".ban_report_state.json"


class _HashWriter(object):
    """A file-like sink that only hashes what is written (the report can be tens of MB)."""

    def __init__(self):
        self.sha = hashlib.sha256()

    def write(self, text):
        self.sha.update(text.encode("utf-8"))


def content_digest(report):
    """sha256 of the report's JSON form without its generation time: what the report says."""
    sink = _HashWriter()
    stamp = report.get("generated_at")
    report["generated_at"] = ""
    try:
        write_json(sink, report)
    finally:
        report["generated_at"] = stamp
    return sink.sha.hexdigest()


def _read_state(output_dir):
    """The digest and time of the report last written to ``output_dir``; {} when unknown or damaged."""
    try:
        with open(os.path.join(output_dir, STATE_FILE), encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or not all(isinstance(state.get(key), str) for key in ("digest", "generated_at")):
        return {}
    return {"digest": state["digest"], "generated_at": state["generated_at"]}


def _write_state(output_dir, state):
    tmp = _write_temporary(output_dir, STATE_FILE, json.dumps(state))
    try:
        _install(tmp, os.path.join(output_dir, STATE_FILE))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def run_ban_report(params, check_mode=False, fetch=None, generated_at=None, protected_by_host=None):
    """Build and write the report from validated ``params`` (ARGUMENT_SPEC); return the task result.

    ``protected_by_host`` maps a host to the addresses it protects, as written (the action plugin
    reads them from the variables named in ``protected_hostvars``).

    Raises BanReportError or geo.GeoDatabaseError with a message for the user.
    """
    # Imported here so that the pure merge/aggregate functions above import without them.
    from ansible_collections.fortress.nginx.plugins.module_utils.geo import GeoLocator  # pylint: disable=import-outside-toplevel
    from ansible_collections.fortress.nginx.plugins.module_utils.geo_ipinfo import IpinfoEnricher  # pylint: disable=import-outside-toplevel

    if params.get("results") is None:
        raise BanReportError("results is required (hosts and status_var are resolved by the action plugin on the controller)")
    output_dir = params["output_dir"]
    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
        raise BanReportError("output_dir: %s exists and is not a directory" % output_dir)
    protected = protected_networks(params.get("protected"), "protected")
    protected_by_host = dict((host, protected_networks(entries, "%s's protected addresses" % host))
                             for host, entries in (protected_by_host or {}).items())
    locator = GeoLocator.from_paths(params.get("city_db"), params.get("asn_db"), "city_db", "asn_db")
    enricher = None
    try:
        if params.get("ipinfo_token"):
            enricher = IpinfoEnricher(
                params["ipinfo_token"],
                cache_path=params.get("ipinfo_cache") or os.path.join(output_dir, "ipinfo-cache.json"),
                fetch=fetch,
                max_requests=params.get("ipinfo_max_requests", 1000),
                requests_per_second=params.get("ipinfo_requests_per_second", 2.0),
                cache_days=params.get("ipinfo_cache_days", 30),
            )
            if check_mode:
                # Check mode sends nothing: answer from the cache only.
                enricher.max_requests = 0
        report = build_report(params["results"], locator=locator if locator.enabled else None, enricher=enricher,
                              top_n=params.get("top_n", 20), generated_at=generated_at,
                              enrich_mode=params.get("ipinfo_mode", "unknown"),
                              protected=protected, protected_by_host=protected_by_host)
    finally:
        locator.close()
    # A report whose content did not change keeps its earlier time, so its files stay byte for byte
    # the same and a scheduled run reports changed=false.
    digest = content_digest(report)
    earlier = _read_state(output_dir)
    if earlier.get("digest") == digest and earlier.get("generated_at"):
        report["generated_at"] = earlier["generated_at"]
    files = dict(report_writers(report, formats=params.get("formats") or ("html", "json", "csv")))
    changed_files = write_files(files, output_dir, check_mode=check_mode)
    if not check_mode and earlier != {"digest": digest, "generated_at": report["generated_at"]}:
        _write_state(output_dir, {"digest": digest, "generated_at": report["generated_at"]})
    top_n = report["top_n"]
    return {
        "changed": bool(changed_files),
        "output_dir": output_dir,
        "files": [os.path.join(output_dir, name) for name in sorted(files)],
        "changed_files": changed_files,
        "html": os.path.join(output_dir, "report.html") if "report.html" in files else None,
        "generated_at": report["generated_at"],
        "totals": report["totals"],
        "hosts_missing": report["hosts_missing"],
        "protected_banned": report["protected_banned"],
        "databases": report["databases"],
        "enrichment": report["enrichment"],
        "top": dict((name, report["tables"][name][:top_n]) for name in TABLES),
        "history": _history_summary(report.get("history")),
    }


def _history_summary(history):
    """What the task returns of the history: its span, totals and warnings (the rest is in the files)."""
    if history is None:
        return None
    return dict((key, history[key]) for key in ("bucket", "first_ban", "last_ban", "totals", "warnings"))
