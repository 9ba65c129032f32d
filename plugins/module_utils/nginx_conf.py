# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read nginx's effective configuration (the output of ``nginx -T``): where each server logs, in
which ``log_format``, and whether the realip module rewrites the client address.

``nginx -T`` prints every file nginx read, each after a ``# configuration file PATH:`` line. The
main file is parsed and every ``include`` is replaced by the files of the dump it names (globs are
matched against the dumped paths, sorted, as nginx does), so the result is the tree nginx runs.

Then each access log's ``log_format`` is compared with the formats the role's access-log filters
read (``combined``, ``vhost_combined``, ``combined_iso8601``, ``vhost_combined_iso8601``): a format
is supported when its text *starts* like one of them, with ``$status`` followed by another field;
anything after that is free. When it is not, the reason says which part differs and how to fix it.

Pure Python, no Ansible: unit-tested with real ``nginx -T`` outputs (tests/unit/data/nginx).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import posixpath
import re

# nginx's built-in format (ngx_http_log_module.c), never declared with log_format.
COMBINED = ('$remote_addr - $remote_user [$time_local] '
            '"$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"')
DEFAULT_PREFIX = "/etc/nginx"
# Debian's nginx is built with these (nginx -V: --http-log-path, --error-log-path).
DEFAULT_ACCESS_LOG = "/var/log/nginx/access.log"
DEFAULT_ERROR_LOG = "/var/log/nginx/error.log"
FILE_HEADER = re.compile(r"^# configuration file (.+):$")
VARIABLE = re.compile(r"\$(\{[A-Za-z0-9_]+\}|[A-Za-z0-9_]+)")

# The supported formats: the start of the log_format text each filter head reads.
_VHOST = r"(?P<vhost>\$(?:host|server_name) )?"
_TIME = r"\[\$(?P<time>time_local|time_iso8601)\]"
SUPPORTED = re.compile(r"^" + _VHOST + r"\$remote_addr - \$remote_user " + _TIME
                       + r' "\$request" \$status(?P<rest>.*)$', re.S)
FORMAT_NAMES = {
    (False, "time_local"): "combined",
    (True, "time_local"): "vhost_combined",
    (False, "time_iso8601"): "combined_iso8601",
    (True, "time_iso8601"): "vhost_combined_iso8601",
}
STARTS = {
    "combined": '$remote_addr - $remote_user [$time_local] "$request" $status',
    "vhost_combined": '$host $remote_addr - $remote_user [$time_local] "$request" $status',
    "combined_iso8601": '$remote_addr - $remote_user [$time_iso8601] "$request" $status',
    "vhost_combined_iso8601": '$host $remote_addr - $remote_user [$time_iso8601] "$request" $status',
}


class NginxConfError(Exception):
    """The dump could not be read."""


# --------------------------------------------------------------------------------------------
# The dump and the tokenizer
# --------------------------------------------------------------------------------------------

def split_dump(text):
    """Return ``[(path, content), ...]`` in the order nginx -T printed the files."""
    files, path, lines = [], None, []
    for line in (text or "").splitlines():
        match = FILE_HEADER.match(line)
        if match:
            if path is not None:
                files.append((path, "\n".join(lines)))
            path, lines = match.group(1), []
        elif path is not None:
            lines.append(line)
    if path is not None:
        files.append((path, "\n".join(lines)))
    return files


def tokenize(text):
    """Yield nginx tokens: ``(kind, value)`` with kind ``word``, ``;``, ``{`` or ``}``.

    Quoted strings lose their quotes and keep backslash escapes of the quote; ``#`` starts a
    comment outside quotes and variables (``${name}`` is one word).
    """
    i, length = 0, len(text)
    while i < length:
        char = text[i]
        if char.isspace():
            i += 1
        elif char == "#":
            while i < length and text[i] != "\n":
                i += 1
        elif char in ";{}":
            yield char, char
            i += 1
        elif char in "\"'":
            quote, i, value = char, i + 1, []
            while i < length and text[i] != quote:
                if text[i] == "\\" and i + 1 < length and text[i + 1] in (quote, "\\"):
                    value.append(text[i + 1])
                    i += 2
                    continue
                value.append(text[i])
                i += 1
            if i >= length:
                raise NginxConfError("unterminated quoted string")
            yield "word", "".join(value)
            i += 1
        else:
            start = i
            while i < length and not text[i].isspace() and text[i] not in ";{}\"'":
                if text[i] == "$" and i + 1 < length and text[i + 1] == "{":
                    end = text.find("}", i)
                    i = end + 1 if end > 0 else length
                    continue
                i += 1
            yield "word", text[start:i]


