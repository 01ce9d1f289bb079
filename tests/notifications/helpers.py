import datetime as dt
import zoneinfo

from django.utils import timezone

from tests.capa.factories import NonconformityFactory

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def local(year, month, day, hour=7, minute=0) -> dt.datetime:
    """An instant given in the company's time zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def ncr(owner, due_in_days: int | None, *, today: dt.date | None = None, department=None, **kw):
    """A nonconformity owned by ``owner``, due ``due_in_days`` from ``today`` (negative: overdue)."""
    today = today or timezone.localdate()
    due = None if due_in_days is None else today + dt.timedelta(days=due_in_days)
    return NonconformityFactory(owner=owner, department=department or owner.department, due_date=due, **kw)


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()
