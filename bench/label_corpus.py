"""Ground truth per client address for the real-log corpus (issue 11): writes
bench/corpus/labels/<source>.tsv (ip, label, rule, requests, evidence).

    python bench/label_corpus.py            # every source present (run fetch_external.sh first)

Labels: attacker, legit, unknown (unknown clients are left out of every figure). The rules are
documented in docs/filters.md ("Real traffic: ground truth"). They look at what a client did on the
whole log, not at any fail2ban regex of this repository, and a client is judged on its own
requests. Manual corrections go to bench/corpus/labels_override.tsv (source, ip, label, reason),
applied when the labels are read, never written into the generated files.
"""

from __future__ import annotations

import collections
import ipaddress
import re
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus_lib as cl  # noqa: E402

WELL_FORMED = re.compile(r"^[A-Z]{3,10} \S+ HTTP/\d\.\d$")
ORDINARY_METHODS = {"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"}

# A1 secrets and version-control data: asking for them is an attack whatever the server answers.
SECRET = re.compile(
    r"/\.(?:git|svn|hg|bzr|env|aws|ssh|docker|npmrc|htpasswd|htaccess|ds_store|vscode|idea|bash_history)(?:[/._-]|$)"
    r"|/(?:id_rsa|id_dsa|wp-config\.php|web\.config|credentials|phpinfo\.php|info\.php|config\.php\.bak|"
    r"database\.sql|dump\.sql|backup\.sql|db\.sql|server-status|etc/passwd|boot\.ini)",
    re.I)
# A2 exploit payloads in the (twice URL-decoded) target.
PAYLOAD = re.compile(
    r"\.\./|\.\.\\|/etc/passwd|cmd\.exe|root\.exe|/bin/(?:ba)?sh|\bwget\s|\bcurl\s|<script|union\s+select|"
    r"\$\{jndi:|base64_decode|allow_url_include|php://|auto_prepend_file|die\(md5|\beval\(|"
    r"/default\.ida\?|%u9090|\\x90|chmod\s+[0-7]{3}",
    re.I)
# A3 entry points of software that scanners look for (web shells, admin panels, router and IIS
# exploits). Counts only where that path never succeeded on this server for anybody: a site that
# runs WordPress is not attacked by a request for its own wp-login.php.
FOREIGN_APP = re.compile(
    r"^/(?:wp-login\.php|xmlrpc\.php|wp-admin|wp-content/plugins|wp-includes|wordpress|"
    r"phpmyadmin|pma|myadmin|mysqladmin|dbadmin|sqladmin|phpMyAdmin|adminer|"
    r"cgi-bin/|scripts/|msadc|_vti_bin|_vti_inf|iisadmin|_mem_bin|c/winnt|d/winnt|mssql|"
    r"boaform|HNAP1|GponForm|setup\.cgi|shell|cmd|manager/html|jmx-console|invoker|solr|actuator|"
    r"owa/|ecp/|autodiscover|remote/login|vendor/phpunit|_ignition|hudson|jenkins|druid|console|"
    r"webdav|w00tw00t|horde|roundcube|webmail|cfide|ckeditor|fckeditor|elfinder|telescope|"
    r"sumthin|MSOffice|mstshash|index\.php\?s=/|public/index\.php|phpunit|eval-stdin)",
    re.I)
# A5 offensive tools that announce themselves (research scanners such as Censys are not here).
TOOL_UA = re.compile(r"sqlmap|nikto|nuclei|wpscan|masscan|dirbuster|gobuster|feroxbuster|ffuf|"
                     r"zmeu|morfeus|Hello, World|Mozi\.|l9explore|jorgee", re.I)

ASSET = re.compile(r"\.(?:css|js|png|jpe?g|gif|svg|ico|webp|woff2?|ttf|eot|map)$", re.I)
BOTLIKE_UA = re.compile(r"bot|crawl|spider|slurp|scan|python|curl|wget|go-http|zgrab|java/|libwww|"
                        r"httpclient|okhttp|perl|ruby|php/|nmap|masscan|\(compatible; ?\)", re.I)
# Search-engine crawlers: the user agent claims one AND the address is in that operator's
# published or whois-registered ranges (an offline stand-in for reverse-DNS verification).
CRAWLERS = {
    "googlebot": ["66.249.64.0/19", "64.233.160.0/19", "66.102.0.0/20", "72.14.192.0/18"],
    "bingbot": ["157.55.0.0/16", "207.46.0.0/16", "40.77.0.0/16", "65.52.0.0/14", "131.253.0.0/16"],
    "msnbot": ["157.55.0.0/16", "207.46.0.0/16", "65.52.0.0/14", "65.54.0.0/16", "65.55.0.0/16"],
    "yandex": ["5.255.192.0/18", "77.88.0.0/18", "87.250.224.0/19", "95.108.128.0/17",
               "100.43.64.0/19", "141.8.128.0/18", "178.154.128.0/17", "213.180.192.0/19"],
    "baiduspider": ["180.76.0.0/16", "123.125.0.0/16", "220.181.0.0/16", "119.63.192.0/21"],
    "slurp": ["72.30.0.0/16", "74.6.0.0/16", "67.195.0.0/16", "68.180.0.0/16", "66.196.0.0/16",
              "68.142.192.0/18"],
    "applebot": ["17.0.0.0/8"],
    "duckduckbot": ["20.191.45.212/32", "40.88.21.235/32", "40.76.173.151/32"],
}
CRAWLER_NETS = {name: [ipaddress.ip_network(n) for n in nets] for name, nets in CRAWLERS.items()}


