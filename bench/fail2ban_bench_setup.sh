#!/usr/bin/env bash
# Runs INSIDE the benchmark container: fail2ban with the given jails (the article's seven), a no-op
# ban action (bans only enter fail2ban's list, so filling 50,000 costs seconds) and no ban database.
# Usage: bash fail2ban_bench_setup.sh JAIL...
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
for _ in $(seq 150); do
  case "$(systemctl is-system-running 2>/dev/null)" in running | degraded) break ;; esac
  sleep 0.2
done
if ! command -v fail2ban-client >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends fail2ban python3-systemd >/dev/null
fi
cat > /etc/fail2ban/action.d/fortress-noop.conf <<'CONF'
[Definition]
actionstart =
actionstop =
actioncheck =
actionban =
actionunban =
CONF
cat > /etc/fail2ban/fail2ban.local <<'CONF'
[Definition]
# No sqlite writes per ban, no log line per ban: the benchmark measures reading, not filling.
dbfile = :memory:
loglevel = WARNING
CONF
mkdir -p /var/log/nginx
touch /var/log/nginx/access.log
{
  printf '[DEFAULT]\nbanaction = fortress-noop\nbanaction_allports = fortress-noop\nbantime = 1d\n'
  for jail in "$@"; do
    if [ "$jail" = sshd ]; then
      printf '\n[sshd]\nenabled = true\nbackend = systemd\n'
    else
      printf '\n[%s]\nenabled = true\nfilter = nginx-botsearch\nlogpath = /var/log/nginx/access.log\n' "$jail"
    fi
  done
} > /etc/fail2ban/jail.d/zz-fortress-bench.local
systemctl restart fail2ban
for _ in $(seq 100); do fail2ban-client ping >/dev/null 2>&1 && break; sleep 0.2; done
fail2ban-client ping >/dev/null
