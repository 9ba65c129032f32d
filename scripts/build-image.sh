#!/usr/bin/env bash
# Build (once) the local base image for a Debian release: debootstrap a minimal rootfs with systemd
# and python3 from the host's Debian mirror, then `docker import` it. No registry is needed.
# Usage: build-image.sh <bookworm|bullseye|trixie> [image-name]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

release="${1:?usage: build-image.sh <release> [image]}"
image="${2:-fortress-nginx/debian:${release}}"

# Bump when the recipe below changes: images built by an older recipe are rebuilt.
RECIPE=2
if [ "$(docker image inspect -f '{{ index .Config.Labels "fortress.recipe" }}' "$image" 2>/dev/null)" = "$RECIPE" ]; then
  log "image $image already built (docker rmi it to rebuild)"
  exit 0
fi
apt_install debootstrap debian-archive-keyring
mirror="$(debian_mirror)"
rootfs="$(mktemp -d /var/tmp/fortress-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
log "debootstrap $release from $mirror (about a minute)"
debootstrap --variant=minbase \
  --include=python3,python3-apt,systemd,systemd-sysv,dbus,iproute2,procps,ca-certificates \
  "$release" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || { tail -n 30 "$rootfs.log" >&2; die "debootstrap $release failed"; }
rm -f "$rootfs.log"
# The container gets the host's mirror for apt, a clean machine-id and no apt cache.
printf 'deb %s %s main\n' "$mirror" "$release" >"$rootfs/etc/apt/sources.list"
: >"$rootfs/etc/machine-id"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
# Ansible's apt cache_valid_time reads the lists directory's age: make the emptied index look stale
# so the first apt task with cache_valid_time updates it.
touch -d @0 "$rootfs/var/lib/apt/lists"
log "docker import $image"
tar -C "$rootfs" -c . | docker import \
  -c 'CMD ["/lib/systemd/systemd"]' -c 'ENV container=docker' -c "LABEL fortress.recipe=$RECIPE" \
  - "$image" >/dev/null
log "built $image"
