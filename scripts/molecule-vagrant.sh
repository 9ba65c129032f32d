#!/usr/bin/env bash
# Run the Vagrant scenario (molecule/vagrant): make the host ready (Vagrant, libvirt, QEMU, the
# community.vagrant collection), build or pick the box, then run Molecule with the collections
# path that holds both the checkout (fortress.nginx) and community.vagrant.
#
# Usage: molecule-vagrant.sh [molecule subcommand and its options]   (default: test)
#   e.g. molecule-vagrant.sh converge; molecule-vagrant.sh verify; molecule-vagrant.sh destroy
# Environment: FORTRESS_VAGRANT_DISTRO=bookworm|bullseye|trixie (default bookworm),
#   FORTRESS_VAGRANT_BOX=<box> (use that box instead of building one), see docs/testing.md.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$FORTRESS_ROOT"

bash scripts/ensure-vagrant.sh
FORTRESS_VAGRANT_BOX="$(bash scripts/build-vagrant-box.sh)"
export FORTRESS_VAGRANT_BOX
export FORTRESS_VAGRANT_DISTRO="${FORTRESS_VAGRANT_DISTRO:-bookworm}"
vagrant_collections="$(bash scripts/vagrant-collection.sh)"
export ANSIBLE_COLLECTIONS_PATH="$FORTRESS_COLLECTIONS:$vagrant_collections"
# Vagrant talks to the system libvirt daemon, as root does here.
export LIBVIRT_DEFAULT_URI="${LIBVIRT_DEFAULT_URI:-qemu:///system}"

[ "$#" -gt 0 ] || set -- test
log "molecule $1 -s vagrant (box $FORTRESS_VAGRANT_BOX)"
subcommand="$1"
shift
exec molecule "$subcommand" -s vagrant "$@"
