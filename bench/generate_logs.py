"""Deterministic, realistic nginx access/error logs and a UFW log for bench/filter_throughput.py.

Every generated line carries ground truth: the set of jobs it must trigger ("4xx", "botsearch",
"http-auth", "forbidden", "sslerror", "limit-req", "ufw"), so the benchmark can report missed
probes and false bans beside the speed.
"""

from __future__ import annotations

import datetime as dt
import random

START = dt.datetime(2026, 11, 26, 0, 0, 0, tzinfo=dt.timezone.utc)
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

BROWSER_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Googlebot-Image/1.0",
]
SCANNER_UAS = [
    "-", "Mozilla/5.0 zgrab/0.x", "python-requests/2.31.0", "Go-http-client/1.1", "curl/7.88.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))",
]
PAGES = ["/", "/blog/", "/about", "/contact", "/search?q=nginx+fail2ban", "/feed.xml", "/api/v1/items?page=2"]
ASSETS = ["/static/css/site.css", "/static/js/app.js?v=1712", "/img/hero.jpg", "/img/logo.png", "/fonts/inter.woff2",
          "/img/photos/IMG_2024.JPG", "/static/js/vendor.js.map"]
MISSING_ASSETS = ["/favicon.ico", "/apple-touch-icon.png", "/apple-touch-icon-precomposed.png", "/img/old-banner.png",
                  "/robots.txt", "/.well-known/traffic-advice", "/sitemap.xml", "/static/css/print.css"]
# (path, also a botsearch target?)
PROBES = [
    ("/wp-login.php", True), ("/xmlrpc.php", True), ("/.env", True), ("/.git/config", True), ("/phpmyadmin/", True),
    ("/pma/index.php", True), ("/cgi-bin/luci", True), ("/boaform/admin/formLogin", True),
    ("/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", True), ("/actuator/env", True), ("/wp-admin/setup-config.php", True),
    ("/admin.php", False), ("/backup.sql", True), ("/config.json", False), ("/old/", False), ("/api/.aws/credentials", True),
    ("/index.php?page=../../../../etc/passwd%00.jpg", False), ("/download.php?file=../../wp-config.php%00.png", False),
    ("/owa/auth/logon.aspx", True), ("/shell.php", True), ("/test.php", False), ("/info.php", True),
]
GARBAGE = ["", "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03\\x9C\\x1A", "SSH-2.0-Go",
           "\\x03\\x00\\x00/*\\xE0\\x00\\x00\\x00\\x00\\x00Cookie: mstshash=Administr", "MGLNDD_198.51.100.4_443",
           "CONNECT www.example.com:443 HTTP/1.1", "GET / HTTP/1.1 HELLO"]


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.15:
        groups = [f"{rng.randrange(0x2001, 0x2a10):x}", f"{rng.randrange(0, 0xffff):x}"]
        groups += [f"{rng.randrange(0, 0xffff):x}" for _group in range(rng.choice([1, 2, 4, 6]))]
        return ":".join(groups[:2]) + "::" + ":".join(groups[2:]) if len(groups) < 8 else ":".join(groups)
    # Octets of every length, so addresses vary from 7 to 15 characters.
    return ".".join(str(rng.choice([rng.randrange(1, 10), rng.randrange(10, 100), rng.randrange(100, 255)])) for _octet in range(4))


def _pool(rng: random.Random, n: int) -> list[str]:
    return [_ip(rng) for _index in range(n)]


