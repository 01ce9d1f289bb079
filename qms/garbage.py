"""Python's cycle collector run between requests rather than in the middle of one.

CPython collects its youngest generation whenever 700 more container objects have been made than
freed. A Django request leaves a few hundred behind in reference cycles (the request and its
messages storage, the template context, a filter form and its fields), so a collection fell
inside every second or third request, and found that request's own objects alive: it moved them
to the middle generation, whose collection (every tenth) then cost about 0.8 ms in one request
out of thirty, the slowest twentieth of every register page (``bench/README.md``).

Collected as a request starts, the young generation holds the previous request's objects, dead
by then, and none of the new one's: about 0.08 ms, and the middle generation grows only by what
lives on (caches, connections), so collecting it every hundredth request costs little. The oldest
generation is left to CPython's own rule and to the web server's recycling of its workers
(``max_requests`` in ``gunicorn.conf.py``). Celery's workers serve no requests: they keep
CPython's collector as it is.
"""

from __future__ import annotations

import gc

from django.core.signals import request_started

# Young collections between two collections of the middle generation.
MIDDLE_EVERY = 100


def collect(**kwargs) -> None:
    """Collect the young generation, and every ``MIDDLE_EVERY`` times the middle one with it;
    nothing when the collector is switched off (``gc.disable()``)."""
    if gc.isenabled():
        gc.collect(1 if gc.get_count()[1] >= MIDDLE_EVERY else 0)


def connect() -> None:
    request_started.connect(collect, dispatch_uid="qms.garbage.collect")
