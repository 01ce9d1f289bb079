"""What the tests of the training figures and the pages they open share: the months judged, a
qualification expiring on a day, whose figures a reader sees, and the page a figure opens."""

import datetime as dt
import re

from dateutil.relativedelta import relativedelta

from qms import access, kpis
from tests.training import factories as f

THIS = kpis.Period.month(f.today())
LAST = kpis.Period.month(THIS.start - dt.timedelta(days=1))


def expiring(person, comp, expires_on, *, level=2, by=None):
    """A record of ``person`` in ``comp`` trained a year before it expires on ``expires_on``."""
    trained = expires_on - relativedelta(months=12)
    return f.train(person, comp, level, on=trained, expires_on=expires_on, by=by)


def subject_of(user):
    """The dashboard's subject for the reader: the company's figures, or their department's."""
    return None if access.sees_everything(user) else user.department_id


def names(html: str, testid: str) -> list[str]:
    """The first cell's text of each row marked ``testid``."""
    rows = re.findall(rf'<tr data-testid="{testid}"><td>(.*?)</td>', html, re.S)
    return [re.sub(r"<[^>]+>", "", row).strip() for row in rows]


def opened(client, user, measure_key: str, period: kpis.Period):
    """The figure ``user`` reads on their dashboard for ``period`` (the company's or their
    department's), and the page its link opens: (value, response, html)."""
    measure, subject = kpis.get(measure_key), subject_of(user)
    value, url = measure.value(period, subject=subject), measure.url(period, subject=subject)
    response = client.get(url)
    assert response.status_code == 200, url
    return value, response, response.content.decode()
