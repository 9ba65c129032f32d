# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""fail2ban's status as Prometheus metrics, in the text format node_exporter's textfile collector reads.

Pure functions over the report of fail2ban.collect_via_socket() (the status module's own reader):
no second parser. Standard library only, and no import of the collection, because the exporter on
each host (roles/fail2ban_nginx, files/fortress-fail2ban-metrics.py) loads this file beside
fail2ban.py. No address ever becomes a label: per jail only counts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import tempfile

PREFIX = "fortress_fail2ban"

# (name, type, help, where the value comes from in a jail of the report)
JAIL_METRICS = (
    ("jail_banned", "gauge", "Addresses the jail bans now.", ("actions", "currently_banned")),
    ("jail_bans_total", "counter", "Bans made by the jail since fail2ban started.", ("actions", "total_banned")),
    ("jail_failed", "gauge", "Failures the jail counts now (within findtime).", ("filter", "currently_failed")),
    ("jail_failures_total", "counter", "Failures the jail matched since fail2ban started.", ("filter", "total_failed")),
)

_LAST_SUCCESS = re.compile(r"^%s_last_success_timestamp_seconds (\S+)$" % PREFIX, re.M)


def escape_label(value):
    """A label value as the text format wants it: backslash, double quote and newline escaped."""
    return str(value).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


def _number(value):
    if isinstance(value, float):
        return repr(value)
    return str(int(value))


def render_metrics(report, backend, now, duration, last_success=None, error=None):
    """The metrics file's text.

    ``report`` is collect_via_socket()'s result, or None when fail2ban could not be read (then
    ``error`` says why and only the up, info and timing metrics are written); ``last_success`` is
    the time of the last successful read, kept from the previous file when this one failed.
    """
    lines = []

    def metric(name, kind, text, samples):
        lines.append("# HELP %s_%s %s" % (PREFIX, name, text))
        lines.append("# TYPE %s_%s %s" % (PREFIX, name, kind))
        for labels, value in samples:
            label_text = ",".join('%s="%s"' % (key, escape_label(val)) for key, val in labels)
            lines.append("%s_%s%s %s" % (PREFIX, name, "{%s}" % label_text if label_text else "", _number(value)))

    up = report is not None
    metric("up", "gauge", "1 when fail2ban answered on its socket at the last read, else 0.", [((), 1 if up else 0)])
    version = report.get("fail2ban_version", "") if up else ""
    metric("info", "gauge", "fail2ban's version and the ban action in use (always 1).",
           [((("version", version), ("backend", backend)), 1)])
    if up:
        last_success = now
    if last_success is not None:
        metric("last_success_timestamp_seconds", "gauge", "When fail2ban was last read successfully (Unix time).",
               [((), float(last_success))])
    metric("scrape_duration_seconds", "gauge", "How long reading fail2ban took.", [((), float(duration))])
    if up:
        jails = report.get("jails", {})
        names = report.get("jail_names", sorted(jails))
        metric("jails", "gauge", "Jails fail2ban runs.", [((), len(names))])
        for name, kind, text, (part, key) in JAIL_METRICS:
            metric(name, kind, text, [((("jail", jail),), jails[jail][part][key]) for jail in names])
    text = "\n".join(lines) + "\n"
    if error:
        # A comment: node_exporter ignores it, a person reading the file sees why fail2ban is down.
        text += "# fail2ban could not be read: %s\n" % " ".join(str(error).split())
    return text


def last_success_from(text):
    """The last-success time written in an earlier metrics file, or None."""
    match = _LAST_SUCCESS.search(text or "")
    if not match:
        return None
    try:
        return float(match.group(1))
    except ValueError:
        return None


def write_atomically(path, text, mode=0o644):
    """Replace ``path`` with ``text`` in one rename: the collector never reads half a file."""
    directory = os.path.dirname(path) or "."
    handle, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path))
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
