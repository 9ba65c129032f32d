# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Optional online enrichment through the ipinfo API (the service the article's script calls).

Never required and off unless a token is given. Answers are cached on disk (JSON), requests are
spaced to a maximum rate and capped in number, and only public (global) addresses are sent.
The HTTP call is injectable so tests never send traffic.

Neither the answers nor the cache file are trusted: a field of the wrong type or shape is dropped
(and counted as an error when it came from ipinfo), a damaged cache entry is asked again, so the
report never fails because of them.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
import tempfile
import time

from ansible_collections.fortress.nginx.plugins.module_utils.geo import UNKNOWN, organisation_label

DEFAULT_URL_TEMPLATE = "https://ipinfo.io/{ip}/json"


# ipinfo answers with a few hundred bytes; anything much larger is not an answer we use.
MAX_ANSWER_BYTES = 64 * 1024
# The fields we read, and the longest text we accept in one (city and organisation names are short).
IPINFO_FIELDS = ("country", "country_name", "city", "org")
MAX_FIELD_CHARS = 200
COUNTRY_CODE = re.compile(r"[A-Za-z]{2}\Z")
# ASNs are 32-bit: at most ten ASCII digits (str.isdigit also takes digits int() refuses).
AS_NUMBER = re.compile(r"AS([0-9]{1,10})\Z", re.IGNORECASE)
MAX_ASN = 2 ** 32 - 1
# Controls and lone surrogates: the second cannot even be written to a UTF-8 report.
UNUSABLE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_ERROR_CHARS = 200


def default_fetch(url, headers, timeout):
    """GET ``url`` with Ansible's URL helper; return (status, body bytes)."""
    # Imported here: only needed when enrichment is on.
    from ansible.module_utils.urls import open_url  # pylint: disable=import-outside-toplevel
    from urllib.error import HTTPError  # pylint: disable=import-outside-toplevel

    try:
        response = open_url(url, headers=headers, timeout=timeout, method="GET", validate_certs=True)
        # One byte more than allowed, so that lookup() can tell an oversized answer from a full one.
        return response.getcode(), response.read(MAX_ANSWER_BYTES + 1)
    except HTTPError as exc:
        return exc.code, b""


