# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Ban notifications, batched: what fail2ban's action spooled becomes one webhook message.

fail2ban's action ``fortress-notify`` only appends ``JAIL<TAB>IP<TAB>TIME`` to a spool file (one
short append: it never slows a ban). A systemd timer runs the sender (roles/fail2ban_nginx,
files/fortress-notify.py), which takes the spool with one rename, builds one message for all the
bans since the last run and posts it: a wave of 10,000 bans is one message per interval.
Standard library only, and no import of the collection: the sender loads this file beside it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os
import re
import time

JAIL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# A spool larger than this is cut to its newest part: a webhook down for days must not fill the disk.
MAX_SPOOL_BYTES = 4 * 1024 * 1024


def parse_spool(text):
    """([(jail, ip, time)], rejected line count). Lines that are not the action's own are counted, never used."""
    bans, rejected = [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not JAIL_RE.match(fields[0]):
            rejected += 1
            continue
        try:
            address = str(ipaddress.ip_address(fields[1]))
            when = float(fields[2])
        except ValueError:
            rejected += 1
            continue
        bans.append((fields[0], address, when))
    return bans, rejected


def build_message(bans, host, max_addresses=20, shape="generic", rejected=0):
    """The JSON document for one batch of bans, or None when there is nothing to say.

    ``shape`` is ``generic`` (a structured document) or ``slack`` (``{"text": ...}``, which Slack
    and Mattermost incoming webhooks take).
    """
    if not bans:
        return None
    per_jail = {}
    addresses = []
    seen = set()
    for jail, address, _when in bans:
        per_jail[jail] = per_jail.get(jail, 0) + 1
        if address not in seen:
            seen.add(address)
            addresses.append(address)
    times = [when for _jail, _address, when in bans]
    document = {
        "source": "fortress.nginx",
        "host": host,
        "bans": len(bans),
        "unique_addresses": len(addresses),
        "jails": dict(sorted(per_jail.items())),
        "addresses": addresses[:max_addresses],
        "more_addresses": max(0, len(addresses) - max_addresses),
        "first_ban": min(times),
        "last_ban": max(times),
    }
    if rejected:
        document["rejected_lines"] = rejected
    if shape == "generic":
        return document
    jails = ", ".join("%s %d" % item for item in sorted(per_jail.items()))
    listed = ", ".join(addresses[:max_addresses])
    more = " and %d more" % document["more_addresses"] if document["more_addresses"] else ""
    return {"text": "fail2ban on %s banned %d address%s (%s): %s%s" % (
        host, len(addresses), "" if len(addresses) == 1 else "es", jails, listed, more)}


def take_spool(spool, sending, settle=0.2):
    """Move the spool aside with one rename (fail2ban appends to a fresh file meanwhile) and return
    the text to send: a batch a failed post left behind comes first. ``settle`` seconds let an
    append that opened the file before the rename finish."""
    if os.path.exists(spool):
        if os.path.exists(sending):
            with open(spool) as new, open(sending, "a") as pending:
                pending.write(new.read())
            os.unlink(spool)
        else:
            os.rename(spool, sending)
            time.sleep(settle)
    if not os.path.exists(sending):
        return ""
    size = os.path.getsize(sending)
    with open(sending) as handle:
        if size > MAX_SPOOL_BYTES:
            handle.seek(size - MAX_SPOOL_BYTES)
            handle.readline()  # the first line may be cut
        return handle.read()


def encode(document):
    return json.dumps(document, sort_keys=True).encode("utf-8")
