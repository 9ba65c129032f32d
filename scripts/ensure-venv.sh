#!/usr/bin/env bash
# Create or refresh the project's virtualenv (.venv) from the pinned requirements.txt.
# Re-installs only when requirements.txt changed since the last successful install.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

venv="${FORTRESS_VENV:-$FORTRESS_ROOT/.venv}"
req="$FORTRESS_ROOT/requirements.txt"
[ -f "$req" ] || req="$FORTRESS_ROOT/requirements.in"
stamp="$venv/.fortress-requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"

if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  log "venv $venv is up to date"
  exit 0
fi
PY="${FORTRESS_PYTHON:-python3}"
command -v "$PY" >/dev/null 2>&1 || apt_install python3
if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  apt_install python3-venv
fi
if [ ! -x "$venv/bin/python" ]; then
  log "creating venv $venv with $("$PY" --version)"
  "$PY" -m venv "$venv"
fi
log "installing pinned Python requirements into $venv (first time: about a minute)"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -U 'pip==25.3' 
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
echo "$want" >"$stamp"
# Not `ansible --version | head`: ansible prints a traceback when head closes the pipe.
log "venv ready: ansible-core $("$venv/bin/python" -c 'import ansible.release as r; print(r.__version__)')"
