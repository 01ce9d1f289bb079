"""The 8D report of a CAPA as PDF, and the analysis charts (Pareto of NCRs, aging of CAPAs)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from qms.charts import bar_chart
from qms.pdf import pdf_response, render_pdf
from qms.views import QMSView, RecordScopeMixin

from .. import selectors
from ..forms import AnalysisPeriodForm
from ..models import Capa


class EightDReportView(RecordScopeMixin, QMSView):
    """The 8D report of one CAPA as PDF: what customers ask to get back."""

    model = Capa

    def get(self, request, pk):
        capa = get_object_or_404(
            self.get_queryset().select_related("owner", "department", "closed_by"), pk=pk
        )
        context = selectors.eight_d_report(request.user, capa)
        context.update(generated_at=timezone.now(), generated_by=request.user)
        return pdf_response(render_pdf("capa/capa_8d.html", context), f"{capa.reference}-8D")


class AnalysisView(QMSView):
    """Pareto of nonconformities by cause category and by source over a period, and the aging of
    open CAPAs, of every department or one; only the records the user may see are counted."""

    def get(self, request):
        start, end = AnalysisPeriodForm().period()  # the last year, unless a period is chosen
        form = AnalysisPeriodForm(request.GET or None, initial={"date_from": start, "date_to": end})
        if form.is_bound and not form.is_valid():
            return render(request, "capa/analysis.html", {"form": form}, status=400)
        start, end = form.period()
        department = form.cleaned_data.get("department") if form.is_bound else None
        counts = selectors.analysis(request.user, start, end, department=department)
        return render(
            request,
            "capa/analysis.html",
            {
                "form": form,
                "start": start,
                "end": end,
                "department": department,
                # The figures under each chart in the bars' order (a Pareto's with its cumulative
                # share), unfolded: the reader of the analysis comes for them.
                "cause_chart": bar_chart(
                    counts["by_cause"],
                    title="Nonconformities by cause category (Pareto)",
                    pareto=True,
                    columns=("Cause category", "NCRs"),
                    unfolded=True,
                ),
                "source_chart": bar_chart(
                    counts["by_source"],
                    title="Nonconformities by source (Pareto)",
                    pareto=True,
                    columns=("Source", "NCRs"),
                    unfolded=True,
                ),
                "aging_chart": bar_chart(
                    counts["aging"], title="Open CAPAs by age", columns=("Age", "Open CAPAs"), unfolded=True
                ),
                "open_capas": counts["open_capas"],
            },
        )
