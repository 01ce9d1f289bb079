#!/usr/bin/env bash
# Install everything the project needs on a Debian 12 machine, idempotently:
# system libraries (WeasyPrint, headless Chromium for the browser tests, fonts), then the .venv.
# A second run only checks, so `make test` stays fast.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

# --- (a) system packages -------------------------------------------------------------------------
SYSTEM_PACKAGES=(
  chromium                                # headless browser for the Playwright tests
  libpango-1.0-0 libpangoft2-1.0-0        # WeasyPrint's text layout
  libharfbuzz-subset0                     # WeasyPrint's font subsetting (small PDFs)
  fonts-dejavu-core fonts-liberation      # deterministic fonts in PDFs and screenshots
  shared-mime-info                        # MIME database for attachment type checks
  python3-venv                            # `python3 -m venv` (not in a minimal Debian 12)
  clamav-daemon                           # virus scan of uploads (CLAMAV_SOCKET); the tests start their own
  postgresql-client                       # pg_dump / pg_restore for `manage.py backup` and `restore`
)

installed() {
  # `dpkg -s` also succeeds for removed packages whose config files remain, so ask for the state.
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  say "system packages: no apt on this machine; install by hand: ${SYSTEM_PACKAGES[*]}"
else
  missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do installed "$pkg" || missing+=("$pkg"); done
  if ((${#missing[@]})); then
    SUDO=()
    if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo); fi
    say "system packages: installing ${missing[*]}"
    # `env` inside sudo, because sudo drops most of the caller's environment.
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "system packages: all present"
  fi
fi

# --- (b) Python virtualenv -----------------------------------------------------------------------
VENV=.venv
is_py311() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; }

if [[ ! -x $VENV/bin/python ]]; then
  PYTHON=""
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && is_py311 "$candidate"; then PYTHON=$candidate; break; fi
  done
  [[ -n $PYTHON ]] || { echo "Python 3.11 is required (python3.11 or python3 must be 3.11)." >&2; exit 1; }
  say "virtualenv: creating $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
elif ! is_py311 "$VENV/bin/python"; then
  echo "$VENV is not a Python 3.11 environment; remove it and run 'make install' again." >&2
  exit 1
else
  say "virtualenv: $VENV exists"
fi

# Python packages come from the lock file, every one pinned and checked against its hash
# (requirements/dev.lock, made by `make lock` from pyproject.toml); then the project itself,
# without dependencies. Reinstall only when the lock or pyproject.toml changed: the stamp's name
# carries their hash.
LOCK=requirements/dev.lock
stamp="$VENV/.installed-$(cat "$LOCK" pyproject.toml | sha256sum | cut -d' ' -f1)"
if [[ -e $stamp ]]; then
  say "python packages: up to date ($LOCK)"
else
  # pip itself first, at the lock's version and hash: the pip a new venv brings (23.2 on Debian 12's
  # Python 3.11) resolves an extra (weasyprint's fonttools[woff]) to the newest release instead of
  # the locked one, and hash-checking mode then refuses the whole install.
  pip_lock=$(mktemp)
  trap 'rm -f "$pip_lock"' EXIT
  awk '/^pip==/ { p = 1 } p { print; if ($0 !~ /\\$/) exit }' "$LOCK" >"$pip_lock"
  [[ -s $pip_lock ]] || { echo "$LOCK pins no pip; run 'make lock'." >&2; exit 1; }
  say "python packages: pip from $LOCK, then pip install --require-hashes -r $LOCK"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$pip_lock"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$LOCK"
  # compat mode: a plain path entry, so a checkout elsewhere (a git worktree) imports its own code;
  # no build isolation: setuptools comes from the lock too, so nothing unpinned is fetched.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
    -e . --config-settings editable_mode=compat
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
