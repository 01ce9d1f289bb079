"""The competence matrix (a screen, CSV, XLSX and an A4-landscape PDF) and the coverage page, per
department or per process, as far as the user may see: staff and heads their department's, the
quality manager, top management, auditors and HR every department's."""

from __future__ import annotations

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


class MatrixView(_ScopedPage):
    template_name = "training/matrix.html"

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format", "")
        if request.GET.get("scope") == "company":
            if not selectors.sees_company(request.user):
                raise Http404("The whole company's matrix is not yours to see.")
            matrix = company_matrix()
        else:
            scope = self.scope()
            if scope is None:
                return self.render_to_response({"scope": None, "form": None})
            matrix = selectors.matrix_of(scope)
        if fmt == "csv":
            return exports.matrix_csv(matrix, delimiter=";" if request.GET.get("sep") == "semicolon" else ",")
        if fmt == "xlsx":
            return exports.matrix_xlsx(matrix)
        if fmt == "pdf":
            return exports.matrix_pdf(matrix)
        scope = None if request.GET.get("scope") == "company" else scope
        return self.render_to_response(self.context(matrix, scope))

    def context(self, matrix, scope) -> dict:
        user = self.request.user
        own_department = isinstance(scope, Department) and scope.pk == user.department_id
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
