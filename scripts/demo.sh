#!/usr/bin/env bash
# `make demo`: a local container stands in for a web server; harden it, attack it, show the bans
# and the ban report. Re-running it reuses the containers; `scripts/demo.sh clean` removes them.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$FORTRESS_ROOT"

if [ "${1:-}" = clean ]; then
  docker rm -f fortress-demo-target fortress-demo-attacker fortress-demo-guesser fortress-demo-visitor >/dev/null 2>&1 || true
  docker network rm fortress-demo >/dev/null 2>&1 || true
  rm -rf .build/demo
  log "demo removed"
  exit 0
fi

bash scripts/ensure-images.sh bookworm
apt_install openssh-client
log "running playbooks/demo.yml against inventory/demo.yml"
ansible-playbook -i inventory/demo.yml playbooks/demo.yml "$@"
report="$FORTRESS_ROOT/.build/demo/report/report.html"
log "the target's bans: fail2ban's nftables sets (nft list table inet f2b-table)"
docker exec fortress-demo-target nft list table inet f2b-table || true
log "next to ufw's rules (ufw status verbose): the allow-list, no ban rules"
docker exec fortress-demo-target ufw status verbose
log "done. The ban report (built with SAMPLE geolocation data): $report"
log "open it with a browser, e.g. chromium --headless --screenshot $report, or copy it to your desktop"
log "remove the demo with: bash scripts/demo.sh clean"
