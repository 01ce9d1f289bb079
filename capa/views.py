"""Pages of the CAPA module: the NCR and CAPA registers, the CAPA page with its analysis and
actions, the close gates' forms, the 8D report and the analysis charts.

Every view finds its CAPA or NCR through ``qms.access.restrict`` (outside the user's scope is a
404), writes only through ``capa.services`` and shows bad input beside the field, changing nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from qms import access
from qms import services as services_kernel
from qms.pdf import pdf_response, render_pdf
from qms.views import (
    QMSView,
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    RecordScopeMixin,
    RecordUpdateView,
    WriteView,
    add_errors,
    render_page,
)
from qms.workflow import TransitionError

from . import services
from .charts import bar_chart
from .filters import CapaFilter, NonconformityFilter
from .forms import (
    ActionForm,
    ActionProgressForm,
    ActionUpdateForm,
    CauseForm,
    CheckPlanForm,
    CheckResultForm,
    CloseForm,
    ContainmentForm,
    ContainmentProgressForm,
    ContainmentUpdateForm,
    DisciplineForm,
    DispositionForm,
    PeriodForm,
    RootCauseForm,
    VerifyForm,
    WhyForm,
)
from .models import (
    OPEN_ACTION_STATUSES,
    Action,
    Capa,
    CauseCategory,
    ContainmentAction,
    Discipline,
    EffectivenessCheck,
    FishboneCause,
    Nonconformity,
    Source,
    Why,
)


def _visible_transitions(record, user) -> list:
    return type(record).workflow.buttons(record, user)


# --- nonconformities -----------------------------------------------------------------------


class NonconformityListView(RecordListView):
    title = "Nonconformities (NCR register)"
    template_name = "capa/nonconformity_list.html"
    filterset_class = NonconformityFilter
    search_fields = ("reference", "title", "part", "lot")
    columns = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("status", "Status"),
        ("get_source_display", "Source"),
        ("get_severity_display", "Severity"),
        ("part", "Part"),
        ("lot", "Lot"),
        ("quantity_affected", "Qty"),
        ("owner", "Owner"),
        ("department", "Department"),
        ("due_date", "Due"),
        ("aging_days", "Age (days)"),
    ]


class NonconformityDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        return ncr_context(self.request, record, **forms)


# Image types a browser shows inline (TIFF stays a download in the attachments tab).
WEB_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def ncr_context(request, ncr: Nonconformity, **forms) -> dict:
    user = request.user
    writable = access.can_change(user, ncr) and not ncr.is_closed
    can_disposition = ncr.status == "open" and bool(
        ncr.workflow.get("disposition").allowed & access.relations(user, ncr)
    )
    return {
        # Photos of the nonconforming part, shown on the NCR itself (other files stay in the
        # attachments tab).
        "photos": [a for a in services_kernel.attachments_of(ncr) if a.mime_type in WEB_IMAGES],
        "transitions": _visible_transitions(ncr, user),
        "disposition_form": forms.get("disposition_form") or (DispositionForm() if can_disposition else None),
        "capas": access.restrict(ncr.capas.all(), user).select_related("owner"),
        "raise_capa_url": reverse("capa:capa_create") + f"?ncr={ncr.pk}"
        if access.can_create(user) and writable
        else "",
    }


class NcrDispositionView(RecordScopeMixin, QMSView):
    """Record the disposition of the nonconforming product (who decided, when)."""

    model = Nonconformity
    http_method_names = ["post"]

    def post(self, request, pk):
        ncr = get_object_or_404(self.get_queryset(), pk=pk)
        access.require_change(request.user, ncr)
        form = DispositionForm(request.POST)
        if form.is_valid():
            try:
                services.ncr_disposition(
                    ncr=ncr,
                    by=request.user,
                    disposition=form.cleaned_data["disposition"],
                    note=form.cleaned_data["note"],
                )
            except (ValidationError, TransitionError) as exc:
                add_errors(form, exc)
        if form.errors:
            return render_page(request, ncr, forms={"disposition_form": form})
        messages.success(request, f"{ncr.reference}: disposition recorded.")
        return redirect(ncr.get_absolute_url())


# --- CAPA register, create, edit --------------------------------------------------------------


class CapaListView(RecordListView):
    title = "CAPA register"
    template_name = "capa/capa_list.html"
    filterset_class = CapaFilter
    search_fields = ("reference", "title", "customer", "customer_reference")
    columns = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("status", "Status"),
        ("get_kind_display", "Kind"),
        ("get_source_display", "Source"),
        ("get_severity_display", "Severity"),
        ("owner", "Owner"),
        ("department", "Department"),
        ("due_date", "Target date"),
        ("open_actions", "Open actions"),
        ("aging_days", "Age (days)"),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(open_actions=Count("actions", filter=Q(actions__status__in=OPEN_ACTION_STATUSES)))
            .order_by("-created_at", "-pk")  # a GROUP BY query drops the default ordering
        )


class CapaCreateView(RecordCreateView):
    def _from_ncrs(self) -> list[Nonconformity]:
        ids = [int(v) for v in self.request.GET.getlist("ncr") if v.isdigit() and len(v) < 12]
        if not ids:
            return []
        found = access.restrict(Nonconformity.objects.filter(pk__in=ids), self.request.user)
        return list(found.order_by("created_at", "pk"))

    def get_initial(self):
        initial = super().get_initial()
        ncrs = self._from_ncrs()
        if ncrs:
            first = ncrs[0]
            initial.update(
                nonconformities=[n.pk for n in ncrs],
                title=first.title,
                source=first.source,
                severity=first.severity,
                description=first.description,
                due_date=timezone.localdate() + dt.timedelta(days=60),
            )
        return initial

    def create(self, form):
        fields = form.record_fields()
        ncrs = fields.pop("nonconformities", [])
        return services.capa_create(by=self.request.user, nonconformities=ncrs, **fields)


class CapaUpdateView(RecordUpdateView):
    def form_valid(self, form):
        try:
            services.capa_update(
                capa=form.instance,
                by=self.request.user,
                reason=form.cleaned_data.get("reason", ""),
                nonconformities=form.cleaned_data.get("nonconformities"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{form.instance.reference} saved.")
        return redirect(form.instance.get_absolute_url())


# --- CAPA page ----------------------------------------------------------------------------------


def _activity(capa: Capa) -> list[dict]:
    """The history of the rows inside the CAPA (actions, whys, causes …), newest first."""
    rows = []
    for model, label in (
        (ContainmentAction, "Containment"),
        (Why, "5 whys"),
        (FishboneCause, "Fishbone"),
        (Discipline, "8D"),
        (Action, "Action"),
        (EffectivenessCheck, "Effectiveness check"),
    ):
        for h in (
            model.history.filter(capa_id=capa.pk)
            .select_related("history_user")
            .order_by("-history_date")[:200]
        ):
            what = str(h.instance) if h.history_type != "-" else f"{label} removed"
            extra = ""
            if model is Action:
                extra = dict(Action.Status.choices).get(h.status, h.status)
            elif model is ContainmentAction:
                extra = dict(ContainmentAction.Status.choices).get(h.status, h.status)
            elif model is EffectivenessCheck:
                extra = dict(EffectivenessCheck.Result.choices).get(h.result, h.result)
            rows.append(
                {
                    "when": h.history_date,
                    "who": h.history_user or "—",
                    "part": label,
                    "what": what,
                    "state": extra,
                    "why": h.history_change_reason or "",
                    "type": {"+": "Added", "~": "Changed", "-": "Removed"}[h.history_type],
                }
            )
    rows.sort(key=lambda r: r["when"], reverse=True)
    return rows


def capa_context(request, capa: Capa, **forms) -> dict:
    """What the CAPA body template shows: the analysis, actions, gates' forms for this user."""
    user = request.user
    changer = access.can_change(user, capa) and not capa.is_closed and not user.is_auditor
    actions = list(capa.actions.select_related("owner"))
    containment = list(capa.containment_actions.select_related("owner"))
    for row in [*actions, *containment]:
        row.editable = not user.is_auditor and not capa.is_closed and (changer or row.owner_id == user.pk)
    checks = list(capa.checks.select_related("planned_by", "verifier", "verified_by"))
    pending = next((c for c in checks if c.result == EffectivenessCheck.Result.PENDING), None)
    is_owner = user.pk == capa.owner_id
    may_judge = (
        pending is not None
        and capa.status in ("verification", "closed")
        and not user.is_auditor
        and not is_owner
        and (access.can_change(user, capa) or user.pk == pending.verifier_id)
    )
    causes = list(capa.causes.all())
    fishbone = [
        (value, label, [c for c in causes if c.category == value]) for value, label in CauseCategory.choices
    ]
    disciplines = {d.discipline: d for d in capa.disciplines.all()}
    missing_d = next((d for d in Discipline.D.values if d not in disciplines), "D1")
    change_requests = services.change_requests_available()
    return {
        "transitions": _visible_transitions(capa, user),
        "changer": changer,
        "ncrs": access.restrict(capa.nonconformities.all(), user),
        "actions": actions,
        "containment": containment,
        "whys": list(capa.whys.all()),
        "fishbone": fishbone,
        "has_causes": bool(causes),
        "disciplines": [(value, label, disciplines.get(value)) for value, label in Discipline.D.choices],
        "checks": checks,
        "pending_check": pending,
        "is_owner": is_owner,
        "activity": _activity(capa),
        "containment_form": forms.get("containment_form") or (ContainmentForm() if changer else None),
        "why_form": forms.get("why_form") or (WhyForm() if changer else None),
        "cause_form": forms.get("cause_form") or (CauseForm() if changer else None),
        "root_cause_form": forms.get("root_cause_form")
        or (
            RootCauseForm(initial={"root_cause": capa.root_cause, "cause_category": capa.cause_category})
            if changer
            else None
        ),
        "discipline_form": forms.get("discipline_form")
        or (DisciplineForm(initial={"discipline": missing_d}) if changer else None),
        "action_form": forms.get("action_form") or (ActionForm() if changer else None),
        "verify_form": forms.get("verify_form")
        or (VerifyForm(capa=capa) if changer and capa.status == "actions" else None),
        "close_form": forms.get("close_form")
        or (
            CloseForm(user=user, change_requests=change_requests)
            if changer and capa.status == "verification"
            else None
        ),
        "plan_form": forms.get("plan_form")
        or (
            CheckPlanForm(
                capa=capa,
                initial={
                    "planned_date": pending.planned_date,
                    "criteria": pending.criteria,
                    "verifier": pending.verifier_id,
                },
            )
            if changer and pending and capa.status == "verification"
            else None
        ),
        "check_form": forms.get("check_form") or (CheckResultForm() if may_judge else None),
        "pdf_url": reverse("capa:capa_8d", args=[capa.pk]),
    }


