#!/bin/sh
# fortress-nginx-deny: the fail2ban action fortress-nginx-deny's helper (fortress.nginx.fail2ban_nginx).
#
#   fortress-nginx-deny start|flush DENYFILE          (flush: empty the file, for manual use)
#   fortress-nginx-deny ban|unban DENYFILE IP
#
# Keeps DENYFILE, the `deny <ip>;` lines nginx includes at http level, and reloads nginx. The new
# text is written to a temporary file next to DENYFILE and renamed over it; nginx reloads only when
# `nginx -t` accepts it, otherwise the previous file is put back and the action fails: nginx is
# never left with a broken include. One action at a time (flock): jails ban in parallel.
set -eu
cmd=${1:-} file=${2:-} ip=${3:-}
case $cmd in
  start|flush) ;;
  ban|unban)
    # fail2ban hands over a checked address or network (CIDR); this refuses anything else all the same.
    case $ip in
      ''|*[!0-9A-Fa-f:./]*) echo "fortress-nginx-deny: not an address: '$ip'" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: fortress-nginx-deny start|flush|ban|unban DENYFILE [IP]" >&2; exit 2 ;;
esac
[ -n "$file" ] || { echo "fortress-nginx-deny: no DENYFILE" >&2; exit 2; }

exec 9>/run/fortress-nginx-deny.lock
flock 9

if [ "$cmd" = start ]; then
  # The jail's file exists from its start (empty is fine); fail2ban restores its bans after this.
  mkdir -p "$(dirname "$file")"
  [ -e "$file" ] || { : >"$file"; chmod 0644 "$file"; }
  exit 0
fi

dir=$(dirname "$file")
new=$(mktemp "$dir/.fortress-deny.new.XXXXXX")
old=$(mktemp "$dir/.fortress-deny.old.XXXXXX")
trap 'rm -f "$new" "$old"' EXIT
if [ -e "$file" ]; then
  cp -p "$file" "$old"
  if [ "$cmd" != flush ]; then
    grep -vxF "deny $ip;" "$file" >"$new" || [ $? -eq 1 ]
  fi
else
  : >"$old"
fi
[ "$cmd" = ban ] && printf 'deny %s;\n' "$ip" >>"$new"
chmod 0644 "$new"
if [ -e "$file" ] && cmp -s "$new" "$file"; then
  exit 0
fi
mv -f "$new" "$file"

reload() {
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx; then
    systemctl reload nginx
  elif [ -s /run/nginx.pid ]; then
    nginx -s reload
  fi
}
if nginx -t -q 2>/dev/null; then
  reload
else
  # Put the previous file back: nginx keeps running with it, and the ban is reported as failed.
  mv -f "$old" "$file"
  echo "fortress-nginx-deny: nginx -t refused the configuration with $file; the previous file is back" >&2
  nginx -t >&2 || true
  exit 1
fi
