#!/usr/bin/env bash
# `make bench`: every benchmark in bench/, each printing its own table. Nothing is asserted.
# Usage: bench.sh [filters|status|report|detection|engines|share]...   (default: all six)
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$FORTRESS_ROOT"
[ "$#" -gt 0 ] || set -- filters status report detection engines share
for bench in "$@"; do
  case "$bench" in
    filters) bash scripts/ensure-fail2ban-regex.sh && python bench/filter_throughput.py ;;
    status) bash scripts/ensure-images.sh bookworm && python bench/fail2ban_status_bench.py ;;
    report) python bench/ban_report_bench.py ;;
    detection) bash scripts/ensure-fail2ban-regex.sh && python bench/detection_bench.py ;;
    # ufw, nftables sets and ipset through fail2ban (issue #12): about 25 minutes.
    engines) bash scripts/ensure-images.sh bookworm && python bench/ban_engine_bench.py ;;
    # playbooks/share_bans.yml, 10,000 addresses x 20 hosts on fake fail2ban sockets (issue #13).
    share) python bench/share_bans_bench.py ;;
    *) die "unknown benchmark '$bench' (filters, status, report, detection, engines, share)" ;;
  esac
done
