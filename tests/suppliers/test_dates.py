"""Dates of the supplier forms follow the one date rule (a mistyped year refused beside its field:
a supplier "last audited" in 1950 put a 27,000-day-overdue audit on My work, a certificate to
2099 and a SCAR answer due in 2099 hid what falls due), and what happened is never in the future."""

import pytest

from suppliers.forms import CertificateForm, EvaluationForm, ScarAnswerForm, ScarSendForm, SupplierForm
from tests.suppliers import factories as f

pytestmark = pytest.mark.django_db


def test_a_mistyped_year_or_a_day_to_come_is_refused_beside_its_field(proc, purchasing_head):
    supplier = f.supplier(proc, owner=purchasing_head)
    qm = f.quality()
    cases = [
        (SupplierForm, {"last_audit_on": "1950-01-01"}, "last_audit_on", "Check the year"),
        (SupplierForm, {"last_audit_on": f.days(3).isoformat()}, "last_audit_on", "still to come"),
        (CertificateForm, {"expires_on": "2099-01-01"}, "expires_on", "Check the year"),
        (ScarSendForm, {"due_date": "2099-01-01"}, "due_date", "Check the year"),
        (ScarSendForm, {"due_date": f.days(-1).isoformat()}, "due_date", "in the past"),
        (EvaluationForm, {"evaluated_on": "1990-01-01"}, "evaluated_on", "Check the year"),
        (EvaluationForm, {"evaluated_on": f.days(2).isoformat()}, "evaluated_on", "still to come"),
        (ScarAnswerForm, {"answered_on": f.days(2).isoformat()}, "answered_on", "still to come"),
    ]
    for form_class, data, field, words in cases:
        if form_class.prefix:
            data = {f"{form_class.prefix}-{k}": v for k, v in data.items()}
        if form_class is SupplierForm:
            form = form_class(data=data, user=purchasing_head)
        else:
            form = form_class(data=data, parent=supplier, user=qm)
        form.is_valid()
        assert any(words in e for e in form.errors.get(field, [])), (form_class.__name__, data)
    # Taken over from paper: a supplier audited twelve years ago is on record as it was.
    old = SupplierForm(data={"last_audit_on": f.days(-12 * 365).isoformat()}, user=purchasing_head)
    old.is_valid()
    assert "last_audit_on" not in old.errors
