"""Gunicorn settings for `make run`, the Dockerfile and docker-compose: one place, tuned on the
2-core machine with the benchmark in bench/load_bench.py (8 users browsing registers)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Pages spend about a third of their time waiting for PostgreSQL: two processes per core, each
# with two threads, keep both cores busy without piling up requests (bench/README.md).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
# A PDF or an import may take a while; anything longer belongs in the worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle a worker now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
