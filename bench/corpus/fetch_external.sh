#!/usr/bin/env bash
# Puts the corpus logs whose licence does not let us commit them (sources.yml, committed: false)
# into .build/corpus/, checked against their sha256. Nothing is installed.
#
#   bash bench/corpus/fetch_external.sh            download from raw.githubusercontent.com
#   FORTRESS_CORPUS_GIT=/path/to/clone.git bash bench/corpus/fetch_external.sh
#                                                   read the file from a local clone (bare or not)
#                                                   of the source repository instead
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.build/corpus"
mkdir -p "$out"

fetch() { # id repo commit path sha256
  local id="$1" repo="$2" commit="$3" path="$4" sha="$5" dest="$out/$1.access.log"
  if [ -f "$dest" ] && echo "$sha  $dest" | sha256sum -c --status; then
    echo "$id: present ($dest)"; return
  fi
  if [ -n "${FORTRESS_CORPUS_GIT:-}" ]; then
    git --git-dir="$FORTRESS_CORPUS_GIT" show "$commit:$path" > "$dest.tmp" 2>/dev/null ||
      git -C "$FORTRESS_CORPUS_GIT" show "$commit:$path" > "$dest.tmp"
  else
    curl -fsSL "https://raw.githubusercontent.com/$repo/$commit/$path" -o "$dest.tmp"
  fi
  echo "$sha  $dest.tmp" | sha256sum -c --status || { rm -f "$dest.tmp"; echo "$id: checksum mismatch" >&2; exit 1; }
  mv "$dest.tmp" "$dest"
  echo "$id: fetched ($dest)"
}

fetch roadmap-2024 brambillagabrielle/devops-nginx-log-analyser-project \
  7c3c9e5f8a3a3c8dab999a7d447255a5d84f4313 nginx-access.log \
  246cfacffc54ff9630a2cb14ab244e34011fd671dfaf7f02e860bc1ca72d666c
