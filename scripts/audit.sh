#!/usr/bin/env bash
# Check the locked Python packages (requirements/dev.lock, a superset of base.lock) for known
# vulnerabilities with pip-audit, against PyPI's advisory data. Where that data cannot be
# reached (a runner without the internet), say so in one line and pass: the audit is skipped,
# not failed.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=requirements/dev.lock
# A version of pip with published advisories: the source answers when it lists them.
PROBE=https://pypi.org/pypi/pip/23.0/json

if ! .venv/bin/python - "$PROBE" <<'PY'
import json
import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as response:  # noqa: S310 - fixed https URL
        sys.exit(0 if json.load(response).get("vulnerabilities") else 1)
except Exception:  # noqa: BLE001 - any failure means the advisory data is out of reach
    sys.exit(1)
PY
then
  echo "==> audit skipped: PyPI's advisory data ($PROBE) is not reachable from here"
  exit 0
fi
echo "==> pip-audit $LOCK"
exec .venv/bin/pip-audit --strict --require-hashes --disable-pip --progress-spinner off -r "$LOCK"
