#!/usr/bin/env bash
# The project's test runner: `make test` (everything) and `make test-fast` (no Molecule).
# Runs every stage even after a failure, prints each stage's result and duration, and exits
# non-zero when any stage failed.
# Usage: test.sh [fast|full|STAGE...]
set -uo pipefail
. "$(dirname "$0")/env.sh"
cd "$FORTRESS_ROOT" || exit 1

FAST_STAGES=(lint sanity units filters browser build)
TEST_START=$(date +%s)
# CI gives a run 90 minutes on 2 cores. The Vagrant scenario (a QEMU-emulated VM, mostly waiting
# on one emulated vCPU) is the long pole: in a full run it starts first, in the background, and
# the other stages run beside it; its output is printed when it ends. It must end within
# FORTRESS_TEST_BUDGET_MIN of the run's start, or it fails.
FORTRESS_TEST_BUDGET_MIN="${FORTRESS_TEST_BUDGET_MIN:-85}"
SCENARIO_STAGES=()
for cfg in molecule/*/molecule.yml; do
  name="$(basename "$(dirname "$cfg")")"
  [ "$name" = vagrant ] || SCENARIO_STAGES+=("molecule:$name")
done

stage_lint() {
  # The role READMEs are generated from the argument specs, which must agree with defaults/; the
  # modules' reference pages from their DOCUMENTATION.
  yamllint -s . && ansible-lint --offline -q && python scripts/gen-role-docs.py --check &&
    python scripts/gen-module-docs.py --check && filter_docs_parse
}

# ansible-lint only warns when a filter's DOCUMENTATION is not YAML; ansible-doc fails on it.
filter_docs_parse() {
  local plugin names=()
  for plugin in "$FORTRESS_ROOT"/plugins/filter/*.py; do
    names+=("fortress.nginx.$(basename "$plugin" .py)")
  done
  ansible-doc -t filter --json "${names[@]}" >/dev/null
}

stage_sanity() {
  # ansible-test checks the shell scripts only when shellcheck is installed.
  apt_install rsync shellcheck
  local tree="$FORTRESS_ROOT/.build/sanity/ansible_collections/fortress/nginx"
  rm -rf "$tree" && mkdir -p "$tree"
  # ansible-test needs the collection at a real ansible_collections/<ns>/<name> path, not a symlink.
  # Not the .collections link (sanity refuses symlinks to directories; it only serves ansible.cfg).
  git ls-files -co --exclude-standard -z | grep -zv '^\.collections/' | rsync -a --from0 --files-from=- ./ "$tree/"
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
  # The collection builds into a lean tarball (also from a used checkout) that installs, whose roles
  # resolve by FQCN, and whose execution-environment metadata ansible-builder reads: the runtime
  # Python dependencies only, none of the development pins.
  local out="$FORTRESS_ROOT/.build/dist" inst="$FORTRESS_ROOT/.build/installed" deps
  rm -rf "$out" "$inst" && mkdir -p "$out" "$inst"
  ansible-galaxy collection build --force --output-path "$out" . &&
    ansible-galaxy collection install --force --offline --no-deps -p "$inst" "$out"/fortress-nginx-*.tar.gz &&
    ANSIBLE_COLLECTIONS_PATH="$inst" ansible-playbook -i localhost, -c local tests/build/fqcn-check.yml &&
    python tests/build/check_tarball.py || return 1
  deps="$(ansible-builder introspect --sanitize "$inst" 2>/dev/null)" || return 1
  printf '%s\n' "$deps"
  grep -q "maxminddb.*from collection fortress.nginx" <<<"$deps" || { echo "EE: the runtime dependency is missing"; return 1; }
  if grep -qiE "molecule|ansible-lint|pytest|yamllint" <<<"$deps"; then echo "EE: development pins leak into it"; return 1; fi
  stage_build_ee "$out" "$inst"
}

stage_build_ee() {
  # An execution environment with the collection: `ansible-builder create` writes the build context
  # (Containerfile and _build/) from a definition that installs the built tarball, then the
  # context's own introspection script (the one the image build runs after installing the
  # collections) reads the installed collection. The base image is only named, never pulled.
  local out="$1" inst="$2" ee="$FORTRESS_ROOT/.build/ee" tarball core
  tarball="$(ls "$out"/fortress-nginx-*.tar.gz)" || return 1
  core="$(python -c 'import ansible.release as r;print(r.__version__)')"
  rm -rf "$ee" && mkdir -p "$ee"
  cat >"$ee/execution-environment.yml" <<EOF
---
version: 3
images:
  base_image:
    name: fortress-nginx/ee-base:local
dependencies:
  ansible_core:
    package_pip: ansible-core==$core
  ansible_runner:
    package_pip: ansible-runner
  galaxy:
    collections:
      - name: /build/collections/$(basename "$tarball")
        type: file
additional_build_files:
  - src: $tarball
    dest: collections
EOF
  ansible-builder create -f "$ee/execution-environment.yml" -c "$ee/context" || return 1
  [ -s "$ee/context/_build/collections/$(basename "$tarball")" ] || { echo "EE: the tarball is not in the context"; return 1; }
  grep -qs "ansible-galaxy collection install .*-r requirements.yml" "$ee/context/Containerfile" "$ee/context/Dockerfile" ||
    { echo "EE: the build context does not install the collection"; return 1; }
  python "$ee/context/_build/scripts/introspect.py" introspect --sanitize "$inst" >"$ee/introspect.txt" || return 1
  grep -q "maxminddb" "$ee/introspect.txt" ||
    { echo "EE: the build context's introspection misses maxminddb"; return 1; }
  echo "EE: ansible-builder create wrote $ee/context; its introspection finds: $(grep maxminddb "$ee/introspect.txt")"
}

stage_molecule() {
  local scenario="$1"
  if [ "$scenario" = vagrant ]; then
    # Real VM over SSH: libvirt/QEMU set-up, the local box and the offline community.vagrant.
    local left=$(( FORTRESS_TEST_BUDGET_MIN * 60 - ($(date +%s) - TEST_START) ))
    timeout --foreground "$left" bash scripts/molecule-vagrant.sh test
  else
    bash scripts/ensure-images.sh bookworm bullseye trixie && molecule test -s "$scenario"
  fi
}

run_stage() {
  local stage="$1" start rc
  start=$(date +%s)
  printf '\n\033[1m===== %s =====\033[0m\n' "$stage"
  case "$stage" in
    molecule:*) stage_molecule "${stage#molecule:}" ;;
    *) "stage_$stage" ;;
  esac
  rc=$?
  record "$stage" "$rc" "$start"
}

record() { # stage rc start [end]
  local verdict=PASS end="${4:-$(date +%s)}"
  [ "$2" -eq 0 ] || { verdict=FAIL; FAILED=$((FAILED + 1)); }
  RESULTS+=("$(printf '%-28s %-7s %5ss' "$1" "$verdict" "$(( end - $3 ))")")
}

# A stage run in the background: its output goes to a log, printed when it is collected.
start_background_stage() {
  BG_STAGE="$1"
  BG_LOG="$FORTRESS_ROOT/.build/logs/${BG_STAGE//:/-}.log"
  mkdir -p "$(dirname "$BG_LOG")"
  BG_START=$(date +%s)
  printf '\n\033[1m===== %s (in the background: %s) =====\033[0m\n' "$BG_STAGE" "$BG_LOG"
  # Its duration ends when it does, not when the foreground stages let it be collected.
  ( stage_molecule "${BG_STAGE#molecule:}"; rc=$?; date +%s >"$BG_LOG.end"; exit "$rc" ) >"$BG_LOG" 2>&1 &
  BG_PID=$!
}

collect_background_stage() {
  [ -n "${BG_PID:-}" ] || return 0
  local rc=0
  wait "$BG_PID" || rc=$?
  printf '\n\033[1m===== %s (ran in the background) =====\033[0m\n' "$BG_STAGE"
  cat "$BG_LOG"
  record "$BG_STAGE" "$rc" "$BG_START" "$(cat "$BG_LOG.end" 2>/dev/null || date +%s)"
}

RESULTS=()
FAILED=0
case "${1:-full}" in
  fast) STAGES=("${FAST_STAGES[@]}") ;;
  full)
    STAGES=("${FAST_STAGES[@]}" integration "${SCENARIO_STAGES[@]}")
    if [ "${FORTRESS_TEST_VAGRANT:-1}" = 0 ]; then
      echo "molecule:vagrant is off (FORTRESS_TEST_VAGRANT=0): this run does not test the VM; run it with: make vagrant"
    else
      start_background_stage molecule:vagrant
    fi
    ;;
  *) STAGES=("$@") ;;
esac

for stage in "${STAGES[@]}"; do run_stage "$stage"; done
collect_background_stage
printf '\n\033[1m===== summary =====\033[0m\n'
printf '%s\n' "${RESULTS[@]}"
echo "whole run: $(( $(date +%s) - TEST_START ))s"
echo "stages: $(( ${#RESULTS[@]} - FAILED )) passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
