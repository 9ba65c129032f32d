# Shared helpers for the project's set-up scripts (sourced, not executed).
# shellcheck shell=bash

FORTRESS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FORTRESS_ROOT

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "this step installs system packages: run it as root"
}

apt_updated=""
apt_install() {
  # Install only the Debian/Ubuntu packages that are missing; update the index once.
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  need_root
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq -o DPkg::Lock::Timeout=300
    apt_updated=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >/dev/null
}

# The Debian mirror: $FORTRESS_DEBIAN_MIRROR, else the first Debian archive URI in the host's
# apt sources (deb822 *.sources or one-line sources.list). Never a hard-coded host.
debian_mirror() {
  if [ -n "${FORTRESS_DEBIAN_MIRROR:-}" ]; then
    printf '%s\n' "$FORTRESS_DEBIAN_MIRROR"
    return 0
  fi
  local uri
  uri=$(
    {
      for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        # deb822: keep the URIs of stanzas whose Suites are not a -security/-updates pocket only.
        awk 'BEGIN{RS=""; FS="\n"} {
               uris=""; suites="";
               for (i=1;i<=NF;i++) {
                 if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/,"",$i); uris=$i }
                 if ($i ~ /^Suites:/) { sub(/^Suites:[ \t]*/,"",$i); suites=$i }
               }
               if (uris != "" && suites !~ /security/) { split(uris,u,/[ \t]+/); print u[1] }
             }' "$f"
      done
      for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        awk '$1=="deb" { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i+1) !~ /security/) print $i; break } }' "$f"
      done
    } | grep -E '/debian/?$' | head -n 1
  )
  [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources*; set FORTRESS_DEBIAN_MIRROR=<url of a Debian archive mirror>"
  printf '%s\n' "${uri%/}"
}