def capa_page(request, capa: Capa, *, status: int = 400, **forms: Any) -> HttpResponse:
    """The CAPA page again, with the failing form's errors beside its fields."""
    return render_page(request, capa, forms=forms, status=status)


class CapaDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        return capa_context(self.request, record, **forms)


class CapaPost(RecordScopeMixin, QMSView):
    """A form on the CAPA page, posted here: checked, saved through a service, or shown again with
    its errors. Subclasses declare the form and what to save."""

    model = Capa
    http_method_names = ["post"]
    form_class: type[forms.Form] = forms.Form
    form_key = ""
    anchor = ""
    success = "Saved."
    needs_change = True

    def get_capa(self, pk) -> Capa:
        capa = get_object_or_404(self.get_queryset(), pk=pk)
        if self.needs_change:
            access.require_change(self.request.user, capa)
        return capa

    def make_form(self, capa: Capa, **kwargs) -> forms.Form:
        return self.form_class(self.request.POST)

    def save(self, capa: Capa, form: forms.Form, **kwargs) -> None:
        raise NotImplementedError

    def post(self, request, pk, **kwargs):
        capa = self.get_capa(pk)
        form = self.make_form(capa, **kwargs)
        if form.is_valid():
            try:
                self.save(capa, form, **kwargs)
            except (ValidationError, TransitionError) as exc:
                add_errors(form, exc)
        if form.errors:
            return capa_page(request, capa, **{self.form_key: form})
        messages.success(request, self.success)
        capa.refresh_from_db()
        return redirect(capa.get_absolute_url() + self.anchor)


