#!/usr/bin/env bash
# Make the Vagrant scenario's host side ready, idempotently:
#   1. Vagrant, vagrant-libvirt, libvirt and QEMU from Debian's packages (only the missing ones);
#   2. virtlogd and libvirtd running (started in the background when no systemd runs them) and the
#      scenario's libvirt storage pool;
#   3. the community.vagrant collection that Molecule's vagrant driver calls (see
#      scripts/vagrant-collection.sh: Galaxy's copy when installed, else one generated offline).
# Usage: ensure-vagrant.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

host_packages=(qemu-system-x86 qemu-utils vagrant vagrant-libvirt libvirt-daemon-system libvirt-clients
  dnsmasq-base)
log "vagrant: host packages (vagrant, vagrant-libvirt, libvirt, QEMU; first time about 3 min)"
# Another process may hold dpkg's lock for a while (other set-up scripts): retry, then give up.
for attempt in $(seq 1 20); do
  (apt_install "${host_packages[@]}") && break
  [ "$attempt" -lt 20 ] || die "could not install ${host_packages[*]}"
  log "apt busy or failed (attempt $attempt/20): retrying in 15 s"
  sleep 15
done

systemd_runs() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

start_daemon() {
  # $1: daemon name; reuse a running one, else systemd, else its own --daemon mode.
  local name="$1"
  if pgrep -x "$name" >/dev/null 2>&1; then
    log "$name already running"
    return 0
  fi
  if systemd_runs; then
    log "starting $name through systemd"
    systemctl start "$name"
  else
    log "no systemd: starting $name -d"
    "$name" -d
  fi
}

start_daemon virtlogd
start_daemon libvirtd
for _ in $(seq 1 30); do
  virsh -c qemu:///system version >/dev/null 2>&1 && break
  sleep 1
done
virsh -c qemu:///system version >/dev/null 2>&1 || die "libvirtd does not answer on qemu:///system"
log "libvirtd answers on qemu:///system"

# The scenario's disks live in a storage pool of their own (molecule/vagrant/molecule.yml).
pool="${FORTRESS_VAGRANT_POOL:-fortress-vagrant}"
if ! virsh -c qemu:///system pool-info "$pool" >/dev/null 2>&1; then
  log "libvirt: defining storage pool $pool in /var/lib/libvirt/$pool"
  virsh -c qemu:///system pool-define-as "$pool" dir --target "/var/lib/libvirt/$pool" >/dev/null
  virsh -c qemu:///system pool-build "$pool" >/dev/null
fi
if [ "$(virsh -c qemu:///system pool-info "$pool" | awk '$1=="State:"{print $2}')" != running ]; then
  virsh -c qemu:///system pool-start "$pool" >/dev/null
fi
virsh -c qemu:///system pool-autostart "$pool" >/dev/null 2>&1 || true

bash "$FORTRESS_ROOT/scripts/vagrant-collection.sh" >/dev/null
log "vagrant host ready: $(vagrant --version), vagrant-libvirt $(vagrant plugin list 2>/dev/null | sed -n 's/^vagrant-libvirt (\([^,)]*\).*/\1/p')"
