#!/usr/bin/env bash
# Runs INSIDE a Debian container: installs fail2ban, configures the jails the unit-test data is
# recorded from, and creates their state (failures and bans). Used by record.sh and by the live
# integration test, so both see the same jails.
#   - nginx-http-auth    file backend, IPv4 + IPv6 bans, failures counted from real log lines
#   - nginx-limit-req    file backend, nothing banned (empty lists)
#   - shop.example-com   dots and dashes in the name, two log files, an IPv6 ban
#   - sshd               journal backend (journal matches instead of a file list)
#   - web.admin-v2       permanent bans (bantime -1)
# ignoreip: the [DEFAULT] one (networks of both families) for most jails; sshd's own, with a host name.
# Every action is a no-op so the container's firewall is never touched.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# apt needs a booted system (apt-key fails while systemd is still mounting /tmp).
for _ in $(seq 150); do
  case "$(systemctl is-system-running 2>/dev/null)" in running | degraded) break ;; esac
  sleep 0.2
done
if ! command -v fail2ban-client >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends fail2ban python3-systemd >/dev/null
fi

cat > /etc/fail2ban/action.d/fortress-noop.conf <<'CONF'
# Keeps bans in fail2ban's own list only: no command runs, so a ban costs nothing.
[Definition]
actionstart =
actionstop =
actioncheck =
actionban =
actionunban =
CONF
mkdir -p /var/log/nginx
: > /var/log/nginx/error.log
: > /var/log/nginx/access.log
: > /var/log/nginx/shop.example-com.access.log
cat > /etc/fail2ban/jail.d/zz-fortress-fixture.local <<'CONF'
[DEFAULT]
banaction = fortress-noop
banaction_allports = fortress-noop
# Long enough that nothing expires while the outputs are recorded.
bantime = 1d
findtime = 1d
maxretry = 50
ignoreip = 127.0.0.1/8 ::1 192.0.2.128/25 2001:db8:f00::/48

[sshd]
enabled = true
backend = systemd
ignoreip = 127.0.0.1/8 ::1 203.0.113.64/26 admin.example.net

[nginx-http-auth]
enabled = true
port = http,https
logpath = /var/log/nginx/error.log

[shop.example-com]
enabled = true
filter = nginx-botsearch
port = http,https
logpath = /var/log/nginx/access.log
          /var/log/nginx/shop.example-com.access.log

[nginx-limit-req]
enabled = true
port = http,https
logpath = /var/log/nginx/error.log

[web.admin-v2]
enabled = true
filter = nginx-http-auth
port = http,https
logpath = /var/log/nginx/error.log
bantime = -1
CONF
rm -f /var/lib/fail2ban/fail2ban.sqlite3
systemctl restart fail2ban
for _ in $(seq 100); do fail2ban-client ping >/dev/null 2>&1 && break; sleep 0.2; done
fail2ban-client ping >/dev/null

now=$(date '+%Y/%m/%d %H:%M:%S')
for ip in 203.0.113.7 203.0.113.7 198.51.100.23; do
  echo "$now [error] 1234#1234: *1 user \"admin\": password mismatch, client: $ip, server: example.com, request: \"GET /admin HTTP/1.1\", host: \"example.com\"" >> /var/log/nginx/error.log
done
fail2ban-client set nginx-http-auth banip 192.0.2.10 2001:db8::1 10.0.0.2 >/dev/null
fail2ban-client set shop.example-com banip 2001:db8:0:1::abcd 192.0.2.10 >/dev/null
fail2ban-client set sshd banip 192.0.2.99 >/dev/null
fail2ban-client set web.admin-v2 banip 198.51.100.200 2001:db8::1 >/dev/null
# Wait until the filters have counted the log lines (both jails reading error.log see 3).
for _ in $(seq 100); do
  fail2ban-client status nginx-http-auth | grep -q 'Total failed:	3' &&
    fail2ban-client status web.admin-v2 | grep -q 'Total failed:	3' && break
  sleep 0.2
done