class ContainmentAddView(CapaPost):
    form_class, form_key, anchor, success = (
        ContainmentForm,
        "containment_form",
        "#containment",
        "Containment action added.",
    )

    def save(self, capa, form, **kw):
        services.containment_add(capa=capa, by=self.request.user, **form.cleaned_data)


class WhyAddView(CapaPost):
    form_class, form_key, anchor, success = WhyForm, "why_form", "#whys", "Why recorded."

    def save(self, capa, form, **kw):
        services.why_add(capa=capa, by=self.request.user, answer=form.cleaned_data["answer"])


class CauseAddView(CapaPost):
    form_class, form_key, anchor, success = (
        CauseForm,
        "cause_form",
        "#fishbone",
        "Cause added to the fishbone.",
    )

    def save(self, capa, form, **kw):
        services.cause_add(capa=capa, by=self.request.user, **form.cleaned_data)


class RootCauseView(CapaPost):
    form_class, form_key, anchor, success = (
        RootCauseForm,
        "root_cause_form",
        "#rootcause",
        "Root cause recorded.",
    )

    def save(self, capa, form, **kw):
        services.capa_root_cause_set(capa=capa, by=self.request.user, **form.cleaned_data)


class DisciplineView(CapaPost):
    form_class, form_key, anchor, success = DisciplineForm, "discipline_form", "#eightd", "8D text saved."

    def save(self, capa, form, **kw):
        services.discipline_set(capa=capa, by=self.request.user, **form.cleaned_data)