def parse_block(tokens, path):
    """Parse tokens into ``[{'name', 'args', 'block', 'file'}, ...]`` until the closing brace."""
    directives, words = [], []
    for kind, value in tokens:
        if kind == "word":
            words.append(value)
        elif kind == ";":
            if words:
                directives.append({"name": words[0], "args": words[1:], "block": None, "file": path})
            words = []
        elif kind == "{":
            if not words:
                raise NginxConfError("a block without a directive in %s" % path)
            directives.append({"name": words[0], "args": words[1:], "block": parse_block(tokens, path),
                               "file": path})
            words = []
        else:  # "}"
            return directives
    return directives


def parse_dump(text, prefix=DEFAULT_PREFIX):
    """Parse ``nginx -T`` output into the main file's directive tree, includes expanded."""
    files = split_dump(text)
    if not files:
        raise NginxConfError("no '# configuration file' in the output of nginx -T")
    contents = dict(files)
    parsed = {}

    def directives_of(path, depth):
        if depth > 20:
            raise NginxConfError("include nesting deeper than 20 at %s" % path)
        if path not in parsed:
            parsed[path] = parse_block(iter(list(tokenize(contents[path]))), path)
        return expand(parsed[path], depth)

    def expand(directives, depth):
        out = []
        for directive in directives:
            if directive["name"] == "include" and directive["args"] and directive["block"] is None:
                pattern = directive["args"][0]
                if not pattern.startswith("/"):
                    pattern = posixpath.join(prefix, pattern)
                for path in sorted(p for p in contents if fnmatch.fnmatchcase(p, pattern)):
                    out.extend(directives_of(path, depth + 1))
                continue
            if directive["block"] is not None:
                directive = dict(directive, block=expand(directive["block"], depth))
            out.append(directive)
        return out

    return directives_of(files[0][0], 0)


# --------------------------------------------------------------------------------------------
# Logs per server
# --------------------------------------------------------------------------------------------

def _children(block, name):
    return [d for d in block or [] if d["name"] == name]


def _log_formats(http):
    formats = {"combined": {"format": COMBINED, "escape": "default", "file": None}}
    for directive in _children(http, "log_format"):
        args = list(directive["args"])
        if not args:
            continue
        name, escape = args.pop(0), "default"
        if args and args[0].startswith("escape="):
            escape = args.pop(0)[len("escape="):]
        formats[name] = {"format": "".join(args), "escape": escape, "file": directive["file"]}
    return formats


def _path_info(path):
    """A log target as the role sees it: a file, a glob when the path holds variables, or not a file."""
    if path.startswith("syslog:") or path == "stderr" or path.startswith("memory:"):
        return {"path": path, "file": False, "glob": None}
    if VARIABLE.search(path):
        return {"path": path, "file": True, "glob": VARIABLE.sub("*", path)}
    return {"path": path, "file": True, "glob": None}


def _access_logs(block, inherited, prefix):
    """The access_log directives of a level, or the inherited ones when it has none."""
    directives = _children(block, "access_log")
    if not directives:
        return inherited
    logs = []
    for directive in directives:
        args = directive["args"]
        if not args or args[0] == "off":
            continue
        path = args[0] if args[0].startswith(("/", "syslog:")) else posixpath.join(prefix, args[0])
        log_format = args[1] if len(args) > 1 and "=" not in args[1] else "combined"
        logs.append(dict(_path_info(path), format=log_format, file_of_directive=directive["file"]))
    return logs


