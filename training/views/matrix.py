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
from ..forms import MatrixForm, ScopeForm
from ..matrix import company_matrix

# Said above the list when a company-wide figure (a management review's) is opened by someone who
# reads their own department only.
OWN_PART = "The figure counts the whole company; you see the part of it in your department."


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


def _figure_matrix(figure: str, department: Department | None, day: dt.date) -> tuple:
    """The matrix behind a figure ("overdue", "held") for the department (the company's without
    one) on ``day``, and the counted pairs that were held (none for overdue requalifications)."""
    if figure == "overdue":
        return selectors.overdue_matrix(department, day), set()
    return selectors.required_matrix(department, day)


class MatrixView(_ScopedPage):
    """The matrix of a department or process, or the whole company's. Behind a figure, the matrix
    on a day narrowed to what the KPI counted for the department (or the company), each counted
    cell framed and listed: ``?overdue=<day>`` the overdue requalifications, ``?held=<day>`` the
    competences people's job roles needed, held or not. ``?expires=<month>`` (a bar of the
    coverage page, or picked in the form) narrows it to the requalifications falling due then."""

    template_name = "training/matrix.html"
    # The figures whose page the matrix is on a day (``?<name>=<day>``), as a note names them.
    figures = {
        "overdue": "Overdue requalifications",
        "held": "Required competences held",
    }

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format", "")
        figure = next((name for name in self.figures if request.GET.get(name)), None)
        day, note = _day(request.GET.get(figure)) if figure else (None, "")
        if day is None:
            figure = None
        held: set = set()
        form, expires = None, ""
        company = request.GET.get("scope") == "company"
        # A company figure opened by a head (from a management review): their own part of it.
        own_part = OWN_PART if company and not selectors.sees_company(request.user) else ""
        if company and not own_part:
            scope = None
            matrix, held = _figure_matrix(figure, None, day) if figure else (company_matrix(), set())
        else:
            scope = self.scope()
            if scope is None:
                return self.render_to_response({"scope": None, "form": None, "own_part": own_part})
            if figure and isinstance(scope, Process):
                figure, note = (
                    None,
                    f"{self.figures[figure]} are counted per department: here is the whole matrix.",
                )
            form = self.matrix_form(scope, expires="" if figure else request.GET.get("expires", ""))
            expires = form.cleaned_data.get("expires", "") if form.is_valid() else ""
            if figure:
                matrix, held = _figure_matrix(figure, scope, day)
            elif expires:
                matrix = selectors.expiring_matrix(scope, expires, timezone.localdate())
            else:
                matrix = selectors.matrix_of(scope)
        if fmt == "csv":
            return exports.matrix_csv(matrix, delimiter=";" if request.GET.get("sep") == "semicolon" else ",")
        if fmt == "xlsx":
            return exports.matrix_xlsx(matrix)
        if fmt == "pdf":
            return exports.matrix_pdf(matrix)
        counted = [
            (row, column, cell, (row.file_id, column.competence.pk) in held)
            for row, column, cell in matrix.counted
        ]
        held_count = sum(1 for *_, is_held in counted if is_held)
        context = self.context(matrix, scope, form=form, note=note)
        context.update(
            own_part=own_part,
            overdue=day if figure == "overdue" else None,
            held=day if figure == "held" else None,
            counted_rows=counted,
            held_count=held_count,
            # The share as the figure gives it, to one decimal.
            held_share=round(100 * held_count / len(counted), 1) if figure == "held" and counted else None,
            expires=expires,
            expires_label=dict(form.fields["expires"].choices).get(expires, "") if expires else "",
        )
        return self.render_to_response(context)

    def matrix_form(self, scope, *, expires: str) -> MatrixForm:
        """The scope form, bound to the page's scope and month, so a month that is none of those
        offered is said beside its box."""
        user = self.request.user
        where = {"process": scope.pk} if isinstance(scope, Process) else {"department": scope.pk}
        form = MatrixForm(
            data={**where, "expires": expires},
            departments=selectors.departments_for(user),
            processes=selectors.processes_for(user),
            months=selectors.months_ahead(timezone.localdate()),
        )
        form.is_valid()
        return form

    def context(self, matrix, scope, *, form=None, note="") -> dict:
        user = self.request.user
        own_department = isinstance(scope, Department) and scope.pk == user.department_id
        if isinstance(scope, Process):
            whole = f"?process={scope.pk}"
        else:
            whole = f"?department={scope.pk}" if isinstance(scope, Department) else "?scope=company"
        return {
            "matrix": matrix,
            "scope": scope,
            "form": form,
            "company": selectors.sees_company(user),
            # Whose files the names lead to: all for those who keep or read every file, the
            # department's for its head, one's own for everyone.
            "open_all": selectors.sees_company(user) or (user.is_department_head and own_department),
            "query": self.request.GET.urlencode(),
            "today": timezone.localdate(),
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
            ctx["other_alarms"] = selectors.alarms_elsewhere(ctx["alarms"])
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
        own_part = OWN_PART if get.get("scope") == "company" and not company else ""
        if company and (get.get("scope") == "company" or department is None):
            scope = None
        else:
            scope = selectors.scope_for(user, department, None)
            if scope is None and department:
                raise Http404("No such department, or not yours to see.")
            if scope is None:
                return {**ctx, "nobody": True, "note": note}
        ctx.update(
            own_part=own_part,
            scope=scope,
            day=day,
            note=note,
            today=timezone.localdate(),
            company=company,
            departments=selectors.departments_for(user).order_by("name"),
            rows=selectors.processes_under(scope, day, user),
        )
        return ctx