class ActionAddView(CapaPost):
    form_class, form_key, anchor, success = ActionForm, "action_form", "#actions", "Action added."

    def save(self, capa, form, **kw):
        services.action_add(capa=capa, by=self.request.user, **form.cleaned_data)


class VerifyView(CapaPost):
    """Actions finished: plan the effectiveness check and move to verification."""

    form_class, form_key, anchor, success = VerifyForm, "verify_form", "", "Moved to verification."

    def make_form(self, capa, **kw):
        return VerifyForm(self.request.POST, capa=capa)

    def save(self, capa, form, **kw):
        services.capa_verification_start(capa=capa, by=self.request.user, **form.cleaned_data)


class CloseView(CapaPost):
    form_class, form_key, anchor, success = CloseForm, "close_form", "", "CAPA closed."

    def make_form(self, capa, **kw):
        return CloseForm(
            self.request.POST, user=self.request.user, change_requests=services.change_requests_available()
        )

    def save(self, capa, form, **kw):
        data = form.cleaned_data
        services.capa_close(
            capa=capa,
            by=self.request.user,
            risks_change=data["risks_change"] == "yes",
            risks_note=data["risks_note"],
            documents_change=data["documents_change"] == "yes",
            documents_note=data["documents_note"],
            reason=data["reason"],
            change_request_document=data.get("document"),
        )
        if data.get("document") is not None:
            self.success = f"CAPA closed; a change request was raised for {data['document'].reference}."


class CheckPlanView(CapaPost):
    form_class, form_key, anchor, success = (
        CheckPlanForm,
        "plan_form",
        "#effectiveness",
        "Effectiveness check re-planned.",
    )

    def make_form(self, capa, **kw):
        return CheckPlanForm(self.request.POST, capa=capa)

    def save(self, capa, form, check_pk):
        check = get_object_or_404(capa.checks, pk=check_pk)
        services.check_update(check=check, by=self.request.user, **form.cleaned_data)


class CheckResultView(CapaPost):
    """Sign off the effectiveness check: never by the CAPA owner."""

    form_class, form_key, anchor, success = (
        CheckResultForm,
        "check_form",
        "#effectiveness",
        "Effectiveness check signed off.",
    )
    needs_change = False  # the designated verifier may sign without other rights on the CAPA

    def post(self, request, pk, check_pk):
        capa = self.get_capa(pk)
        check = get_object_or_404(capa.checks, pk=check_pk)
        form = CheckResultForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.effectiveness_check_record(
                    check=check,
                    by=request.user,
                    result=form.cleaned_data["result"],
                    notes=form.cleaned_data["notes"],
                )
            except (ValidationError, TransitionError) as exc:
                add_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                status = 403
        if form.errors:
            return capa_page(request, capa, status=status, check_form=form)
        check.refresh_from_db()
        if check.result == EffectivenessCheck.Result.NOT_EFFECTIVE:
            messages.warning(request, "Not effective: the CAPA is reopened for a new investigation.")
        else:
            messages.success(request, self.success)
        return redirect(capa.get_absolute_url() + self.anchor)


class CapaDeletePost(CapaPost):
    """Remove a why or a fishbone cause (the removal stays in their history)."""

    def post(self, request, pk, **kwargs):
        capa = self.get_capa(pk)
        try:
            self.delete(capa, **kwargs)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, self.success)
        return redirect(capa.get_absolute_url() + self.anchor)


