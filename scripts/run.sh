#!/usr/bin/env bash
# Run the whole application locally in the foreground: web (gunicorn), Celery worker and beat,
# after making sure the services answer, the schema is current and there is something to look at.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
say() { printf '==> %s\n' "$*"; }

# A value from the environment, else from .env (as the settings read it), else the default.
setting() {
  local value="${!1:-}"
  if [[ -z $value && -f .env ]]; then
    value=$(sed -n "s/^[[:space:]]*\(export[[:space:]]\+\)\?$1=//p" .env | tail -n1 | sed "s/^[\"']//; s/[\"']$//")
  fi
  printf '%s' "${value:-$2}"
}

mkdir -p var  # celerybeat schedule, collected static files, attachments, file-based mail

say "checking PostgreSQL and Redis"
$PY scripts/check_services.py --create-db
say "migrating"
$PY manage.py migrate --noinput
say "collecting static files"
$PY manage.py collectstatic --noinput -v 0
say "loading the demo company (only into an empty database)"
$PY manage.py load_demo --if-empty

PORT=$(setting PORT 8000)
echo
say "QMS is starting at $(setting BASE_URL http://127.0.0.1:8000) — Ctrl+C stops everything"
$PY manage.py demo_logins
echo

# The Procfile names bare commands (gunicorn, celery): find them in the venv without activating it.
export PATH="$PWD/.venv/bin:$PATH"
# honcho gives each process type its own PORT (base, base+100, ...); web comes first in the
# Procfile, so -p makes gunicorn listen on $PORT rather than honcho's default 5000.
exec .venv/bin/honcho start -f Procfile -p "$PORT"