def _error_logs(block, inherited, prefix):
    directives = _children(block, "error_log")
    if not directives:
        return inherited
    logs = []
    for directive in directives:
        args = directive["args"]
        if not args:
            continue
        path = args[0] if args[0].startswith("/") or ":" in args[0] or args[0] == "stderr" \
            else posixpath.join(prefix, args[0])
        logs.append(_path_info(path))
    return logs


def _locations(block):
    found = []
    for directive in block or []:
        if directive["name"] == "location" and directive["block"] is not None:
            found.append(directive)
            found.extend(_locations(directive["block"]))
    return found


def _realip(directives):
    found = {"set_real_ip_from": [], "real_ip_header": None}

    def walk(block):
        for directive in block or []:
            if directive["name"] == "set_real_ip_from":
                found["set_real_ip_from"].extend(directive["args"])
            elif directive["name"] == "real_ip_header" and directive["args"]:
                found["real_ip_header"] = directive["args"][0]
            walk(directive["block"])
    walk(directives)
    found["set_real_ip_from"] = sorted(set(found["set_real_ip_from"]))
    found["configured"] = bool(found["set_real_ip_from"])
    return found


def classify(log_format):
    """Which supported format a log_format is, or why it is none.

    Returns ``{'format': NAME or None, 'reason': str, 'fix': str}``.
    """
    # nginx writes the text as it is: two spaces or a newline in it are in every line too.
    text = log_format["format"]
    escape = log_format.get("escape", "default")
    if escape != "default":
        return {"format": None,
                "reason": "it is written with escape=%s, which the filters cannot read safely (a quote in a "
                          "request would not be escaped as \\x22)" % escape,
                "fix": "log with escape=default (drop escape=%s), or give fail2ban a second access_log in "
                       "combined" % escape}
    match = SUPPORTED.match(text)
    if match and match.group("rest")[:1] == " " and match.group("rest").strip():
        return {"format": FORMAT_NAMES[(bool(match.group("vhost")), match.group("time"))], "reason": "", "fix": ""}
    if match:
        return {"format": None, "reason": "nothing follows $status (the filters need the field after it)",
                "fix": "add ' $body_bytes_sent' (or any field) after $status"}
    start = text.split(" ", 1)[0]
    if "forwarded" in start or "real_ip" in start:
        reason = ("its first field is %s: a forwarded-for header is written by the client and must never be "
                  "banned on" % start)
    elif "remote_addr" not in text:
        reason = "it does not log $remote_addr, the client address fail2ban bans"
    elif start not in ("$remote_addr", "$host", "$server_name"):
        reason = "its first field is %s, not $remote_addr (or $host $remote_addr)" % start
    elif "$time_local" not in text and "$time_iso8601" not in text:
        reason = "it has no [$time_local] or [$time_iso8601]"
    elif '"$request"' not in text:
        reason = 'it has no "$request" right after the time'
    else:
        reason = "its start differs from every supported format"
    fix = ("start it with %s (or the vhost/ISO-8601 variant: $host first, $time_iso8601 for the time) and put "
           "other fields after $status; behind a proxy name it in fail2ban_nginx_trusted_proxies so that "
           "$remote_addr is the client" % STARTS["combined"])
    return {"format": None, "reason": reason, "fix": fix}


def _server_names(server):
    names = []
    for directive in _children(server, "server_name"):
        names.extend(directive["args"])
    return names


def nginx_logs(dump, prefix=DEFAULT_PREFIX):
    """Everything the role needs from ``nginx -T``: formats, servers and their logs, realip.

    Every server gets its access and error logs after nginx's inheritance (a level without an
    ``access_log``/``error_log`` takes its parent's; ``off`` at a level means no access log there),
    plus the logs of its locations.
    """
    main = parse_dump(dump, prefix)
    http_blocks = [d["block"] for d in main if d["name"] == "http" and d["block"] is not None]
    http = [d for block in http_blocks for d in block]
    formats = _log_formats(http)
    main_errors = _error_logs(main, [_path_info(DEFAULT_ERROR_LOG)], prefix)
    http_access = _access_logs(http, [dict(_path_info(DEFAULT_ACCESS_LOG), format="combined",
                                           file_of_directive=None)], prefix)
    http_errors = _error_logs(http, main_errors, prefix)
    servers = []
    for server in _children(http, "server"):
        block = server["block"]
        access = list(_access_logs(block, http_access, prefix))
        errors = list(_error_logs(block, http_errors, prefix))
        for location in _locations(block):
            access.extend(log for log in _access_logs(location["block"], [], prefix) if log not in access)
            errors.extend(log for log in _error_logs(location["block"], [], prefix) if log not in errors)
        servers.append({"names": _server_names(block), "file": server["file"],
                        "access_logs": access, "error_logs": errors})
    return {"log_formats": formats, "servers": servers, "http_access_logs": http_access,
            "http_error_logs": http_errors, "realip": _realip(main)}