def access_log(n: int, seed: int = 6) -> list[tuple[str, frozenset]]:
    rng = random.Random(seed)
    visitors, scanners = _pool(rng, 4000), _pool(rng, 600)
    out = []
    for i in range(n):
        t = START + dt.timedelta(seconds=i * 0.4)
        stamp = f"{t.day:02d}/{MONTHS[t.month - 1]}/{t.year}:{t:%H:%M:%S} +0000"
        proto = rng.choice(["HTTP/1.1", "HTTP/2.0"])
        r = rng.random()
        jobs: frozenset = frozenset()
        if r < 0.80:  # visitors: pages and assets, a few missing assets
            ip, ua = rng.choice(visitors), rng.choice(BROWSER_UAS)
            ref = rng.choice(["-", "https://example.org/", "https://example.org/blog/", "https://www.google.com/"])
            if r < 0.35:
                path, status = rng.choice(PAGES), rng.choice([200, 200, 200, 301, 302])
            elif r < 0.74:
                path, status = rng.choice(ASSETS), rng.choice([200, 200, 304, 206])
            else:
                path, status = rng.choice(MISSING_ASSETS), 404
            method = rng.choice(["GET"] * 12 + ["HEAD", "POST"])
            if r > 0.79:  # an auth prompt, an error of ours, a client that gave up
                status = rng.choice([401, 499, 500, 502])
            line = f'{ip} - - [{stamp}] "{method} {path} {proto}" {status} {rng.randrange(0, 40000)} "{ref}" "{ua}"'
        else:  # scanners: probes with every method, garbage request lines
            ip, ua = rng.choice(scanners), rng.choice(SCANNER_UAS)
            ref = rng.choice(["-"] * 8 + ["http://example.org/", "http://198.51.100.1/img/a.png"])
            if r < 0.955:
                path, bot = rng.choice(PROBES)
                method = rng.choice(["GET"] * 6 + ["POST", "POST", "HEAD", "PROPFIND", "OPTIONS"])
                status = rng.choice([404] * 8 + [403, 405, 444])
                request = f"{method} {path} {proto}"
                # botsearch counts a catalogue target that failed (issue #11: 403 and 405 too)
                jobs = frozenset({"4xx"} | ({"botsearch"} if bot and status in (403, 404, 405, 444) else set()))
            else:
                request, status = rng.choice(GARBAGE), 400
                jobs = frozenset({"4xx"})
            line = f'{ip} - - [{stamp}] "{request}" {status} {rng.randrange(0, 600)} "{ref}" "{ua}"'
        out.append((line, jobs))
    return out


def error_log(n: int, seed: int = 7) -> list[tuple[str, frozenset]]:
    rng = random.Random(seed)
    clients = _pool(rng, 3000)
    out = []
    for i in range(n):
        t = START + dt.timedelta(seconds=i * 0.4)
        ip = rng.choice(clients)
        head = f"{t:%Y/%m/%d %H:%M:%S} [{{level}}] 812#812: *{1000 + i} "
        req = f'server: example.org, request: "{rng.choice(["GET", "POST", "HEAD"])} {{path}} HTTP/1.1", host: "example.org"'
        r = rng.random()
        jobs: frozenset = frozenset()
        if r < 0.25:
            path = rng.choice(MISSING_ASSETS[:4] + ["/old-page", "/blog/2019/"])
            msg = f'open() "/var/www/html{path}" failed (2: No such file or directory), client: {ip}, ' + req.replace("{path}", path)
            level = "error"
        elif r < 0.40:
            path, bot = rng.choice(PROBES)
            path = path.split("?")[0]
            msg = f'open() "/var/www/html{path}" failed (2: No such file or directory), client: {ip}, ' + req.replace("{path}", path)
            level, jobs = "error", frozenset({"botsearch"} if bot else set())
        elif r < 0.46:
            user = rng.choice(["admin", "root", "test", "user name", "a, client 198.51.100.9"])
            kind = rng.choice([f'user "{user}": password mismatch', f'user "{user}" was not found in "/etc/nginx/htpasswd"'])
            msg = f"{kind}, client: {ip}, " + req.replace("{path}", "/admin/")
            level, jobs = "error", frozenset({"http-auth"})
        elif r < 0.51:
            msg = f"no user/password was provided for basic authentication, client: {ip}, " + req.replace("{path}", "/admin/")
            level = "error"
        elif r < 0.61:
            msg = f'limiting requests, excess: {rng.random() * 20:.3f} by zone "req_per_ip", client: {ip}, ' + req.replace("{path}", "/")
            level, jobs = "error", frozenset({"limit-req"})
        elif r < 0.66:
            msg = f'delaying request, excess: {rng.random():.3f}, by zone "req_per_ip", client: {ip}, ' + req.replace("{path}", "/")
            level = "warn"
        elif r < 0.71:
            err = rng.choice(["0A00010B:SSL routines::wrong version number", "0A00006C:SSL routines::bad key share",
                              "0A000102:SSL routines::unsupported protocol"])
            msg = f"SSL_do_handshake() failed (SSL: error:{err}) while SSL handshaking, client: {ip}, server: 0.0.0.0:443"
            level, jobs = "crit", frozenset({"sslerror"})
        elif r < 0.76:
            msg = rng.choice([
                "SSL_do_handshake() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) while SSL handshaking, "
                f"client: {ip}, server: 0.0.0.0:443",
                f"peer closed connection in SSL handshake while SSL handshaking, client: {ip}, server: 0.0.0.0:443",
            ])
            level = "info"
        elif r < 0.79:
            msg = f'directory index of "/var/www/html/uploads/" is forbidden, client: {ip}, ' + req.replace("{path}", "/uploads/")
            level, jobs = "error", frozenset({"forbidden"})
        elif r < 0.84:
            path = rng.choice(["/.git/config", "/.htaccess", "/wp-config.php.bak"])
            msg = f"access forbidden by rule, client: {ip}, " + req.replace("{path}", path)
            level, jobs = "error", frozenset({"forbidden"})
        elif r < 0.97:
            msg = rng.choice([
                f"connect() failed (111: Connection refused) while connecting to upstream, client: {ip}, "
                f'{req.replace("{path}", "/api/")}, upstream: "http://127.0.0.1:3000/api/"',
                f"upstream timed out (110: Connection timed out) while reading response header from upstream, client: {ip}, "
                f'{req.replace("{path}", "/report")}, upstream: "http://127.0.0.1:3000/report"',
            ])
            level = "error"
        else:
            msg = f"client intended to send too large body: 10485761 bytes, client: {ip}, " + req.replace("{path}", "/upload")
            level = "error"
        out.append((head.replace("{level}", level) + msg, jobs))
    return out


