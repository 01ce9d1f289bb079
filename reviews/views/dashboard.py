"""The KPI dashboard (9.1.3) and the register of review inputs (which measures feed which input
of 9.3.2, from whichever modules are installed)."""

from __future__ import annotations

from django.views.generic import TemplateView

from qms import kpis
from qms.modules import installed
from qms.views import QMSView

from .. import selectors
from ..inputs import OWN_INPUTS


class DashboardView(QMSView, TemplateView):
    """Objectives against target, due and overdue items by department and module, and the
    trend of the main measures: the company's for top management, the quality manager and
    auditors, their own department's for everyone else."""

    template_name = "reviews/dashboard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(selectors.dashboard(self.request.user))
        return ctx


def _module_of(measure: kpis.Measure) -> str:
    """The installed module that registered the measure (its menu label)."""
    for entry in installed():
        if measure in entry.module.measures:
            return entry.module.label or entry.app.verbose_name
    return ""


class InputRegistryView(QMSView, TemplateView):
    """Every input of 9.3.2 and what feeds it: the measures (and breakdowns) modules register,
    or nothing yet, in which case the review takes text."""

    template_name = "reviews/input_registry.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["inputs"] = [
            {
                "spec": spec,
                "own": spec.key in OWN_INPUTS,
                "measures": [(m, _module_of(m)) for m in kpis.feeding(spec.key)],
            }
            for spec in kpis.REVIEW_INPUTS
        ]
        return ctx
