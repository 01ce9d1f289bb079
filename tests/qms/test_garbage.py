"""Python's cycle collector runs as a request starts (``qms.garbage``): what earlier work left in
reference cycles is freed before the next request is served, not in the middle of one."""

import gc
import weakref

import pytest

from qms import garbage

pytestmark = pytest.mark.django_db


class _Cycle:
    """An object that refers to itself: only the cycle collector frees it."""

    def __init__(self):
        self.me = self


@pytest.fixture
def collector_by_requests_alone():
    """CPython's own collections held off, so that only the requests' collections run."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.set_threshold(10**9, 10**9, 10**9)
    yield
    gc.set_threshold(*thresholds)
    gc.enable()


def _left_in_a_cycle():
    """A weak reference to an object nothing refers to but itself."""
    cycle = _Cycle()
    return weakref.ref(cycle)


def test_a_cycle_left_behind_is_freed_as_the_next_request_starts(client, collector_by_requests_alone):
    gone = _left_in_a_cycle()
    assert gone() is not None  # nothing but the collector frees it
    assert client.get("/health/").status_code == 200
    assert gone() is None


def test_a_cycle_that_outlived_a_collection_is_freed_within_a_hundred_requests(
    client, collector_by_requests_alone
):
    cycle = _Cycle()
    gone = weakref.ref(cycle)
    gc.collect(0)  # still referred to: moved to the middle generation
    del cycle
    client.get("/health/")
    assert gone() is not None  # a young collection does not reach it
    for _ in range(garbage.MIDDLE_EVERY):
        client.get("/health/")
    assert gone() is None


def test_a_process_that_switched_the_collector_off_keeps_it_off(client, collector_by_requests_alone):
    gc.disable()
    gone = _left_in_a_cycle()
    client.get("/health/")
    assert gone() is not None
