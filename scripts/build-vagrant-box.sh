#!/usr/bin/env bash
# The Vagrant box for molecule/vagrant: the box the user names, or one built here from Debian
# packages (no Vagrant Cloud needed) and cached in Vagrant's box store.
#
#   FORTRESS_VAGRANT_BOX=debian/bookworm64  use that box as it is (Vagrant fetches it when needed);
#   FORTRESS_VAGRANT_DISTRO=bookworm|bullseye|trixie  the release to build (default bookworm);
#   FORTRESS_DEBIAN_MIRROR=<url>            the mirror (default: the host's apt sources).
# Prints the box name on stdout, progress on stderr. Builds only when `vagrant box list` lacks it
# (`vagrant box remove fortress-nginx/debian-<release>-r<recipe>` to rebuild).
#
# The built box: debootstrap minbase + kernel, systemd, sshd, sudo, python3, grub on an 8 GiB
# MBR disk (qcow2), with the packages the scenario's host runs (nginx, ufw, fail2ban,
# python3-systemd, and docker.io with busybox-static for a registry-free test image) preinstalled and not started, so that no dpkg runs in the emulated guest (the
# Docker scenario proves the fresh installs, on every release); user vagrant with passwordless sudo and Vagrant's insecure public key (Vagrant
# replaces it at first `up`); SSH host keys generated at first boot; eth0 (management network) and
# eth1 (QEMU user-mode NIC, if present) on DHCP, eth1 preferred for the default route.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -n "${FORTRESS_VAGRANT_BOX:-}" ]; then
  log "vagrant box: using $FORTRESS_VAGRANT_BOX as named by FORTRESS_VAGRANT_BOX"
  printf '%s\n' "$FORTRESS_VAGRANT_BOX"
  exit 0
fi
release="${FORTRESS_VAGRANT_DISTRO:-bookworm}"
case "$release" in
  bullseye | bookworm | trixie) ;;
  *) die "FORTRESS_VAGRANT_DISTRO=$release: expected bullseye, bookworm or trixie" ;;
esac
# The recipe version is part of the name: a box built by an older recipe is not reused.
# r3: docker.io and busybox-static for the Docker-host check (ufw_baseline_docker).
BOX_RECIPE=3
box="fortress-nginx/debian-$release-r$BOX_RECIPE"
if vagrant box list 2>/dev/null | awk '{print $1}' | grep -qxF "$box"; then
  log "vagrant box $box already built (vagrant box remove $box to rebuild)"
  printf '%s\n' "$box"
  exit 0
fi

need_root
apt_install debootstrap debian-archive-keyring qemu-utils e2fsprogs fdisk mount
mirror="$(debian_mirror)"
vagrant_pub="$(find /usr/share/rubygems-integration/all/gems -path '*/vagrant-*/keys/vagrant.pub' 2>/dev/null | sort | head -n 1)"
[ -r "$vagrant_pub" ] || die "Vagrant's insecure public key not found (is the vagrant package installed?)"

work="$(mktemp -d /var/tmp/fortress-vagrant-box.XXXXXX)"
root="$work/root"
loop=""
cleanup() {
  set +e
  for m in dev/pts dev proc sys ""; do
    mountpoint -q "$root/$m" && umount -l "$root/$m"
  done
  [ -n "$loop" ] && losetup -d "$loop"
  rm -rf "$work"
}
trap cleanup EXIT
started=$(date +%s)

log "box $box: 8 GiB disk, one MBR partition"
raw="$work/disk.raw"
truncate -s 8G "$raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$raw"
loop="$(losetup -f --show -P "$raw")"
part="${loop}p1"
# Without udev the partition node may not appear by itself.
[ -b "$part" ] || partx -a "$loop" 2>/dev/null || true
if [ ! -b "$part" ]; then
  sysdev="/sys/block/$(basename "$loop")/$(basename "$part")/dev"
  [ -r "$sysdev" ] || die "no partition device for $loop"
  mknod "$part" b "$(cut -d: -f1 "$sysdev")" "$(cut -d: -f2 "$sysdev")"
fi
# No orphan_file/metadata_csum_seed: bullseye's e2fsck and GRUB < 2.12 do not know them.
mkfs.ext4 -q -L rootfs -O ^orphan_file,^metadata_csum_seed "$part"
mkdir -p "$root"
mount "$part" "$root"

log "box $box: debootstrap $release from the host's mirror (about 2-3 minutes)"
packages=linux-image-amd64,systemd-sysv,udev,dbus,openssh-server,python3,python3-apt,sudo
packages+=,grub-pc-bin,grub2-common,ifupdown,isc-dhcp-client,iproute2,iptables,nftables,kmod
packages+=,procps,ca-certificates,netbase,initramfs-tools
debootstrap --variant=minbase --include="$packages" "$release" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap $release failed"; }

