# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adopt a host's fail2ban settings: compare what the host has with what the role writes.

The host's settings come from fail2ban's own configuration parser run on the host (the role's file
fortress-read-host.py), without the role's own jail file, as ``{'default': {KEY: {'value', 'file'}},
'jails': {JAIL: {KEY: {'value', 'file'}}}}``. The role's jail file is read last, so every key it
writes replaces the host's. This module decides, without Ansible:

* ignoreip: the union of the host's and the role's (the role's first), unless the user replaces it;
  a jail of the role's that the host gives its own ignoreip keeps it, joined with the role's;
* every other key of [DEFAULT] and of a same-named jail whose value differs: one line that says what
  was there (and in which file) and what it will be, unless the user keeps the host's value, in
  which case the role does not write the key at all (so the host's file keeps deciding).

Keys are ``KEY`` for [DEFAULT] and ``JAIL/KEY`` for a jail (jail names never hold '/').
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# [DEFAULT] keys the role writes (jail.local.j2) and may compare.
DEFAULT_KEYS = ("bantime", "findtime", "maxretry", "ignoreip", "banaction", "banaction_allports", "backend",
                "bantime.increment", "bantime.factor", "bantime.maxtime", "bantime.rndtime")
# Jail keys the role writes (jail.local.j2), besides a jail's own `settings`.
JAIL_KEYS = ("enabled", "filter", "backend", "logpath", "journalmatch", "port", "protocol", "maxretry",
             "findtime", "bantime", "action")
# What makes a jail the role's jail: never left to the host.
NOT_KEPT = frozenset(("enabled", "filter", "backend", "logpath", "journalmatch", "ignoreip"))
TIME_KEYS = frozenset(("bantime", "findtime", "bantime.maxtime", "bantime.rndtime"))
BOOL_KEYS = frozenset(("enabled", "bantime.increment"))
LIST_KEYS = frozenset(("logpath", "ignoreip"))
# Files of the Debian package: their values are fail2ban's defaults, not an operator's choice.
PACKAGED = re.compile(r"(^|/)(jail\.conf|jail\.d/defaults-debian\.conf|paths-[a-z]+\.conf)$")
# fail2ban's time units (MyTime.str2seconds), in seconds.
UNITS = (
    (r"y(?:ears?)?|yy", 365 * 86400 + 86400 // 4),
    (r"mo(?:nths?)?|mon", 30 * 86400 + 86400 * 44 // 100),
    (r"w(?:eeks?)?|wk", 7 * 86400),
    (r"d(?:ays?)?", 86400),
    (r"h(?:ours?)?", 3600),
    (r"m(?:in(?:ute)?s?)?|mi", 60),
    (r"s(?:ec(?:ond)?s?)?", 1),
)
TIME_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(" + "|".join(unit[0] for unit in UNITS) + r")?(?![a-z])", re.I)


def seconds(value):
    """fail2ban's time text in seconds, or None when it is not one."""
    text = str(value).strip().lower()
    if re.match(r"^-?\d+$", text):
        return int(text)
    total, pos = 0.0, 0
    while pos < len(text):
        match = TIME_PART.match(text, pos)
        if not match or match.end() == pos:
            return None
        unit = match.group(2)
        factor = 1
        if unit:
            factor = next(f for pattern, f in UNITS if re.match("^(?:%s)$" % pattern, unit))
        total += float(match.group(1)) * factor
        pos = match.end()
    return int(total)


def normalise(key, value):
    """A value in a form where equal settings compare equal."""
    if isinstance(value, (list, tuple)):
        value = "\n".join(str(item) for item in value)
    text = str(value).strip()
    base = key.rsplit("/", 1)[-1]
    if base in TIME_KEYS and seconds(text) is not None:
        return seconds(text)
    if base in BOOL_KEYS:
        lowered = text.lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
    if base in LIST_KEYS:
        return tuple(text.split())
    return " ".join(text.split())


def _show(value):
    if isinstance(value, (list, tuple)):
        value = " ".join(str(item) for item in value)
    text = " ".join(str(value).split())
    return text if text else "(empty)"


def _is_packaged(path):
    return bool(PACKAGED.search(path or ""))


def _union(first, second):
    out = []
    for item in list(first) + list(second):
        if item not in out:
            out.append(item)
    return out


def plan(host, ours, jails, keep=None, ignoreip_replace=False, jail_file="jail.d/fortress-nginx.local"):
    """Decide what the role writes on this host and what that changes.

    ``host``: fortress-read-host.py's ``fail2ban`` part. ``ours``: the role's [DEFAULT] as a dict
    (``ignoreip`` a list). ``jails``: the resolved jails the role renders. ``keep``: keys whose host
    value stays. Returns ``{'default': [[KEY, VALUE], ...], 'jails': [...], 'changes': [str],
    'kept': [str], 'ignoreip_kept': [str], 'ignoreip_dropped': [str], 'unknown_keep': [str],
    'error': str}``.
    """
    host = host or {}
    keep = list(keep or [])
    jails = [dict(jail) for jail in jails or []]
    jail_names = set(jail["name"] for jail in jails)
    unknown_keep = [key for key in keep if not _keep_key_valid(key, jail_names)]
    host_default = host.get("default") or {}
    host_jails = host.get("jails") or {}
    changes, kept = [], []

    # ignoreip: a union, never silently dropped.
    our_ignore = [str(item) for item in ours.get("ignoreip", [])]
    host_ignore_entry = host_default.get("ignoreip")
    host_ignore = host_ignore_entry["value"].split() if host_ignore_entry else []
    extra = [item for item in host_ignore if item not in our_ignore]
    ignoreip_kept, ignoreip_dropped = [], []
    if extra and ignoreip_replace:
        ignoreip_dropped = extra
        changes.append("[DEFAULT] ignoreip: %s (%s) is DROPPED, fail2ban_nginx_ignoreip_replace is true: "
                       "%s will be banned like any client -> %s"
                       % (_show(host_ignore), host_ignore_entry["file"], _show(extra), _show(our_ignore)))
    elif extra:
        ignoreip_kept = extra
        our_ignore = _union(our_ignore, extra)
    default = []
    for key, value in ours.items():
        if key == "ignoreip":
            default.append(["ignoreip", our_ignore])
            continue
        entry = host_default.get(key)
        if key in keep:
            kept.append("[DEFAULT] %s = %s (%s) is kept: the role does not write it"
                        % (key, _show(entry["value"]) if entry else "(fail2ban's default)",
                           entry["file"] if entry else "not set"))
            continue
        default.append([key, value])
        if entry and normalise(key, entry["value"]) != normalise(key, value):
            changes.append("[DEFAULT] %s: %s (%s%s) -> %s (%s)"
                           % (key, _show(entry["value"]), entry["file"],
                              ", packaged default" if _is_packaged(entry["file"]) else "", _show(value), jail_file))

    for jail in jails:
        name = jail["name"]
        theirs = host_jails.get(name, {})
        written = dict((key, jail[key]) for key in JAIL_KEYS
                       if key in jail and jail[key] is not None and _show(jail[key]) != "(empty)")
        written["enabled"] = "true"
        settings = dict(jail.get("settings") or {})
        own_ignore = theirs.get("ignoreip")
        if own_ignore and not ignoreip_replace:
            settings["ignoreip"] = " ".join(_union(str(settings.get("ignoreip", "")).split(),
                                                   own_ignore["value"].split()))
        elif own_ignore:
            # Not written, the host's jail ignoreip would still hold: write the role's.
            settings.setdefault("ignoreip", "")
            changes.append("[%s] ignoreip: %s (%s) is DROPPED, fail2ban_nginx_ignoreip_replace is true"
                           % (name, _show(own_ignore["value"]), own_ignore["file"]))
        for key, value in settings.items():
            written[key] = value
        for key in sorted(written):
            entry = theirs.get(key)
            full = "%s/%s" % (name, key)
            if full in keep:
                jail.pop(key, None)
                settings.pop(key, None)
                kept.append("[%s] %s = %s (%s) is kept: the role does not write it"
                            % (name, key, _show(entry["value"]) if entry else "([DEFAULT]'s)",
                               entry["file"] if entry else "not set"))
                continue
            if not entry or _is_packaged(entry["file"]) or key == "ignoreip":
                continue
            if normalise(key, entry["value"]) != normalise(key, written[key]):
                changes.append("[%s] %s: %s (%s) -> %s (%s)"
                               % (name, key, _show(entry["value"]), entry["file"], _show(written[key]), jail_file))
        if settings or jail.get("settings"):
            jail["settings"] = settings
    return {"default": default, "jails": jails, "changes": changes, "kept": kept,
            "ignoreip_kept": ignoreip_kept, "ignoreip_dropped": ignoreip_dropped,
            "unknown_keep": unknown_keep, "error": host.get("error", "")}


def _keep_key_valid(key, jail_names):
    if "/" in key:
        jail, option = key.split("/", 1)
        return (jail in jail_names and bool(re.match(r"^[a-z][a-z0-9_.]*$", option))
                and option not in NOT_KEPT)
    return key in DEFAULT_KEYS and key != "ignoreip"