def _text(value):
    """``value`` as a usable name: a short, printable, non-empty str; else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_FIELD_CHARS or UNUSABLE_CHARACTERS.search(value):
        return None
    return value


def clean_ipinfo_answer(answer):
    """Return (the usable fields of ``answer``, the names of the fields present but unusable)."""
    if not isinstance(answer, dict):
        return {}, []
    clean, bad = {}, []
    for field in IPINFO_FIELDS:
        if answer.get(field) is None:
            continue
        value = _text(answer[field])
        if value is not None and field == "country" and not COUNTRY_CODE.match(value):
            value = None
        if value is None:
            bad.append(field)
        else:
            clean[field] = value
    return clean, bad


def parse_ipinfo(answer):
    """Map an ipinfo answer ({"country": "US", "city": ..., "org": "AS15169 Google LLC"}) to our fields.

    Any shape is accepted: what is not a usable field is left out.
    """
    answer, _bad = clean_ipinfo_answer(answer)
    record = {}
    country = answer.get("country")
    if country:
        record["country_code"] = country.upper()
        record["country"] = answer.get("country_name") or record["country_code"]
    if answer.get("city"):
        record["city"] = answer["city"]
    org = answer.get("org")
    if org:
        first, _space, rest = org.partition(" ")
        as_number = AS_NUMBER.match(first)
        if as_number and int(as_number.group(1)) <= MAX_ASN:
            rest = rest.strip()
            record["asn"] = int(as_number.group(1))
            record["as_organization"] = rest or UNKNOWN
            record["organisation"] = organisation_label(record["asn"], rest)
        else:
            record["as_organization"] = org
            record["organisation"] = org
    return record


def usable_cache_entry(entry):
    """True for ``{"fetched_at": finite number, "answer": {...}}``, the only shape a cache entry has."""
    if not isinstance(entry, dict) or not isinstance(entry.get("answer"), dict):
        return False
    fetched_at = entry.get("fetched_at")
    if isinstance(fetched_at, bool) or not isinstance(fetched_at, (int, float)):
        return False
    try:
        return math.isfinite(float(fetched_at))
    except OverflowError:
        return False


class IpinfoEnricher(object):
    """Fill unknown fields of location records from ipinfo, with a disk cache and a rate limit."""

    def __init__(self, token, cache_path=None, fetch=None, max_requests=1000, requests_per_second=2.0,
                 cache_days=30, timeout=10, url_template=DEFAULT_URL_TEMPLATE, clock=time.time, sleep=time.sleep):
        if not token:
            raise ValueError("an ipinfo token is required for online enrichment")
        self.token = token
        self.cache_path = cache_path
        self.fetch = fetch or default_fetch
        self.max_requests = max_requests
        self.min_interval = 1.0 / requests_per_second if requests_per_second and requests_per_second > 0 else 0.0
        self.cache_seconds = cache_days * 86400
        self.timeout = timeout
        self.url_template = url_template
        self.clock = clock
        self.sleep = sleep
        self._last_request = None
        self._dirty = False
        self.stats = {"requests": 0, "cache_hits": 0, "errors": 0, "not_public": 0, "over_limit": 0}
        self.errors = []
        self.cache = self._load_cache()

    def _load_cache(self):
        if not self.cache_path or not os.path.exists(self.cache_path):
            return {}
        try:
            with open(self.cache_path, "r", encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, RecursionError):
            # A damaged cache only costs requests; start afresh rather than fail the report.
            return {}
        if not isinstance(data, dict):
            return {}
        # Entries of another shape are dropped the same way (they are asked again).
        return dict((key, entry) for key, entry in data.items() if usable_cache_entry(entry))

    def save(self):
        """Write the cache atomically (when it changed)."""
        if not self.cache_path or not self._dirty:
            return
        directory = os.path.dirname(os.path.abspath(self.cache_path))
        if not os.path.isdir(directory):
            os.makedirs(directory)
        handle, tmp = tempfile.mkstemp(dir=directory, prefix=".ipinfo-cache-")
        with os.fdopen(handle, "w") as out:
            json.dump(self.cache, out, sort_keys=True)
        os.replace(tmp, self.cache_path)
        self._dirty = False

    def _throttle(self):
        if self._last_request is not None and self.min_interval:
            wait = self._last_request + self.min_interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_request = self.clock()

    def lookup(self, ip):
        """Return ipinfo's fields for ``ip`` as a partial record, or None."""
        try:
            address = ipaddress.ip_address(str(ip).split("/", maxsplit=1)[0])
        except ValueError:
            return None
        if not address.is_global:
            self.stats["not_public"] += 1
            return None
        key = str(address)
        cached = self.cache.get(key)
        if cached is not None:
            age = self.clock() - float(cached["fetched_at"])
            # An entry from the future (a clock that went back) counts as stale.
            if 0 <= age < self.cache_seconds:
                self.stats["cache_hits"] += 1
                return parse_ipinfo(cached["answer"])
        if self.stats["requests"] >= self.max_requests:
            self.stats["over_limit"] += 1
            return None
        self._throttle()
        self.stats["requests"] += 1
        url = self.url_template.format(ip=key)
        headers = {"Authorization": "Bearer %s" % self.token, "Accept": "application/json"}
        try:
            status, body = self.fetch(url, headers, self.timeout)
            if status != 200:
                raise ValueError("HTTP status %s" % status)
            if not isinstance(body, (bytes, str)):
                raise ValueError("answer is not text")
            if len(body) > MAX_ANSWER_BYTES:
                raise ValueError("answer is larger than %d bytes" % MAX_ANSWER_BYTES)
            answer = json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
            if not isinstance(answer, dict):
                raise ValueError("answer is not a JSON object")
        except Exception as exc:  # pylint: disable=broad-except
            # Enrichment is best effort: note the error, keep the offline answer.
            self._error(key, str(exc))
            return None
        answer, bad_fields = clean_ipinfo_answer(answer)
        if bad_fields:
            # Keep what is usable, and say what was not.
            self._error(key, "unusable field(s) in the answer: %s" % ", ".join(bad_fields))
        self.cache[key] = {"fetched_at": self.clock(), "answer": answer}
        self._dirty = True
        return parse_ipinfo(answer)

    def _error(self, key, message):
        self.stats["errors"] += 1
        if len(self.errors) < 10:
            if len(message) > MAX_ERROR_CHARS:
                message = message[:MAX_ERROR_CHARS - 3] + "..."
            self.errors.append("%s: %s" % (key, message))

    def enrich(self, ip, record):
        """Fill the fields of ``record`` that are still unknown; return True when it changed."""
        found = self.lookup(ip)
        if not found:
            return False
        changed = False
        for field, value in found.items():
            current = record.get(field)
            if current in (None, UNKNOWN) and value not in (None, UNKNOWN):
                record[field] = value
                changed = True
        if changed:
            record["source"] = "ipinfo" if record.get("source") is None else "offline+ipinfo"
        return changed
