"""Generic record views (a module declares a few lines per model) and the kernel's own pages:
My work, attachments, comments, links, profile, health."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import ForeignKey, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView, UpdateView

from . import access, auditpack, services
from .due import registry as due_registry
from .forms import (
    AttachmentForm,
    AuditPackForm,
    CommentForm,
    LinkForm,
    ProfileForm,
    RecordForm,
    TransitionForm,
)
from .models import Attachment, Department, Record, RecordLink, Role, User
from .pdf import pdf_response
from .registry import find_by_reference, model_by_label
from .workflow import TransitionError

logger = logging.getLogger(__name__)


class QMSView(View):
    """Base of every logged-in page: login required, auditors may read but not write."""

    access = access.LOGIN


class WriteView(QMSView):
    """A page that exists only to change data: auditors are refused even a look at the form."""

    access = access.WRITE


class RecordScopeMixin:
    """Record lookups narrowed to what the user may see: outside the scope is a 404."""

    model: type[Record] | None = None

    def get_queryset(self):
        return access.restrict(self.model.objects.all(), self.request.user)


# --- lists ---------------------------------------------------------------------------------


class RecordListView(RecordScopeMixin, QMSView, ListView):
    """A register: filterable with django-filter, searchable, CSV export of the filtered view, a
    constant number of queries (declare select_related for every column)."""

    template_name = "qms/record_list.html"
    paginate_by = 50
    filterset_class = None
    columns: list[tuple[str, str]] = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("status", "Status"),
        ("owner", "Owner"),
        ("department", "Department"),
        ("due_date", "Due"),
    ]
    select_related: tuple[str, ...] = ("owner", "department")
    search_fields: tuple[str, ...] = ("reference", "title")
    title: str = ""

    def get_queryset(self):
        qs = super().get_queryset().select_related(*self.select_related)
        # PostgreSQL text cannot hold NUL; a search for one finds nothing rather than failing.
        q = self.request.GET.get("q", "").replace("\x00", "").strip()
        if q:
            cond = Q()
            for f in self.search_fields:
                cond |= Q(**{f"{f}__icontains": q})
            qs = qs.filter(cond)
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET, queryset=qs, request=self.request)
            qs = self.filterset.qs if self.filterset.is_valid() else qs.none()
        else:
            self.filterset = None
        return qs

    def cell(self, record, field: str) -> Any:
        if field == "status":
            return record.get_status_display()
        value = record
        for part in field.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return ""
        return value() if callable(value) else value

    def rows(self, records):
        return [(r, [self.cell(r, f) for f, _ in self.columns]) for r in records]

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return self.csv_response()
        return super().get(request, *args, **kwargs)

    def csv_response(self) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = slugify(self.model._meta.verbose_name_plural)
        response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.csv"'
        writer = csv.writer(response)
        writer.writerow([label for _, label in self.columns])
        for record in self.get_queryset().iterator(chunk_size=2000):
            writer.writerow([_csv_safe(self.cell(record, f)) for f, _ in self.columns])
        return response

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        opts = self.model._meta
        ctx.update(
            title=self.title or opts.verbose_name_plural.capitalize(),
            columns=self.columns,
            rows=self.rows(ctx["object_list"]),
            filter=self.filterset,
            can_create=access.can_create(self.request.user),
            create_url=reverse(f"{opts.app_label}:{opts.model_name}_create"),
            query=self.request.GET.get("q", ""),
            querystring=_querystring(self.request, drop=("page", "format")),
        )
        return ctx


def _csv_safe(value: Any) -> str:
    """Neutralise spreadsheet formulas in exported cells (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _querystring(request, drop=()) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


# --- detail --------------------------------------------------------------------------------


def _display(field, value, cache: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(field, ForeignKey):
        related = field.related_model
        key = (related, value)
        if key not in cache:
            cache[key] = str(related._default_manager.filter(pk=value).first() or f"#{value}")
        return cache[key]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.name == "status":
        return str(value)
    return str(value)


_HISTORY_SKIP = {"id", "updated_at", "created_at"}


def history_rows(record: Record) -> list[dict]:
    """The record's history, newest first: who, when, why, and old → new for every field
    (status and other non-editable fields included)."""
    entries = list(
        record.history.all().select_related("history_user").order_by("-history_date", "-history_id")
    )
    workflow = type(record).workflow
    fields = [f for f in record._meta.concrete_fields if f.name not in _HISTORY_SKIP]
    cache: dict = {}
    rows = []
    for i, entry in enumerate(entries):
        older = entries[i + 1] if i + 1 < len(entries) else None
        changes = []
        for field in fields if older is not None else ():
            old, new = getattr(older, field.attname, None), getattr(entry, field.attname, None)
            if old == new:
                continue
            if field.name == "status":
                old_text, new_text = workflow.label(old), workflow.label(new)
            else:
                old_text, new_text = _display(field, old, cache), _display(field, new, cache)
            changes.append({"field": field.verbose_name, "old": old_text, "new": new_text})
        rows.append(
            {
                "when": entry.history_date,
                "who": entry.history_user or "—",
                "why": entry.history_change_reason or "",
                "type": {"+": "Created", "~": "Changed", "-": "Deleted"}[entry.history_type],
                "changes": changes,
            }
        )
    return rows


def _link_q(record: Record) -> Q:
    ct = ContentType.objects.get_for_model(record)
    return Q(source_type=ct, source_id=record.pk) | Q(target_type=ct, target_id=record.pk)


def links_of(record: Record, user: User | None = None) -> list[dict]:
    """Links from and to the record, resolved to the other record. Given ``user``, a linked record
    outside the user's scope is left out: its reference and title are not theirs to read (the
    count of hidden links is told by ``hidden_links``)."""
    ct = ContentType.objects.get_for_model(record)
    links = RecordLink.objects.filter(_link_q(record)).select_related("created_by")
    by_type: dict[int, set[int]] = {}
    pairs = []
    for link in links:
        if link.source_type_id == ct.pk and link.source_id == record.pk:
            other = (link.target_type_id, link.target_id)
        else:
            other = (link.source_type_id, link.source_id)
        by_type.setdefault(other[0], set()).add(other[1])
        pairs.append((link, other))
    resolved: dict[tuple[int, int], Any] = {}
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        others = model._default_manager.filter(pk__in=ids)
        if user is not None:
            others = access.restrict(others, user)
        for obj in others:
            resolved[(type_id, obj.pk)] = obj
    return [{"link": link, "other": resolved.get(other)} for link, other in pairs if resolved.get(other)]


def record_context(request, record: Record, **forms) -> dict:
    user = request.user
    opts = record._meta
    writable = access.can_change(user, record) and not record.is_closed
    links = links_of(record, user)
    return {
        "object": record,
        "record": record,
        "opts": opts,
        "body_template": f"{opts.app_label}/{opts.model_name}_detail.html",
        "can_change": writable,
        "can_comment": not user.is_auditor,
        "transitions": type(record).workflow.available(record, user),
        "history": history_rows(record),
        "attachments": services.attachments_of(record),
        "comments": services.comments_of(record),
        "links": links,
        "hidden_links": RecordLink.objects.filter(_link_q(record)).count() - len(links),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "link_form": forms.get("link_form") or LinkForm(),
        "active_tab": forms.get("active_tab", "details"),
        "record_label": opts.label_lower,
        "update_url": reverse(f"{opts.app_label}:{opts.model_name}_update", args=[record.pk]),
        "transition_url": reverse(f"{opts.app_label}:{opts.model_name}_transition", args=[record.pk]),
        "list_url": reverse(f"{opts.app_label}:{opts.model_name}_list"),
    }


class RecordDetailView(RecordScopeMixin, QMSView, DetailView):
    template_name = "qms/record_detail.html"

    def extra_context_for(self, record) -> dict:
        """Module-specific context for the body template."""
        return {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            record_context(self.request, self.object, active_tab=self.request.GET.get("tab", "details"))
        )
        ctx.update(self.extra_context_for(self.object))
        return ctx


# --- create, edit, transition ----------------------------------------------------------------


class RecordCreateView(WriteView, FormView):
    model: type[Record] | None = None
    form_class: type[RecordForm] = RecordForm
    template_name = "qms/record_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["instance"] = self.model()
        return kwargs

    def get_initial(self):
        return {"owner": self.request.user.pk, "department": self.request.user.department_id}

    def create(self, form) -> Record:
        return services.record_create(model=self.model, by=self.request.user, **form.record_fields())

    def form_valid(self, form):
        try:
            record = self.create(form)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{record.reference} created.")
        return redirect(record.get_absolute_url())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = f"New {self.model._meta.verbose_name}"
        ctx["cancel_url"] = reverse(f"{self.model._meta.app_label}:{self.model._meta.model_name}_list")
        return ctx


class RecordUpdateView(RecordScopeMixin, WriteView, UpdateView):
    form_class: type[RecordForm] = RecordForm
    template_name = "qms/record_form.html"

    def get_object(self, queryset=None):
        record = super().get_object(queryset)
        access.require_change(self.request.user, record)
        if record.is_closed:
            raise PermissionDenied("A closed record cannot be edited.")
        return record

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        # The ModelForm already copied the values onto the instance; the service re-validates,
        # requires the reason and writes the history.
        try:
            services.record_update(
                record=form.instance, by=self.request.user, reason=form.cleaned_data.get("reason", "")
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{form.instance.reference} saved.")
        return redirect(form.instance.get_absolute_url())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = f"Edit {self.object.reference}"
        ctx["cancel_url"] = self.object.get_absolute_url()
        return ctx


def add_errors(form, exc: ValidationError | TransitionError) -> None:
    """Put a service's refusal beside the field it concerns (or above the form)."""
    if isinstance(exc, TransitionError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class RecordTransitionView(RecordScopeMixin, QMSView):
    """POST a transition name (and reason); refusals come back as a message on the record."""

    http_method_names = ["post"]

    def post(self, request, pk):
        record = get_object_or_404(self.get_queryset(), pk=pk)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            if "reason" in form.errors:
                limit = TransitionForm.base_fields["reason"].max_length
                messages.error(request, f"Keep the reason to {limit} characters; it goes into the history.")
            else:
                messages.error(request, "Choose a step to perform.")
            return redirect(record.get_absolute_url())
        try:
            self.perform(record, form.cleaned_data["transition"], form.cleaned_data["reason"])
        except TransitionError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{record.reference}: {record.get_status_display().lower()}.")
        return redirect(record.get_absolute_url())

    def perform(self, record, name: str, reason: str) -> None:
        services.record_transition(record=record, name=name, by=self.request.user, reason=reason)
        record.refresh_from_db()


def record_urlpatterns(
    model: type[Record],
    *,
    list_view: type[RecordListView] = RecordListView,
    detail_view: type[RecordDetailView] = RecordDetailView,
    create_view: type[RecordCreateView] = RecordCreateView,
    update_view: type[RecordUpdateView] = RecordUpdateView,
    transition_view: type[RecordTransitionView] = RecordTransitionView,
    form_class: type[RecordForm] = RecordForm,
    prefix: str | None = None,
) -> list:
    """The five URLs every record model gets: list, new, detail, edit, transition."""
    name = model._meta.model_name
    prefix = prefix if prefix is not None else slugify(model._meta.verbose_name_plural)
    base = f"{prefix}/" if prefix else ""
    return [
        path(base, list_view.as_view(model=model), name=f"{name}_list"),
        path(f"{base}new/", create_view.as_view(model=model, form_class=form_class), name=f"{name}_create"),
        path(f"{base}<int:pk>/", detail_view.as_view(model=model), name=f"{name}_detail"),
        path(
            f"{base}<int:pk>/edit/",
            update_view.as_view(model=model, form_class=form_class),
            name=f"{name}_update",
        ),
        path(f"{base}<int:pk>/transition/", transition_view.as_view(model=model), name=f"{name}_transition"),
    ]


# --- kernel pages: attachments, comments, links ------------------------------------------------


def _record_or_404(request, label: str, pk: int) -> Record:
    model = model_by_label(label)
    if model is None:
        raise Http404("No such kind of record.")
    return get_object_or_404(access.restrict(model.objects.all(), request.user), pk=pk)


def _detail_again(request, record, status=400, **forms):
    """Show the record again with the failing form's errors beside its fields."""
    messages.error(request, "Nothing was saved: see the message below.")
    return render(request, "qms/record_detail.html", record_context(request, record, **forms), status=status)


class AttachmentUploadView(QMSView):
    http_method_names = ["post"]

    def post(self, request, label, pk):
        record = _record_or_404(request, label, pk)
        access.require_change(request.user, record)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.attachment_add(
                    record=record,
                    upload=form.cleaned_data["file"],
                    by=request.user,
                    description=form.cleaned_data["description"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
        if not form.is_valid():
            return _detail_again(request, record, attachment_form=form, active_tab="attachments")
        messages.success(request, "File attached.")
        return redirect(record.get_absolute_url() + "?tab=attachments")


class AttachmentDownloadView(QMSView):
    """Stream an attachment as a download with a safe name, after checking the user may see the
    record it belongs to. There is no public URL for attachments."""

    model = Attachment

    def get(self, request, pk):
        attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
        model = attachment.content_type.model_class()
        if not access.restrict(model.objects.filter(pk=attachment.object_id), request.user).exists():
            raise Http404("No such attachment.")
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            logger.error("Attachment %s: stored file %s is missing", attachment.pk, attachment.file.name)
            raise Http404("The stored file is missing. Tell the quality manager.") from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=services.safe_filename(attachment.original_name),
            content_type=attachment.content_type_name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class CommentCreateView(QMSView):
    http_method_names = ["post"]

    def post(self, request, label, pk):
        record = _record_or_404(request, label, pk)
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                services.comment_add(record=record, by=request.user, text=form.cleaned_data["text"])
            except ValidationError as exc:
                add_errors(form, exc)
        if not form.is_valid():
            return _detail_again(request, record, comment_form=form, active_tab="comments")
        messages.success(request, "Comment added.")
        return redirect(record.get_absolute_url() + "?tab=comments")


class LinkCreateView(QMSView):
    http_method_names = ["post"]

    def post(self, request, label, pk):
        record = _record_or_404(request, label, pk)
        access.require_change(request.user, record)
        form = LinkForm(request.POST)
        if form.is_valid():
            target = find_by_reference(form.cleaned_data["target"])
            if target is None or not access.can_view(request.user, target):
                form.add_error("target", "No record with that reference that you can see.")
            else:
                try:
                    services.link_add(
                        source=record, target=target, by=request.user, note=form.cleaned_data["note"]
                    )
                except ValidationError as exc:
                    add_errors(form, exc)
        if not form.is_valid():
            return _detail_again(request, record, link_form=form, active_tab="links")
        messages.success(request, "Link added.")
        return redirect(record.get_absolute_url() + "?tab=links")


class LinkDeleteView(QMSView):
    http_method_names = ["post"]

    def post(self, request, label, pk, link_pk):
        record = _record_or_404(request, label, pk)
        ct = ContentType.objects.get_for_model(record)
        link = get_object_or_404(
            RecordLink.objects.filter(
                Q(source_type=ct, source_id=record.pk) | Q(target_type=ct, target_id=record.pk)
            ),
            pk=link_pk,
        )
        services.link_remove(link=link, record=record, by=request.user)
        messages.success(request, "Link removed.")
        return redirect(record.get_absolute_url() + "?tab=links")


# --- home, profile, health ----------------------------------------------------------------------


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
    """What is overdue and due this week, by department and module: the quality manager and
    auditors see the company, everyone else their own department."""

    template_name = "qms/overview.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        company = access.sees_everything(user) or not user.department_id
        items = due_registry.items(
            until=today + dt.timedelta(days=7), department_ids=None if company else [user.department_id]
        )
        if not company:
            items = [i for i in items if i.department_id == user.department_id]
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
            scope="the whole company" if company else str(user.department),
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
        form.instance._change_reason = "Profile updated by the user"
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