log "box $box: system configuration"
printf 'deb %s %s main\n' "$mirror" "$release" >"$root/etc/apt/sources.list"
log "box $box: the web server's packages (not started: policy-rc.d refuses every service start)"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
for m in dev dev/pts proc sys; do mount --bind "/$m" "$root/$m"; done
{ chroot "$root" apt-get update -qq &&
  DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends \
    nginx ufw fail2ban python3-systemd docker.io busybox-static; } >"$work/packages.log" 2>&1 ||
  { tail -n 30 "$work/packages.log" >&2; die "installing the web server's packages failed"; }
for m in sys proc dev/pts dev; do umount "$root/$m"; done
rm -f "$root/usr/sbin/policy-rc.d"
echo "fortress-$release" >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tfortress-%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  "$release" >"$root/etc/hosts"
printf 'LABEL=rootfs\t/\text4\terrors=remount-ro\t0\t1\n' >"$root/etc/fstab"
# eth0: the libvirt management network; eth1: QEMU's user-mode NIC, the way out (its lower
# metric makes it the default route whenever it exists).
cat >"$root/etc/network/interfaces" <<'EOF'
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

allow-hotplug eth0
iface eth0 inet dhcp
    metric 200

allow-hotplug eth1
iface eth1 inet dhcp
    metric 100
EOF
# SSH host keys are made per VM at first boot, never shipped in the box.
rm -f "$root"/etc/ssh/ssh_host_*
cat >"$root/etc/systemd/system/ssh-host-keys.service" <<'EOF'
[Unit]
Description=Generate missing SSH host keys
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/ssh-host-keys.service \
  "$root/etc/systemd/system/multi-user.target.wants/ssh-host-keys.service"
# The vagrant user: passwordless sudo, Vagrant's insecure key (replaced at first `vagrant up`).
chroot "$root" useradd -m -s /bin/bash -U vagrant
printf 'vagrant ALL=(ALL) NOPASSWD: ALL\nDefaults:vagrant !requiretty\n' >"$root/etc/sudoers.d/vagrant"
chmod 0440 "$root/etc/sudoers.d/vagrant"
install -d -m 0700 -o "$(stat -c %u "$root/home/vagrant")" -g "$(stat -c %g "$root/home/vagrant")" \
  "$root/home/vagrant/.ssh"
install -m 0600 -o "$(stat -c %u "$root/home/vagrant")" -g "$(stat -c %g "$root/home/vagrant")" \
  "$vagrant_pub" "$root/home/vagrant/.ssh/authorized_keys"
echo 'UseDNS no' >"$root/etc/ssh/sshd_config.d/vagrant.conf"
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

log "box $box: GRUB on the disk"
for m in dev dev/pts proc sys; do mount --bind "/$m" "$root/$m"; done
# grub-pc (which would write /etc/default/grub) is left out: it asks debconf for a boot disk.
cat >"$root/etc/default/grub" <<'EOF'
GRUB_DEFAULT=0
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0 net.ifnames=0"
GRUB_DISABLE_OS_PROBER=true
EOF
chroot "$root" grub-install --target=i386-pc "$loop" >"$work/grub.log" 2>&1 ||
  { cat "$work/grub.log" >&2; die "grub-install failed"; }
chroot "$root" update-grub >>"$work/grub.log" 2>&1 || { cat "$work/grub.log" >&2; die "update-grub failed"; }
# grub-mkconfig names the build host's loop device: boot by label instead.
sed -i -E 's#root=(/dev/[^ ]+|UUID=[^ ]+)#root=LABEL=rootfs#g' "$root/boot/grub/grub.cfg"
grep -q 'root=LABEL=rootfs' "$root/boot/grub/grub.cfg" || die "grub.cfg has no root=LABEL=rootfs"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
for m in dev/pts dev proc sys; do umount "$root/$m"; done
# Free the blocks of deleted files (debootstrap's .debs) so the image compresses to its content.
fstrim "$root" 2>/dev/null || log "fstrim unsupported here: the box will be larger"
umount "$root"
losetup -d "$loop"
loop=""

log "box $box: qcow2 image and box file"
boxdir="$work/box"
mkdir -p "$boxdir"
qemu-img convert -c -O qcow2 "$raw" "$boxdir/box.img"
rm -f "$raw"
printf '{"provider":"libvirt","format":"qcow2","virtual_size":8}\n' >"$boxdir/metadata.json"
cat >"$boxdir/Vagrantfile" <<'EOF'
# Built by fortress.nginx scripts/build-vagrant-box.sh. QEMU software emulation: KVM may be absent
# or unusable where the scenario runs.
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |libvirt|
    libvirt.driver = "qemu"
  end
end
EOF
tar -C "$boxdir" -cf "$work/$release.box" metadata.json Vagrantfile box.img
vagrant box add --name "$box" "$work/$release.box" >&2
log "box $box built and added in $(($(date +%s) - started)) s ($(du -m "$work/$release.box" | cut -f1) MiB)"
printf '%s\n' "$box"
