#!/usr/bin/env bash
# The project's test runner: `make test` (everything) and `make test-fast` (no Molecule).
# Runs every stage even after a failure, prints each stage's result and duration, and exits
# non-zero when any stage failed.
# Usage: test.sh [fast|full|STAGE...]
set -uo pipefail
. "$(dirname "$0")/env.sh"
cd "$FORTRESS_ROOT" || exit 1

FAST_STAGES=(lint sanity units filters browser build)
SCENARIO_STAGES=()
TEST_START=$(date +%s)
# CI gives a run 90 minutes: the Vagrant scenario (a QEMU-emulated VM: ~32 min measured, plus ~10 min
# for host packages and the box the first time) starts
# only when enough of FORTRESS_TEST_BUDGET_MIN remains, and says so loudly when it cannot.
FORTRESS_TEST_BUDGET_MIN="${FORTRESS_TEST_BUDGET_MIN:-85}"
FORTRESS_VAGRANT_NEEDS_MIN="${FORTRESS_VAGRANT_NEEDS_MIN:-45}"
for cfg in molecule/*/molecule.yml; do
  [ -f "$cfg" ] || continue
  name="$(basename "$(dirname "$cfg")")"
  if [ "$name" = vagrant ] && [ "${FORTRESS_TEST_VAGRANT:-1}" = 0 ]; then
    echo "molecule:vagrant is off (FORTRESS_TEST_VAGRANT=0); run it with: make vagrant"
    continue
  fi
  if [ "$name" = default ]; then
    # The Docker scenario runs on every supported Debian release.
    for distro in ${FORTRESS_DOCKER_DISTROS:-bookworm bullseye trixie}; do SCENARIO_STAGES+=("molecule:default:$distro"); done
  else
    SCENARIO_STAGES+=("molecule:$name")
  fi
done

stage_lint() {
  yamllint -s . && ansible-lint --offline -q
}

stage_sanity() {
  apt_install rsync
  local tree="$FORTRESS_ROOT/.build/sanity/ansible_collections/fortress/nginx"
  rm -rf "$tree" && mkdir -p "$tree"
  # ansible-test needs the collection at a real ansible_collections/<ns>/<name> path, not a symlink.
  git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$tree/"
  # ansible-test bootstraps pip in its venvs with a script it downloads from a host we cannot reach.
  local pip_version cache
  pip_version="$(python -c 'import re,ansible_test,os;p=os.path.join(os.path.dirname(ansible_test.__file__),"_internal","python_requirements.py");print(re.search(r"pip=.([0-9.]+).,",open(p).read()).group(1))')"
  cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  [ -s "$cache" ] || { mkdir -p "$(dirname "$cache")" && cp tests/sanity/get-pip-offline.py "$cache"; }
  (cd "$tree" && git init -q . && git add -A >/dev/null && \
    ansible-test sanity --venv --requirements --python "$(python -c 'import sys;print("%d.%d"%sys.version_info[:2])')" --color no)
}

stage_units() {
  python -m pytest -q tests/unit
}

stage_filters() {
  bash scripts/ensure-fail2ban-regex.sh && python -m pytest -q tests/filters
}

stage_browser() {
  # The ban report rendered in a real browser (Debian's chromium), screenshot checked.
  command -v chromium >/dev/null 2>&1 || apt_install chromium
  python -m pytest -q tests/browser
}

stage_integration() {
  # Tests that drive ansible-playbook against disposable containers (bad input, live fail2ban).
  bash scripts/ensure-images.sh bookworm bullseye trixie && python -m pytest -q tests/integration
}

stage_build() {
  # The collection builds into a tarball that installs and whose roles resolve by FQCN.
  local out="$FORTRESS_ROOT/.build/dist" inst="$FORTRESS_ROOT/.build/installed"
  rm -rf "$out" "$inst" && mkdir -p "$out" "$inst"
  ansible-galaxy collection build --force --output-path "$out" . &&
    ansible-galaxy collection install --force --offline --no-deps -p "$inst" "$out"/fortress-nginx-*.tar.gz &&
    ANSIBLE_COLLECTIONS_PATH="$inst" ansible-playbook -i localhost, -c local tests/build/fqcn-check.yml
}

stage_molecule() {
  local scenario="$1" distro="${2:-}"
  if [ "$scenario" = vagrant ]; then
    # Real VM over SSH: libvirt/QEMU set-up, the local box and the offline community.vagrant.
    local left=$(( FORTRESS_TEST_BUDGET_MIN * 60 - ($(date +%s) - TEST_START) ))
    if [ "$left" -lt $(( FORTRESS_VAGRANT_NEEDS_MIN * 60 )) ]; then
      echo "NOT RUN: only $(( left / 60 )) of the ${FORTRESS_TEST_BUDGET_MIN} minutes' budget left, the Vagrant scenario needs ${FORTRESS_VAGRANT_NEEDS_MIN}; run it alone with: make vagrant"
      SKIPPED+=("molecule:$scenario")
      return 0
    fi
    timeout --foreground "$left" bash scripts/molecule-vagrant.sh test
  elif [ -n "$distro" ]; then
    bash scripts/ensure-images.sh "$distro" || return 1
    # Docker refuses overlapping IPv6 subnets: each release's network gets its own.
    local subnet6
    case "$distro" in bullseye) subnet6="fd42:f0f7:11::/64" ;; trixie) subnet6="fd42:f0f7:13::/64" ;; *) subnet6="fd42:f0f7:12::/64" ;; esac
    MOLECULE_DISTRO="$distro" FORTRESS_MOLECULE_SUBNET6="${FORTRESS_MOLECULE_SUBNET6:-$subnet6}" molecule test -s "$scenario"
  else
    molecule test -s "$scenario"
  fi
}

run_stage() {
  local stage="$1" start rc
  start=$(date +%s)
  printf '\n\033[1m===== %s =====\033[0m\n' "$stage"
  case "$stage" in
    molecule:*) IFS=: read -r _ scenario distro <<<"$stage"; stage_molecule "$scenario" "$distro" ;;
    *) "stage_$stage" ;;
  esac
  rc=$?
  local verdict=PASS
  [ $rc -eq 0 ] || verdict=FAIL
  [[ " ${SKIPPED[*]} " == *" $stage "* ]] && verdict="NOT RUN"
  RESULTS+=("$(printf '%-28s %-7s %5ss' "$stage" "$verdict" "$(( $(date +%s) - start ))")")
  [ $rc -eq 0 ] || FAILED=$((FAILED + 1))
}

case "${1:-full}" in
  fast) STAGES=("${FAST_STAGES[@]}") ;;
  full) STAGES=("${FAST_STAGES[@]}" integration "${SCENARIO_STAGES[@]}") ;;
  *) STAGES=("$@") ;;
esac

RESULTS=()
SKIPPED=()
FAILED=0
for stage in "${STAGES[@]}"; do run_stage "$stage"; done
printf '\n\033[1m===== summary =====\033[0m\n'
printf '%s\n' "${RESULTS[@]}"
if [ "$FAILED" -gt 0 ]; then
  echo "$FAILED stage(s) failed"
  exit 1
fi
if [ "${#SKIPPED[@]}" -gt 0 ]; then
  echo "$(( ${#STAGES[@]} - ${#SKIPPED[@]} )) stages passed; not run for lack of time: ${SKIPPED[*]}"
else
  echo "all ${#STAGES[@]} stages passed"
fi
