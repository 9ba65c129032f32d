#!/usr/bin/env bash
# Re-records the fail2ban outputs the unit tests parse, from real fail2ban servers in Debian 11
# (0.11.2), 12 (1.0.2) and 13 (1.1.0) containers built by scripts/ensure-images.sh.
# Usage: tests/unit/data/record.sh [bullseye|bookworm|trixie ...]   (default: all three)
# Writes tests/unit/data/<release>/: version.txt, status.txt, status_<jail>.txt,
# banip-with-time_<jail>.txt, ignoreip_<jail>.txt (CLI text), socket.json (the raw socket answers, recorded at the same
# moment) and cli-error_*.txt (what fail2ban-client prints for an unknown jail, a stopped server
# and a non-root caller).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../../../scripts/env.sh"
[ "$#" -gt 0 ] || set -- bullseye bookworm trixie
bash "$FORTRESS_ROOT/scripts/ensure-images.sh" "$@"

for release in "$@"; do
  var="FORTRESS_IMAGE_${release^^}"
  image="${!var}"
  name="fortress-h3-record-$release"
  out="$here/$release"
  docker rm -f "$name" >/dev/null 2>&1 || true
  trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
  log "recording fail2ban on $release ($image)"
  docker run -d --name "$name" --cap-add NET_ADMIN --cap-add SYS_ADMIN --cap-add NET_RAW \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined --cgroupns=host \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock "$image" /lib/systemd/systemd >/dev/null
  docker exec -i "$name" bash < "$here/fail2ban-fixture.sh"
  rm -rf "$out" && mkdir -p "$out"
  run_in() { docker exec "$name" "$@"; }
  run_in fail2ban-client version > "$out/version.txt"
  run_in fail2ban-client status > "$out/status.txt"
  jails=$(sed -n 's/^`- Jail list:\t//p' "$out/status.txt" | tr -d ',')
  for jail in $jails; do
    run_in fail2ban-client status "$jail" > "$out/status_$jail.txt"
    run_in fail2ban-client get "$jail" banip --with-time > "$out/banip-with-time_$jail.txt"
    run_in fail2ban-client get "$jail" ignoreip > "$out/ignoreip_$jail.txt"
  done
  docker exec -i "$name" python3 - < "$here/record-socket.py" > "$out/socket.json"
  # Error messages, as fail2ban-client prints them (exit code on the first line).
  run_in bash -c 'cd /tmp; fail2ban-client status no-such-jail; echo "rc=$?"' > "$out/cli-error_unknown-jail.txt" 2>&1 || true
  run_in bash -c 'cd /tmp; setpriv --reuid=65534 --regid=65534 --clear-groups fail2ban-client status; echo "rc=$?"' \
    > "$out/cli-error_permission-denied.txt" 2>&1 || true
  run_in bash -c 'cd /tmp; fail2ban-client -s /run/fail2ban/absent.sock status; echo "rc=$?"' > "$out/cli-error_not-running.txt" 2>&1 || true
  docker rm -f "$name" >/dev/null
  trap - EXIT
  log "wrote $out"
done