def decoded(target: str) -> str:
    return urllib.parse.unquote(urllib.parse.unquote(target))


def empty(r: cl.Request) -> bool:
    """nginx writes "-" (old versions) or "" when a connection closed before any request line:
    browsers' speculative connections and media players' aborted range requests do that all day
    (podcast-2013 shows it), so it is evidence of nothing."""
    return r.request in ("-", "")


def attack_evidence(r: cl.Request, exists: set[str]) -> str | None:
    """The first attacker rule this request meets, or None."""
    if empty(r):
        return None
    if not WELL_FORMED.match(r.request):
        return "A0 malformed or non-HTTP request line"
    if r.method == "CONNECT" or re.match(r"^(?:https?://|[\w.-]+:\d+$)", r.target, re.I):
        return "A4 proxy request"
    if r.method not in ORDINARY_METHODS:
        return "A6 probing method"
    text = decoded(r.target)
    if SECRET.search(decoded(r.path)):
        return "A1 secret or VCS path"
    if PAYLOAD.search(text):
        return "A2 exploit payload"
    if FOREIGN_APP.search(decoded(r.path)) and r.path not in exists:
        return "A3 foreign application probe"
    if TOOL_UA.search(r.ua):
        return "A5 offensive tool user agent"
    return None


def crawler(ip: str, ua: str) -> str | None:
    low = ua.lower()
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    for name, nets in CRAWLER_NETS.items():
        if name in low and any(addr in n for n in nets if n.version == addr.version):
            return name
    return None


def printable(text: str) -> str:
    """Evidence as one printable line: control and undecodable characters as \\xNN escapes."""
    return "".join(c if c.isprintable() else f"\\x{ord(c) & 0xff:02x}" for c in text)


def label_source(reqs: list[cl.Request]) -> list[tuple[str, str, str, int, str]]:
    # Paths that exist on this server: answered 2xx or 304 to somebody.
    exists = {r.path for r in reqs if 200 <= r.status < 300 or r.status == 304}
    by_ip: dict[str, list[cl.Request]] = collections.defaultdict(list)
    for r in reqs:
        by_ip[r.ip].append(r)
    rows = []
    for ip, rs in by_ip.items():
        label, rule, evidence = "unknown", "-", ""
        for r in rs:
            why = attack_evidence(r, exists)
            if why:
                label, rule, evidence = "attacker", why, r.request
                break
        if label == "unknown":
            rs_all, rs = rs, [r for r in rs if not empty(r)] or rs
            ok = [r for r in rs if 200 <= r.status < 400]
            uas = {r.ua for r in rs}
            pages = [r for r in ok if not ASSET.search(r.path)]
            assets = [r for r in ok if ASSET.search(r.path)]
            name = next((c for c in (crawler(ip, ua) for ua in uas) if c), None)
            if name:
                label, rule, evidence = "legit", f"L2 verified crawler ({name})", rs[0].ua
            elif (pages and assets and all(u.startswith("Mozilla/") and not BOTLIKE_UA.search(u) for u in uas)):
                label, rule, evidence = "legit", "L1 browser: pages and assets", pages[0].request
            elif (len(rs) >= 3 and len(ok) >= 0.8 * len(rs) and all(r.path in exists for r in rs)):
                label, rule, evidence = "legit", "L3 site client: existing paths, >=80% answered", rs[0].request
            rs = rs_all
        rows.append((ip, label, rule, len(rs), printable(evidence)[:160]))
    rows.sort(key=lambda row: (row[1], -row[3], row[0]))
    return rows


def main() -> None:
    cl.LABELS.mkdir(parents=True, exist_ok=True)
    for src in cl.sources():
        path = cl.source_path(src)
        if path is None:
            print(f"{src['id']}: not present (bash bench/corpus/fetch_external.sh), labels left as they are")
            continue
        reqs = cl.parse(cl.read_lines(path))
        rows = label_source(reqs)
        out = cl.LABELS / f"{src['id']}.tsv"
        out.write_text("ip\tlabel\trule\trequests\tevidence\n"
                       + "".join("\t".join(map(str, row)) + "\n" for row in rows), encoding="utf-8", errors="backslashreplace")
        counts = collections.Counter(row[1] for row in rows)
        print(f"{src['id']}: {len(reqs):,} requests, {len(rows):,} clients: "
              + ", ".join(f"{counts[k]:,} {k}" for k in ("attacker", "legit", "unknown")) + f" -> {out.relative_to(cl.ROOT)}")


if __name__ == "__main__":
    main()
