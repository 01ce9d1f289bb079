"""Eight people browsing registers at once, on the ten-year archive, through gunicorn started
with the project's own settings (gunicorn.conf.py, as `make run` and the Dockerfile use them).

Eight closed-loop clients in processes of their own, each logged in as a different user (the
quality manager, top management, the auditor, heads and staff of several departments), request
register pages (first pages, next pages, filters, My work, the Overview) one after the other for
``--seconds``. Beside it, the same clients on a trivial page give the machine's floor.

Target (issue #9): at least 60 requests/s with p95 under 250 ms. Exits non-zero when more than
20 % past it.

    .venv/bin/python bench/load_bench.py [--scale 1.0] [--seconds 20] [--database qms_bench_mine [--reuse]]

The server's processes and threads are gunicorn.conf.py's (``WEB_CONCURRENCY``,
``GUNICORN_THREADS`` in the environment override them, as in production).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.archive import SERVER, checkout, configure  # noqa: E402
from bench.timing import percentile  # noqa: E402

CLIENTS = 8
TOLERANCE = 1.2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_loop(port: int, cookie: str, urls: list[str], seconds: float, out) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    took, errors, i = [], 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        url = urls[i % len(urls)]
        i += 1
        start = time.perf_counter()
        try:
            conn.request("GET", url, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        took.append((time.perf_counter() - start) * 1000)
    out.put((took, errors))


def run_clients(
    port: int, cookies: list[str], urls_for: list[list[str]], seconds: float
) -> tuple[list[float], int]:
    out = mp.Queue()
    procs = [
        mp.Process(target=client_loop, args=(port, cookie, urls, seconds, out))
        for cookie, urls in zip(cookies, urls_for, strict=True)
    ]
    for p in procs:
        p.start()
    took, errors = [], 0
    for _ in procs:
        t, e = out.get()
        took += t
        errors += e
    for p in procs:
        p.join()
    return took, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--database", default="qms_bench_run", help="the working copy of the archive")
    parser.add_argument(
        "--reuse", action="store_true", help="measure --database as it is (e.g. a copy you migrated yourself)"
    )
    args = parser.parse_args()
    if args.reuse:
        configure(args.database)
        database = args.database
    else:
        database = checkout(args.scale, into=args.database)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from qms.models import Role, User

    users = [
        User.objects.get(username="qm"),
        User.objects.get(username="director"),
        User.objects.get(username="auditor"),
        *User.objects.filter(role=Role.DEPARTMENT_HEAD).order_by("pk")[:2],
        *User.objects.filter(role=Role.STAFF).order_by("pk")[:3],
    ][:CLIENTS]
    cookies = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        # The backend that signs people in (the first, axes, only refuses locked-out ones).
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    registers = [
        "/capa/ncr/",
        "/capa/",
        "/documents/",
        "/capa/ncr/?status=_open",
        "/capa/?status=_open",
        "/documents/?q=D-01",
        "/",
        "/overview/",
    ]
    urls_for = [registers[i:] + registers[:i] for i in range(len(users))]

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{database}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DB_POOL": "true",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    server = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "gunicorn"), "qms.wsgi", "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/health/")
                break
            except OSError:
                time.sleep(0.3)
        run_clients(port, cookies, [["/health/"]] * len(users), 2)  # warm every worker
        floor, _ = run_clients(port, cookies, [["/health/"]] * len(users), min(5, args.seconds))
        floor_rate = len(floor) / min(5, args.seconds)
        run_clients(port, cookies, urls_for, 3)  # warm the pages
        took, errors = run_clients(port, cookies, urls_for, args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(40)  # gunicorn's graceful_timeout is 30 s
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    rate, p95 = len(took) / args.seconds, percentile(took, 95)
    conf = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), conf)  # noqa: S102 - our own settings, as gunicorn reads them
    print(
        f"gunicorn: {conf['workers']} processes x {conf['threads']} threads ({conf['worker_class']}); "
        f"load average at the end {os.getloadavg()[0]:.1f}"
    )
    print(
        f"floor: trivial page, {len(users)} clients: {floor_rate:.0f} requests/s, p95 {percentile(floor, 95):.1f} ms"
    )
    print(
        f"registers, {len(users)} clients for {args.seconds:.0f} s: {rate:.1f} requests/s, "
        f"p50 {percentile(took, 50):.0f} ms, p95 {p95:.0f} ms, {errors} errors"
    )
    if errors or rate < 60 / TOLERANCE or p95 > 250 * TOLERANCE:
        print("FAIL: target at least 60 requests/s with p95 under 250 ms (20 % tolerance), no errors")
        raise SystemExit(1)
    print("PASS: target at least 60 requests/s with p95 under 250 ms")


if __name__ == "__main__":
    main()
