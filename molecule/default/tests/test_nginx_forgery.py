"""Issue #10's newline forgery, tried live: a URL whose decoded path carries %0A and a whole forged
error-log line naming a victim. nginx writes a missing file's decoded path raw into its error log,
so without the role's `log_not_found off` each request would append a line of the attacker's
choosing, and every error-log jail would read it as nginx's own. The victim must never be banned,
and the forged text must never reach the error log."""
import os
import time
import urllib.parse

import testinfra.utils.ansible_runner

from conftest import name_of

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
