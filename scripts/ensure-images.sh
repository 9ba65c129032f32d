#!/usr/bin/env bash
# Build the base images the Docker scenarios and the demo need (each only when missing).
# Usage: ensure-images.sh [release...]   (default: bookworm)
# A registry image can replace a local build: set FORTRESS_IMAGE_<RELEASE>=<image> and pull it first.
set -euo pipefail
. "$(dirname "$0")/env.sh"
bash "$FORTRESS_ROOT/scripts/ensure-docker.sh"
[ "$#" -gt 0 ] || set -- bookworm
for release in "$@"; do
  var="FORTRESS_IMAGE_${release^^}"
  image="${!var:-fortress-nginx/debian:$release}"
  if [ "$image" != "fortress-nginx/debian:$release" ]; then
    docker image inspect "$image" >/dev/null 2>&1 || docker pull "$image"
    # The scenarios name their image fortress-nginx/debian:<release> (Molecule cannot nest ${}).
    docker tag "$image" "fortress-nginx/debian:$release"
  else
    bash "$FORTRESS_ROOT/scripts/build-image.sh" "$release" "$image"
  fi
done
