#!/usr/bin/env bash
# Make sure a Docker engine answers: install docker.io when no engine is present, start dockerd in
# the background when no init system runs it, and reuse an engine that is already up.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Every systemd container runs its own systemd, fail2ban and others, each taking inotify instances
# from the host's per-user limit (128 on Debian): two scenarios side by side ran out ("Too many
# open files" when fail2ban reloads). Raise it for the running kernel only.
if [ "$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 1024)" -lt 1024 ]; then
  sysctl -q -w fs.inotify.max_user_instances=1024 || log "could not raise fs.inotify.max_user_instances"
fi

if docker info >/dev/null 2>&1; then
  log "docker engine already running"
  exit 0
fi
command -v dockerd >/dev/null 2>&1 || apt_install docker.io
apt_install iptables ca-certificates
if docker info >/dev/null 2>&1; then exit 0; fi

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  log "starting docker through systemd"
  systemctl start docker
else
  log "no systemd: starting dockerd in the background (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
fi
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { log "docker engine ready"; exit 0; }
  sleep 1
done
tail -n 20 /var/log/dockerd.log >&2 || true
die "dockerd did not become ready within 60 s"