def ufw_log(n: int, seed: int = 8) -> list[tuple[str, frozenset]]:
    rng = random.Random(seed)
    sources = _pool(rng, 3000)
    out = []
    for i in range(n):
        t = START + dt.timedelta(seconds=i * 0.4)
        stamp = f"{t:%Y-%m-%dT%H:%M:%S}.{rng.randrange(0, 999999):06d}+00:00 web1 kernel: "
        src = rng.choice(sources)
        v6 = ":" in src
        mac = "MAC=52:54:00:12:34:56:52:54:00:65:43:21:" + ("86:dd" if v6 else "08:00")
        dst = "2001:db8::10" if v6 else "192.0.2.10"
        l3 = "LEN=80 TC=0 HOPLIMIT=56 FLOWLBL=0" if v6 else f"LEN=44 TOS=0x00 PREC=0x00 TTL={rng.randrange(30, 250)} ID={rng.randrange(65535)}"
        r = rng.random()
        jobs: frozenset = frozenset()
        if r < 0.60:
            tail = (f"PROTO=TCP SPT={rng.randrange(1024, 65535)} DPT={rng.choice([22, 23, 25, 445, 1433, 3306, 3389, 5900, 8080])} "
                    "WINDOW=1024 RES=0x00 SYN URGP=0")
            line, jobs = f"[UFW BLOCK] IN=eth0 OUT= {mac} SRC={src} DST={dst} {l3} {tail}", frozenset({"ufw"})
        elif r < 0.75:
            flags = rng.choice(["ACK RST", "ACK FIN", "ACK PSH", "RST"])
            line = (f"[UFW BLOCK] IN=eth0 OUT= {mac} SRC={src} DST={dst} {l3} PROTO=TCP SPT=443 DPT={rng.randrange(32768, 60999)} "
                    f"WINDOW=0 RES=0x00 {flags} URGP=0")
        elif r < 0.85:
            line = (f"[UFW BLOCK] IN=eth0 OUT= {mac} SRC={src} DST={dst} {l3} PROTO=UDP SPT={rng.choice([53, 123, 443])} "
                    f"DPT={rng.randrange(32768, 60999)} LEN=100")
        elif r < 0.90:
            line = f"[UFW BLOCK] IN= OUT=eth0 SRC={dst} DST={src} {l3} PROTO=TCP SPT={rng.randrange(32768, 60999)} DPT=25 WINDOW=64240 RES=0x00 SYN URGP=0"
        elif r < 0.95:
            line = ("[UFW BLOCK] IN=eth0 OUT= MAC=01:00:5e:00:00:01:52:54:00:65:43:21:08:00 SRC=192.0.2.1 DST=224.0.0.1 "
                    "LEN=36 TOS=0x00 PREC=0xC0 TTL=1 ID=0 DF PROTO=2")
        else:
            line = (f"[UFW ALLOW] IN=eth0 OUT= {mac} SRC={src} DST={dst} {l3} PROTO=TCP SPT={rng.randrange(1024, 65535)} "
                    "DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0")
        out.append((stamp + line, jobs))
    return out