class WhyDeleteView(CapaDeletePost):
    anchor, success = "#whys", "Why removed."

    def delete(self, capa, why_pk):
        services.why_delete(why=get_object_or_404(capa.whys, pk=why_pk), by=self.request.user)


class CauseDeleteView(CapaDeletePost):
    anchor, success = "#fishbone", "Cause removed."

    def delete(self, capa, cause_pk):
        services.cause_delete(cause=get_object_or_404(capa.causes, pk=cause_pk), by=self.request.user)


# --- edit pages for rows inside a CAPA -------------------------------------------------------------


class CapaChildEdit(RecordScopeMixin, WriteView):
    """A page to edit one row of a CAPA (an action, a containment action, a why, a cause)."""

    model = Capa
    template_name = "capa/child_form.html"
    related = ""
    kwarg = ""
    anchor = ""
    noun = ""

    def setup_objects(self, pk, child_pk):
        self.capa = get_object_or_404(self.get_queryset(), pk=pk)
        self.child = get_object_or_404(getattr(self.capa, self.related).all(), pk=child_pk)
        if self.capa.is_closed:
            raise PermissionDenied("This CAPA is closed; it must be reopened before it can be changed.")
        self.progress_only = False
        if not access.can_change(self.request.user, self.capa):
            if getattr(self.child, "owner_id", None) != self.request.user.pk:
                raise PermissionDenied("You may not change this.")
            self.progress_only = True

    def make_form(self, data=None) -> forms.Form:
        raise NotImplementedError

    def save(self, form) -> None:
        raise NotImplementedError

    def render_form(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "capa": self.capa,
                "child": self.child,
                "title": f"{self.capa.reference}: edit {self.noun}",
                "cancel_url": self.capa.get_absolute_url() + self.anchor,
            },
            status=status,
        )

    def get(self, request, pk, **kwargs):
        self.setup_objects(pk, kwargs[self.kwarg])
        return self.render_form(self.make_form())

    def post(self, request, pk, **kwargs):
        self.setup_objects(pk, kwargs[self.kwarg])
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                self.save(form)
            except (ValidationError, TransitionError) as exc:
                add_errors(form, exc)
        if form.errors:
            return self.render_form(form, status=400)
        messages.success(request, f"{self.noun.capitalize()} saved.")
        return redirect(self.capa.get_absolute_url() + self.anchor)


class ActionEditView(CapaChildEdit):
    related, kwarg, anchor, noun = "actions", "action_pk", "#actions", "action"

    def make_form(self, data=None):
        # A copy, so a refused save does not leave half-changed values on the row shown again.
        instance = Action.objects.get(pk=self.child.pk)
        form_class = ActionProgressForm if self.progress_only else ActionUpdateForm
        return form_class(data, instance=instance)

    def save(self, form):
        data = dict(form.cleaned_data)
        services.action_update(
            action=self.child,
            by=self.request.user,
            status=data.pop("status"),
            evidence=data.pop("evidence", ""),
            reason=data.pop("reason", ""),
            **data,
        )


class ContainmentEditView(CapaChildEdit):
    related, kwarg, anchor, noun = (
        "containment_actions",
        "containment_pk",
        "#containment",
        "containment action",
    )

    def make_form(self, data=None):
        instance = ContainmentAction.objects.get(pk=self.child.pk)
        form_class = ContainmentProgressForm if self.progress_only else ContainmentUpdateForm
        return form_class(data, instance=instance)

    def save(self, form):
        data = dict(form.cleaned_data)
        services.containment_update(
            containment=self.child,
            by=self.request.user,
            status=data.pop("status"),
            result=data.pop("result", ""),
            **data,
        )


class WhyEditView(CapaChildEdit):
    related, kwarg, anchor, noun = "whys", "why_pk", "#whys", "why"

    def make_form(self, data=None):
        return WhyForm(data, instance=Why.objects.get(pk=self.child.pk))

    def save(self, form):
        services.why_update(why=self.child, by=self.request.user, answer=form.cleaned_data["answer"])


class CauseEditView(CapaChildEdit):
    related, kwarg, anchor, noun = "causes", "cause_pk", "#fishbone", "cause"

    def make_form(self, data=None):
        return CauseForm(data, instance=FishboneCause.objects.get(pk=self.child.pk))

    def save(self, form):
        services.cause_update(cause=self.child, by=self.request.user, **form.cleaned_data)


