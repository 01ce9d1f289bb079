"""Generic record views: a module declares a few lines per model and gets its register (see
``lists.py``), its page (with history, attachments, comments, links, workflow buttons and the
forms of its child rows), create (also "raised from" another record), edit and transition."""

from __future__ import annotations

from functools import cache

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.generic import DetailView, FormView, UpdateView

from .. import access, raising, services
from ..forms import AttachmentForm, CommentForm, LinkForm, RecordForm
from ..history import history_count, history_rows
from ..models import Record
from ..registry import model_by_label
from ..selectors import linked_models, links_of
from .base import QMSView, RecordScopeMixin, WriteView, add_errors, perform_step, register_page
from .lists import RecordListView

# --- the record's page ---------------------------------------------------------------------------


def page_forms(request, obj, forms: dict) -> dict:
    """The forms an object's page offers the user now: the add-forms of its child rows and its
    form actions (``qms.views.actions``), the bound ones given (with their errors) instead; and its
    child rows with their controls (``<name>_rows``)."""
    from .actions import actions_for
    from .children import offered_add, page_rows, specs_for

    user = request.user
    out = page_rows(obj, user)
    offered = [
        (s.form_key, s.form, s.add is not None and offered_add(s, user, obj)) for s in specs_for(type(obj))
    ]
    # A form that is a page of its own is not offered on the object's page too.
    offered += [(a.form_key, a.form, a.offered(user, obj)) for a in actions_for(type(obj)) if not a.page]
    for key, form_class, may in offered:
        if key in forms:
            out[key] = forms[key]
        else:
            out[key] = form_class(parent=obj, user=user) if may and not user.is_auditor else None
    return out


def record_context(request, record: Record, forms: dict | None = None) -> dict:
    """What the shared record page shows around the module's own body."""
    forms = forms or {}
    user = request.user
    opts = record._meta
    links, hidden = links_of(record, user)
    writable = access.can_change(user, record) and not record.is_closed
    return {
        "object": record,
        "record": record,
        "opts": opts,
        "body_template": f"{opts.app_label}/{opts.model_name}_detail.html",
        "can_change": writable,
        "can_edit": writable and record.edit_refused() is None,
        "can_attach": access.can_attach(user, record) and not record.is_closed,
        "can_comment": not user.is_auditor,
        "transitions": type(record).workflow.buttons(record, user),
        # The History tab is loaded when it is opened (``RecordHistoryView``): a ten-year record's
        # history is hundreds of rows most visits never look at.
        "history_count": history_count(record),
        "attachments": services.attachments_of(record),
        "record_signatures": services.signature_rows(record),
        "comments": services.comments_of(record),
        "links": links,
        "hidden_links": hidden,
        "raise_actions": _raise_actions(record, user),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "link_form": forms.get("link_form") or LinkForm(),
        "active_tab": forms.get("active_tab") or request.GET.get("tab", "details"),
        "record_label": opts.label_lower,
        "update_url": reverse(f"{opts.app_label}:{opts.model_name}_update", args=[record.pk]),
        "transition_url": reverse(f"{opts.app_label}:{opts.model_name}_transition", args=[record.pk]),
        "list_url": reverse(f"{opts.app_label}:{opts.model_name}_list"),
    }


def _raise_actions(record: Record, user) -> list[raising.RaiseAction]:
    if user.is_auditor:
        return []
    offered = [a for a in raising.actions_for(record) if access.can_create(user, a.model)]
    if any(a.once for a in offered):
        linked = linked_models(record)
        offered = [
            a for a in offered if not (a.once and (a.model in linked or (a.has_one and a.has_one(record))))
        ]
    return offered


