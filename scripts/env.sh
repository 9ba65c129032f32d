# Environment for every project command (sourced): the venv first on PATH, and the checkout visible
# to Ansible as the collection fortress.nginx.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FORTRESS_VENV="${FORTRESS_VENV:-$FORTRESS_ROOT/.venv}"
export PATH="$FORTRESS_VENV/bin:$PATH"
# The committed link .collections/ansible_collections/fortress/nginx -> the checkout (see ansible.cfg).
export FORTRESS_COLLECTIONS="$FORTRESS_ROOT/.collections"
export ANSIBLE_COLLECTIONS_PATH="$FORTRESS_COLLECTIONS"
export ANSIBLE_CONFIG="$FORTRESS_ROOT/ansible.cfg"
export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-0}"
# Molecule must not reach for Galaxy: every dependency is in the venv (the ansible package).
export MOLECULE_NO_LOG="${MOLECULE_NO_LOG:-false}"
# Base images: built locally from Debian packages unless the user names registry images.
export FORTRESS_IMAGE_BOOKWORM="${FORTRESS_IMAGE_BOOKWORM:-fortress-nginx/debian:bookworm}"
export FORTRESS_IMAGE_BULLSEYE="${FORTRESS_IMAGE_BULLSEYE:-fortress-nginx/debian:bullseye}"
export FORTRESS_IMAGE_TRIXIE="${FORTRESS_IMAGE_TRIXIE:-fortress-nginx/debian:trixie}"