# --- 8D report and analysis --------------------------------------------------------------------


class EightDReportView(RecordScopeMixin, QMSView):
    """The 8D report of one CAPA as PDF: what customers ask to get back."""

    model = Capa

    def get(self, request, pk):
        capa = get_object_or_404(
            self.get_queryset().select_related("owner", "department", "closed_by"), pk=pk
        )
        actions = list(capa.actions.select_related("owner"))
        containment = list(capa.containment_actions.select_related("owner"))
        team = {capa.owner_id: capa.owner}
        for row in [*containment, *actions]:
            team.setdefault(row.owner_id, row.owner)
        causes = list(capa.causes.all())
        disciplines = {d.discipline: d.text for d in capa.disciplines.all()}
        context = {
            "capa": capa,
            "ncrs": list(capa.nonconformities.all()),
            "team": list(team.values()),
            "containment": containment,
            "whys": list(capa.whys.all()),
            "fishbone": [
                (label, [c for c in causes if c.category == value]) for value, label in CauseCategory.choices
            ],
            "d": disciplines,
            "actions": actions,
            "corrective": [a for a in actions if a.kind != Action.Kind.PREVENTIVE],
            "preventive": [a for a in actions if a.kind == Action.Kind.PREVENTIVE],
            "checks": list(capa.checks.select_related("verifier", "verified_by", "planned_by")),
            "generated_at": timezone.now(),
            "generated_by": request.user,
        }
        pdf = render_pdf("capa/capa_8d.html", context)
        return pdf_response(pdf, f"{capa.reference}-8D")


AGING_BUCKETS = [
    (0, 30, "0–30 days"),
    (31, 60, "31–60"),
    (61, 90, "61–90"),
    (91, 180, "91–180"),
    (181, None, "over 180"),
]


def _pareto_rows(data: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """The table under a Pareto chart: the bars' order (largest first, ties by name) with the
    cumulative share in percent, as the red line shows it."""
    rows, running, total = [], 0, sum(n for _, n in data) or 1
    for label, n in sorted(data, key=lambda d: (-d[1], d[0])):
        running += n
        rows.append((label, n, round(100 * running / total)))
    return rows


class AnalysisView(QMSView):
    """Pareto of nonconformities by cause category and by source over a period, and the aging of
    open CAPAs; only the records the user may see are counted."""

    def get(self, request):
        today = timezone.localdate()
        form = PeriodForm(
            request.GET or None, initial={"date_from": today - dt.timedelta(days=365), "date_to": today}
        )
        status = 200
        if form.is_bound and not form.is_valid():
            status = 400
            return render(request, "capa/analysis.html", {"form": form}, status=status)
        if form.is_bound:
            start, end = form.period()
        else:
            end = timezone.localdate()
            start = end - dt.timedelta(days=365)
        ncrs = access.restrict(Nonconformity.objects.all(), request.user).filter(
            created_at__date__gte=start, created_at__date__lte=end
        )
        cause_labels = dict(CauseCategory.choices)
        by_cause = [
            (cause_labels.get(row["cause_category"], "Not yet classified"), row["n"])
            for row in ncrs.values("cause_category").annotate(n=Count("pk")).order_by()
        ]
        source_labels = dict(Source.choices)
        by_source = [
            (source_labels.get(row["source"], row["source"]), row["n"])
            for row in ncrs.values("source").annotate(n=Count("pk")).order_by()
        ]
        today = timezone.localdate()
        ages = [
            (today - timezone.localdate(created)).days
            for created in access.restrict(Capa.objects.open(), request.user).values_list(
                "created_at", flat=True
            )
        ]
        aging = [
            (label, sum(1 for a in ages if a >= low and (high is None or a <= high)))
            for low, high, label in AGING_BUCKETS
        ]
        return render(
            request,
            "capa/analysis.html",
            {
                "form": form,
                "start": start,
                "end": end,
                "by_cause": _pareto_rows(by_cause),
                "by_source": _pareto_rows(by_source),
                "aging": aging,
                "cause_chart": bar_chart(
                    by_cause, title="Nonconformities by cause category (Pareto)", pareto=True
                ),
                "source_chart": bar_chart(by_source, title="Nonconformities by source (Pareto)", pareto=True),
                "aging_chart": bar_chart(aging, title="Open CAPAs by age"),
                "open_capas": len(ages),
            },
            status=status,
        )
