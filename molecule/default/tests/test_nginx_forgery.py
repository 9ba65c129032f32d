"""Issue #10's newline forgery, tried live: a URL whose decoded path carries %0A and a whole forged
error-log line naming a victim. nginx writes a missing file's decoded path raw into its error log,
so without the role's `log_not_found off` each request would append a line of the attacker's
choosing, and every error-log jail would read it as nginx's own. The victim must never be banned,
and the forged text must never reach the error log."""
import os
import time
import urllib.parse

import testinfra.utils.ansible_runner

from conftest import address_of, banned_in, http_get, name_of, wait_for

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("fortress")

# A documentation address: no container has it, so only a forged line could name it.
VICTIM = "203.0.113.66"
STAMP = "2026/11/30 10:00:00"
# One forged line per error-log jail, in nginx's own words (docs/filters.md).
FORGED_LINES = [
    f'{STAMP} [error] 812#812: *41 user "admin": password mismatch, client: {VICTIM}, server: fortress, '
    'request: "GET /private/ HTTP/1.1", host: "fortress"',
    f'{STAMP} [error] 812#812: *42 limiting requests, excess: 9.100 by zone "fortress_demo", client: {VICTIM}, '
    'server: fortress, request: "GET /api/ HTTP/1.1", host: "fortress"',
    f'{STAMP} [error] 812#812: *43 access forbidden by rule, client: {VICTIM}, server: fortress, '
    'request: "GET /.git/config HTTP/1.1", host: "fortress"',
    f'{STAMP} [crit] 812#812: *44 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version '
    f'number) while SSL handshaking, client: {VICTIM}, server: 0.0.0.0:443',
    f'{STAMP} [error] 812#812: *45 open() "/var/www/html/.env" failed (2: No such file or directory), '
    f'client: {VICTIM}, server: fortress, request: "GET /.env HTTP/1.1", host: "fortress"',
]
# Sends each forging request raw (http.client keeps the %0A as the client wrote it); the paths come
# as one argument, separated by spaces (they are URL-encoded, so none contains one).
SENDER = r"""
import http.client, sys
target, paths = sys.argv[1], sys.argv[2].split()
for path in paths:
    try:
        conn = http.client.HTTPConnection(target, 80, timeout=5)
        conn.request("GET", path, headers={"Host": "fortress"})
        print(conn.getresponse().status)
        conn.close()
    except OSError as exc:
        print("blocked", exc)
"""


def test_the_fortress_nginx_settings_are_in_force(host):
    assert host.file("/etc/nginx/conf.d/fortress-nginx.conf").exists
    effective = host.check_output("nginx -T 2>/dev/null")
    assert "log_not_found off;" in effective


def test_a_forged_error_log_line_bans_nobody(host, attacker):
    host.run("fail2ban-client unban --all")
    paths = []
    for line in FORGED_LINES:
        # Two newlines: the forged line stands alone, whatever nginx writes before and after it.
        paths.append("/files/x" + urllib.parse.quote("\n" + line + "\n", safe="/"))
    # Past every error-log jail's maxretry (the highest is 10).
    result = attacker.run("python3 -c %s %s %s", SENDER, name_of(host), " ".join(paths * 11))
    assert result.rc == 0, result.stderr[-2000:]
    time.sleep(3)  # fail2ban polls its logs about once a second
    assert VICTIM not in host.check_output("fail2ban-client banned")
    error_log = host.check_output("cat /var/log/nginx/error.log")
    # nginx's own lines may quote the request line, URL-encoded as sent (behind a proxy, a banned
    # client's "access forbidden by rule" does): no line of the attacker's own, no decoded client field.
    forged = [line for line in error_log.splitlines() if line.startswith(STAMP) or "client: %s" % VICTIM in line]
    assert forged == [], "a forged line reached the error log"
    host.run("fail2ban-client unban --all")


def nginx_logs_ssl_read_failures(host):
    """nginx 1.22+ (Debian 12 and 13) logs a failed SSL_read() while reading headers at [crit];
    Debian 11's nginx 1.18 does not log it at the error log's level at all."""
    version = host.check_output("nginx -v 2>&1").rsplit("/", 1)[1]
    return tuple(int(part) for part in version.split(".")[:2]) >= (1, 22)


def test_a_crafted_referrer_after_a_tls_failure_bans_its_sender_not_its_victim(host, attacker, innocent):
    """Issue #10, class 1: after a TLS handshake, headers that stop at a crafted Referer and then a
    record nginx cannot decrypt make nginx write `[crit] SSL_read() failed (...) while reading client
    request headers, client: <sender>, ..., referrer: "<crafted>"`. The referrer names the innocent
    client in nginx's own words; the sender must be banned, the innocent never."""
    host.run("fail2ban-client unban --all")
    victim = address_of(innocent, "4")
    senders = {address_of(attacker, "4"), address_of(attacker, "6")}
    # The issue's form. (One that also forges nginx's `, request: "` tail makes the line refused
    # whole: then nobody is banned, see docs/threat-model.md.)
    referer = "x, client: %s, server: fortress" % victim
    before = len(host.check_output("cat /var/log/nginx/error.log").splitlines())
    sent = attacker.run("python3 /usr/local/bin/attack.py tls-referer %s --referer %s --count 12",
                        name_of(host), referer)
    assert sent.rc == 0, sent.stderr
    logged = [line for line in host.check_output("cat /var/log/nginx/error.log").splitlines()[before:]
              if "SSL_read() failed" in line]
    if nginx_logs_ssl_read_failures(host):
        # The attack reached nginx as the issue describes: nginx's own client field is the sender.
        assert logged and all(", client: %s, server: " % victim not in line.split(", referrer: ")[0] for line in logged)
        assert all('referrer: "x, client: %s, server: fortress' % victim in line for line in logged), logged[:2]
        assert wait_for(lambda: senders & set(banned_in(host, "nginx-sslerror"))), sent.stdout
    else:
        assert logged == []
        assert banned_in(host, "nginx-sslerror") == []
    time.sleep(2)  # give every jail time to read the lines
    assert victim not in host.check_output("fail2ban-client banned")
    assert http_get(innocent, "http://%s/" % name_of(host)) == "200"
    host.run("fail2ban-client unban --all")