class RecordDetailView(RecordScopeMixin, QMSView, DetailView):
    """A record's page. Modules add their context in ``extra_context_for(record, forms)``; bound
    forms with errors come back through ``forms`` (see ``qms.views.base.render_page``)."""

    template_name = "qms/record_detail.html"

    def get_queryset(self):
        # The people and departments a record names, read with it: its owner is often who
        # closed, released or inspected it too, a second read of the same person otherwise.
        return super().get_queryset().select_related(*_people_and_departments(self.model))

    def extra_context_for(self, record, forms: dict) -> dict:
        return {}

    def get_context_data(self, forms: dict | None = None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        forms = forms or {}
        ctx.update(record_context(self.request, self.object, forms))
        ctx.update(page_forms(self.request, self.object, forms))
        ctx.update(self.extra_context_for(self.object, forms))
        return ctx


@cache
def _people_and_departments(model) -> tuple[str, ...]:
    """The record's own foreign keys to a person or a department."""
    from ..models import Department, User

    return tuple(
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and f.many_to_one and f.related_model in (User, Department)
    )


class RecordHistoryView(RecordScopeMixin, QMSView, DetailView):
    """A record's history with its child rows': the History tab of its page asks for it when the
    tab is opened (htmx: the table alone); opened as a link, it is a page of its own."""

    template_name = "qms/record_history.html"

    def get_template_names(self):
        return ["qms/_history.html"] if self.request.htmx else [self.template_name]

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        patch_vary_headers(response, ["HX-Request"])  # the table alone, or the page
        return response

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record = self.object
        ctx.update(
            record=record,
            opts=record._meta,
            history=history_rows(record, self.request.user),
            list_url=reverse(f"{record._meta.app_label}:{record._meta.model_name}_list"),
        )
        return ctx


# --- create, edit, transition ----------------------------------------------------------------


class InvalidIs400:
    """A form sent back with its messages beside the fields answers 400, as every form of the
    product does (the record forms answered 200)."""

    def form_invalid(self, form):
        # Said at the top too, as every other form does: a phone shows the first fields only.
        messages.error(self.request, "Nothing was saved: see the messages beside the fields.")
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class RecordCreateView(InvalidIs400, WriteView, FormView):
    """A new record. With ``?from=<model label>:<pk>`` it is raised from another record: the form
    is prefilled from it and the new record is linked to it (shown on both)."""

    model: type[Record] | None = None
    form_class: type[RecordForm] = RecordForm
    template_name = "qms/record_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            access.require_create(request.user, self.model)
        return super().dispatch(request, *args, **kwargs)

    def source(self) -> Record | None:
        """The record this one is raised from (within the user's scope, and only where a module
        offers to raise this kind of record from it), if any."""
        if not hasattr(self, "_source"):
            self._source = None
            label, _, pk = self.request.GET.get("from", "").partition(":")
            model = model_by_label(label)
            if model is not None and pk.isdigit() and len(pk) < 12:
                found = access.restrict(model.objects.filter(pk=int(pk)), self.request.user).first()
                if found is not None and raising.for_model(self.model, found) is not None:
                    self._source = found
        return self._source

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["instance"] = self.model()
        # Raised from a record (a finding): filed for that record's department if need be.
        kwargs["source_department"] = getattr(self.source(), "department_id", None)
        return kwargs

    def get_initial(self):
        user = self.request.user
        initial = {"owner": self.model.default_owner_id(user), "department": user.department_id}
        source = self.source()
        if source is not None:
            initial.update(raising.for_model(self.model, source).prefill(source))
        return initial

    def create(self, form) -> Record:
        return services.record_create(model=self.model, by=self.request.user, **form.record_fields())

    def form_valid(self, form):
        try:
            # The record and its link to the source together, or neither.
            with transaction.atomic():
                record = self.create(form)
                source = self.source()
                if source is not None:
                    services.link_raised(record=record, source=source, by=self.request.user)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{record.display_reference} created.")
        return redirect(record.get_absolute_url())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = f"New {self.model._meta.verbose_name}"
        source = self.source()
        if source is not None:
            ctx["title"] += f" from {source.display_reference}"
        ctx["cancel_url"] = (
            source.get_absolute_url()
            if source is not None
            else reverse(f"{self.model._meta.app_label}:{self.model._meta.model_name}_list")
        )
        return ctx


class RecordUpdateView(InvalidIs400, RecordScopeMixin, WriteView, UpdateView):
    form_class: type[RecordForm] = RecordForm
    template_name = "qms/record_form.html"

    def get_object(self, queryset=None):
        record = super().get_object(queryset)
        access.require_change(self.request.user, record)
        if record.is_closed:
            raise PermissionDenied("A closed record cannot be edited.")
        if refused := record.edit_refused():
            raise PermissionDenied(refused)
        return record

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def update(self, form) -> Record:
        """The ModelForm already copied the values onto the instance; the service re-validates,
        requires the reason and writes the history. Modules override to call their own service."""
        return services.record_update(
            record=form.instance, by=self.request.user, reason=form.cleaned_data.get("reason", "")
        )

    def form_valid(self, form):
        try:
            record = self.update(form)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{record.display_reference} saved.")
        return redirect(record.get_absolute_url())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = f"Edit {self.object.display_reference}"
        ctx["cancel_url"] = self.object.get_absolute_url()
        return ctx


class RecordTransitionView(RecordScopeMixin, QMSView):
    """POST a transition name (and reason); refusals come back as a message on the record."""

    http_method_names = ["post"]

    def post(self, request, pk):
        return perform_step(request, get_object_or_404(self.get_queryset(), pk=pk))


def record_urlpatterns(
    model: type[Record],
    *,
    list_view: type[RecordListView] = RecordListView,
    detail_view: type[RecordDetailView] = RecordDetailView,
    create_view: type[RecordCreateView] = RecordCreateView,
    update_view: type[RecordUpdateView] = RecordUpdateView,
    transition_view: type[RecordTransitionView] = RecordTransitionView,
    history_view: type[RecordHistoryView] = RecordHistoryView,
    form_class: type[RecordForm] = RecordForm,
    prefix: str | None = None,
) -> list:
    """The six URLs every record model gets: list, new, detail, edit, transition, history."""
    name = model._meta.model_name
    prefix = prefix if prefix is not None else slugify(model._meta.verbose_name_plural)
    base = f"{prefix}/" if prefix else ""
    register_page(model, detail_view, {"model": model})
    from .children import set_base

    set_base(model, f"{base}<int:pk>/")
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
        path(f"{base}<int:pk>/history/", history_view.as_view(model=model), name=f"{name}_history"),
    ]
