"""The kernel's own pages: My work, the Overview, the audit pack, the one search box, the
process catalogue, import, the profile and the health check."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.generic import TemplateView, UpdateView

from .. import access, auditpack, history
from ..due import registry as due_registry
from ..forms import AuditPackForm, ProfileForm
from ..models import Department, Role, User
from ..pdf import pdf_response
from ..selectors import search
from .base import QMSView


class MyWorkView(QMSView, TemplateView):
    """Everything the user owns that is overdue or due within 30 days, most overdue first."""

    template_name = "qms/my_work.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        user = self.request.user
        items = due_registry.for_user(user, days_ahead=30, today=today)
        ctx["items"] = [(item, item.days_overdue(today)) for item in items]
        ctx["overdue_count"] = sum(1 for i in items if i.due_date < today)
        ctx["today"] = today
        # Heads watch their department's overdue work; the quality manager the whole company's.
        overdue_until = today - dt.timedelta(days=1)
        if user.role == Role.DEPARTMENT_HEAD and user.department_id:
            ctx["team_title"] = f"{user.department}: overdue items of others"
            team = due_registry.items(until=overdue_until, department_ids=[user.department_id])
        elif user.is_quality_manager:
            ctx["team_title"] = "Whole company: overdue items of others"
            team = due_registry.items(until=overdue_until)
        else:
            team = []
        owners = User.objects.in_bulk({i.owner_id for i in team if i.owner_id != user.pk})
        ctx["team_items"] = [
            (item, item.days_overdue(today), owners.get(item.owner_id))
            for item in team
            if item.owner_id != user.pk
        ]
        return ctx


class OverviewView(QMSView, TemplateView):
    """What is overdue and due this week, by department and module: the quality manager, top
    management and auditors see the company, everyone else their own department, and a user who
    belongs to no department only their own items."""

    template_name = "qms/overview.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        # A missing department is the narrowest scope (the user's own items), never the widest.
        company = access.sees_everything(user)
        if company:
            items = due_registry.items(until=today + dt.timedelta(days=7))
            scope = "the whole company"
        elif user.department_id:
            items = due_registry.items(
                until=today + dt.timedelta(days=7), department_ids=[user.department_id]
            )
            items = [i for i in items if i.department_id == user.department_id]
            scope = str(user.department)
        else:
            items = due_registry.items(until=today + dt.timedelta(days=7), owner_ids=[user.pk])
            items = [i for i in items if i.owner_id == user.pk]
            scope = "your own items (you belong to no department)"
        modules = sorted({i.module for i in items})
        departments = {d.pk: d for d in Department.objects.all()}
        table: dict[int | None, dict[str, list[int]]] = {}
        for item in items:
            cell = table.setdefault(item.department_id, {m: [0, 0] for m in modules})[item.module]
            cell[0 if item.due_date < today else 1] += 1
        rows = sorted(
            (
                (departments.get(dept_id), [cells[m] for m in modules], sum(c[0] for c in cells.values()))
                for dept_id, cells in table.items()
            ),
            key=lambda row: (-row[2], str(row[0] or "")),
        )
        overdue = [i for i in items if i.due_date < today]
        owners = User.objects.in_bulk({i.owner_id for i in overdue[:15]})
        ctx.update(
            scope=scope,
            modules=modules,
            rows=rows,
            totals=[
                [
                    sum(1 for i in items if i.module == m and i.due_date < today),
                    sum(1 for i in items if i.module == m and i.due_date >= today),
                ]
                for m in modules
            ],
            most_overdue=[(i, i.days_overdue(today), owners.get(i.owner_id)) for i in overdue[:15]],
            overdue_count=len(overdue),
        )
        return ctx


class AuditPackView(QMSView, TemplateView):
    """Choose sections and a period, then download the PDF. A GET from start to end: reading records
    and rendering them is not a change, so auditors take packs away themselves."""

    template_name = "qms/auditpack_form.html"

    def get(self, request, *args, **kwargs):
        available = auditpack.sections()
        choices = [(s.key, f"{s.title} (ISO 9001 {s.clause})") for s in available]
        today = timezone.localdate()
        if "date_from" in request.GET:
            form = AuditPackForm(request.GET, choices=choices)
            if form.is_valid():
                data = form.cleaned_data
                pdf, _ = auditpack.pack_build(
                    user=request.user,
                    keys=data["sections"],
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                )
                return pdf_response(pdf, f"audit-pack-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}")
        else:
            form = AuditPackForm(
                initial={
                    "sections": [s.key for s in available],
                    "date_from": today.replace(year=today.year - 1) + dt.timedelta(days=1),
                    "date_to": today,
                },
                choices=choices,
            )
        return self.render_to_response(self.get_context_data(form=form))


class ProfileView(QMSView, UpdateView):
    template_name = "qms/profile.html"
    form_class = ProfileForm

    def get_object(self, queryset=None):
        return self.request.user

    def form_valid(self, form):
        history.attribute(form.instance, by=self.request.user, reason="Profile updated by the user")
        form.save()
        messages.success(self.request, "Profile saved.")
        return redirect("profile")


@access.public
def health(request):
    """Liveness and database check for load balancers; no login, no data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "database unavailable"}, status=503)


class SearchView(QMSView):
    """The one search box: reference, number or title, in every module, as far as the user may see."""

    def get(self, request):
        text = request.GET.get("q", "")[:100]
        return render(request, "qms/search.html", {"query": text, "groups": search(text, request.user)})