def _watched(log):
    return log["glob"] or log["path"]


def select_logs(info, vhosts=None):
    """The access and error logs to watch: those of every server, or of the servers named in ``vhosts``.

    Returns ``{'access_logs': [...], 'error_logs': [...], 'not_files': [...], 'unknown_vhosts': [...]}``;
    each access log is ``{'path', 'formats': [{'name', 'servers'}]}`` with the path fail2ban reads (a
    glob where nginx's path holds variables).
    """
    vhosts = list(vhosts or [])
    servers = info["servers"]
    if vhosts:
        servers = [s for s in servers if set(s["names"]) & set(vhosts)]
    unknown = sorted(set(vhosts) - set(name for s in info["servers"] for name in s["names"]))
    if not info["servers"] and not vhosts:
        servers = [{"names": [], "access_logs": info["http_access_logs"], "error_logs": info["http_error_logs"]}]
    access, errors, not_files = {}, [], []
    for server in servers:
        label = server["names"][0] if server["names"] else "(no server_name)"
        for log in server["access_logs"]:
            if not log["file"]:
                not_files.append("server %s: access_log %s is not a file fail2ban can read" % (label, log["path"]))
                continue
            entry = access.setdefault(_watched(log), {"path": _watched(log), "nginx_path": log["path"], "formats": {}})
            entry["formats"].setdefault(log["format"], []).append(label)
        for log in server["error_logs"]:
            if not log["file"]:
                not_files.append("server %s: error_log %s is not a file fail2ban can read" % (label, log["path"]))
            elif _watched(log) not in errors:
                errors.append(_watched(log))
    access_logs = [{"path": entry["path"], "nginx_path": entry["nginx_path"],
                    "formats": [{"name": name, "servers": sorted(set(names))}
                                for name, names in sorted(entry["formats"].items())]}
                   for entry in access.values()]
    return {"access_logs": access_logs, "error_logs": errors, "not_files": sorted(set(not_files)),
            "unknown_vhosts": unknown}


def check_formats(info, access_logs, paths, expected):
    """Errors for the access logs among ``paths`` (what the jails read) written in a format the filters
    do not read as ``expected`` (fail2ban_nginx_access_log_format). ``access_logs`` is every access
    log of nginx (select_logs without vhosts), so a path the user gave is checked too."""
    errors = []
    by_path = dict((log["path"], log) for log in access_logs)
    for path in paths:
        log = by_path.get(path)
        if log is None:
            continue
        for used in log["formats"]:
            where = "access log %s (server %s)" % (path, ", ".join(used["servers"]))
            declared = info["log_formats"].get(used["name"])
            if declared is None:
                errors.append("%s uses log_format '%s', which nginx's configuration does not declare"
                              % (where, used["name"]))
                continue
            verdict = classify(declared)
            if verdict["format"] is None:
                errors.append("%s is written with log_format '%s', which the filters cannot read: %s. Fix: %s."
                              % (where, used["name"], verdict["reason"], verdict["fix"]))
            elif verdict["format"] != expected:
                errors.append("%s is written with log_format '%s', which is the '%s' format, and "
                              "fail2ban_nginx_access_log_format is '%s'. Fix: set fail2ban_nginx_access_log_format: %s "
                              "(every watched access log must use that format)."
                              % (where, used["name"], verdict["format"], expected, verdict["format"]))
    return errors
