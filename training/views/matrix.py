"""The competence matrix (a screen, CSV, XLSX and an A4-landscape PDF) and the coverage page, per
department or per process, as far as the user may see: staff and heads their department's, the
quality manager, top management, auditors and HR every department's."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils import timezone
from django.views.generic import TemplateView

from qms.models import Department, Process
from qms.views import QMSView

from .. import exports, selectors
from ..forms import ScopeForm
from ..matrix import company_matrix


def _id(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else None


class _ScopedPage(QMSView, TemplateView):
    """A page about one department or process, chosen in a small GET form."""

    def scope(self):
        get, user = self.request.GET, self.request.user
        department, process = _id(get.get("department")), _id(get.get("process"))
        if (get.get("department") and department is None) or (get.get("process") and process is None):
            raise Http404("No such department or process.")
        scope = selectors.scope_for(user, department, process)
        if (department or process) and scope is None:
            raise Http404("No such department or process, or not yours to see.")
        return scope

    def scope_form(self, scope) -> ScopeForm:
        user = self.request.user
        initial = (
            {"process": scope.pk}
            if isinstance(scope, Process)
            else {"department": getattr(scope, "pk", None)}
        )
        return ScopeForm(
            initial=initial,
            departments=selectors.departments_for(user),
            processes=selectors.processes_for(user),
        )


def _day(value) -> tuple[dt.date | None, str]:
    """The day a page behind a figure is as of (``?overdue=2026-04-30``), and what to tell the
    reader when the text is no day: None then, and the page shows what it shows without one. A
    day after today is today: nothing is judged before it happens."""
    text = str(value or "").strip()
    if not text:
        return None, ""
    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return None, f"“{text[:20]}” is not a day (write it as 2026-04-30)."
    return min(day, timezone.localdate()), ""


class MatrixView(_ScopedPage):
    """The matrix of a department or process, or the whole company's; with ``?overdue=<day>``
    the matrix on that day of the requalifications the KPI counted for the department (or the
    company), each highlighted and listed."""

    template_name = "training/matrix.html"

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format", "")
        overdue, note = _day(request.GET.get("overdue"))
        if request.GET.get("scope") == "company":
            if not selectors.sees_company(request.user):
                raise Http404("The whole company's matrix is not yours to see.")
            scope = None
            matrix = selectors.overdue_matrix(None, overdue) if overdue else company_matrix()
        else:
            scope = self.scope()
            if scope is None:
                return self.render_to_response({"scope": None, "form": None})
            if overdue and isinstance(scope, Process):
                overdue, note = (
                    None,
                    "Overdue requalifications are counted per department: here is the whole matrix.",
                )
            matrix = selectors.overdue_matrix(scope, overdue) if overdue else selectors.matrix_of(scope)
        if fmt == "csv":
            return exports.matrix_csv(matrix, delimiter=";" if request.GET.get("sep") == "semicolon" else ",")
        if fmt == "xlsx":
            return exports.matrix_xlsx(matrix)
        if fmt == "pdf":
            return exports.matrix_pdf(matrix)
        return self.render_to_response(self.context(matrix, scope, overdue=overdue, note=note))

    def context(self, matrix, scope, *, overdue=None, note="") -> dict:
        user = self.request.user
        own_department = isinstance(scope, Department) and scope.pk == user.department_id
        whole = f"?department={scope.pk}" if isinstance(scope, Department) else "?scope=company"
        return {
            "matrix": matrix,
            "scope": scope,
            "form": self.scope_form(scope) if scope is not None else None,
            "company": selectors.sees_company(user),
            # Whose files the names lead to: all for those who keep or read every file, the
            # department's for its head, one's own for everyone.
            "open_all": selectors.sees_company(user) or (user.is_department_head and own_department),
            "query": self.request.GET.urlencode(),
            "today": timezone.localdate(),
            "overdue": overdue,
            "whole_url": whole,
            "note": note,
        }


class CoverageView(_ScopedPage):
    template_name = "training/coverage.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        scope = self.scope()
        ctx.update(scope=scope, form=self.scope_form(scope) if scope is not None else None)
        if scope is not None:
            ctx.update(selectors.coverage_page(scope))
        return ctx


class UnderCoverageView(QMSView, TemplateView):
    """The processes under their minimum coverage on a day, as the KPI counts them: for one
    department (the processes it owns) or the whole company, each with its competences below
    their minimum. Everyone reads their own department's; those who see the company, any."""

    template_name = "training/under_coverage.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        get, user = self.request.GET, self.request.user
        day, note = _day(get.get("on"))
        day = day or timezone.localdate()
        department = _id(get.get("department"))
        if get.get("department") and department is None:
            raise Http404("No such department.")
        company = selectors.sees_company(user)
        if get.get("scope") == "company" or (company and department is None):
            if not company:
                raise Http404("The whole company's figures are not yours to see.")
            scope = None
        else:
            scope = selectors.scope_for(user, department, None)
            if scope is None and department:
                raise Http404("No such department, or not yours to see.")
            if scope is None:
                return {**ctx, "nobody": True, "note": note}
        ctx.update(
            scope=scope,
            day=day,
            note=note,
            today=timezone.localdate(),
            company=company,
            departments=selectors.departments_for(user).order_by("name"),
            rows=selectors.processes_under(scope, day, user),
        )
        return ctx
