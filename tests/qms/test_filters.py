"""The kernel's filterset: its form class is made once per filterset class, and what a request
changes on its own form stays on that form."""

import pytest
from django.http import QueryDict

from capa.filters import NonconformityFilter
from capa.models import Nonconformity
from qms.models import Department

pytestmark = pytest.mark.django_db


def test_the_form_class_is_made_once_and_each_request_gets_its_own_fields(dept, other_dept):
    first = NonconformityFilter(QueryDict(""), queryset=Nonconformity.objects.all())
    second = NonconformityFilter(QueryDict(f"department={dept.pk}"), queryset=Nonconformity.objects.all())
    assert type(first.form) is type(second.form)
    # One request narrows its own choices; the next request's form still offers every department.
    first.form.fields["department"].queryset = Department.objects.filter(pk=other_dept.pk)
    assert second.is_valid() and second.form.cleaned_data["department"] == dept
    third = NonconformityFilter(QueryDict(f"department={dept.pk}"), queryset=Nonconformity.objects.all())
    assert third.is_valid() and third.form.cleaned_data["department"] == dept
    narrowed = NonconformityFilter(QueryDict(f"department={dept.pk}"), queryset=Nonconformity.objects.all())
    narrowed.form.fields["department"].queryset = Department.objects.filter(pk=other_dept.pk)
    assert not narrowed.is_valid() and "department" in narrowed.form.errors


def test_a_bad_filter_value_is_said_beside_its_field_and_lists_nothing(client_for, quality_manager):
    page = client_for(quality_manager).get("/capa/ncr/?department=999999&overdue=maybe").content.decode()
    assert page.count("invalid-feedback") == 2 and "Select a valid choice" in page
    assert "Nothing here matches the filter." in page
