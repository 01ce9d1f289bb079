"""Views of child rows: add, edit, remove, a workflow step, and (for a child with a page of its
own, such as a revision) its page. A module declares the forms and, where the kernel's own do not
serve, the services to call; the kernel finds the row through its parent within the user's scope,
checks who may, asks for the reason, shows a refusal beside the field on the parent's page (400,
nothing changed) and redirects to where the row is shown.

    urlpatterns += child_urlpatterns(Action, prefix="actions", form=ActionForm, add=True, edit=True)

``add=True``, ``edit=True`` and ``remove=True`` use the kernel's services (``child_add``,
``child_update``, ``child_remove``); a module's own service is called with keywords instead:
``add(<parent_field>=parent, by=user, **cleaned_data)``, ``edit(<kw>=row, by=user, **cleaned_data)``,
``remove(<kw>=row, by=user, reason=...)``, where ``kw`` is the model name unless declared. The
person a row is assigned to gets a form of the model's ``assignee_fields`` unless one is declared.

Every page that shows the rows gets them with their controls as ``<name>_rows`` (``child_rows``),
and the add-form as ``<name>_form``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.text import capfirst
from django.views.generic import TemplateView

from .. import access, services
from ..forms import ChildModelForm, ReasonForm
from ..models import ChildRecord, Record
from ..models.loading import select_named
from ..scoped import read_once
from ..workflow import Transition, TransitionError
from .base import (
    QMSView,
    WriteView,
    add_errors,
    child_or_404,
    has_page,
    page_of,
    perform_step,
    register_page,
    render_page,
)

# The key under which a row's page receives its refused edit form (``ChildDetailView.edit_on_page``).
EDIT_FORM = "edit_form"

_bases: dict[type, str] = {}  # model -> URL path of one object ("<int:pk>/revisions/<int:revision_pk>/")
_specs: dict[type, ChildSpec] = {}


def set_base(model: type, route: str) -> None:
    _bases[model] = route


def _may_change_open(user, parent) -> bool:
    root = parent.root
    return access.can_change(user, root) and not root.is_closed and not getattr(parent, "is_closed", False)


def offered_add(spec: ChildSpec, user, parent) -> bool:
    """Whether ``parent``'s page offers the add form: the user may add, and the model takes a row
    there now (``ChildRecord.add_refused``: no question added to an audit whose report is issued)."""
    return spec.may_add(user, parent) and spec.model.add_refused(parent) is None


@dataclass
class ChildSpec:
    model: type[ChildRecord]
    prefix: str  # the URL segment: "actions"
    name: str  # URL names "<name>_add", "<name>_edit", …; the model name by default
    form: type[djforms.Form] | None = None  # the add form (shown on the parent's page)
    add: Callable[..., Any] | None = None
    edit_form: type[djforms.Form] | None = None
    assignee_form: type[djforms.Form] | None = None  # what the row's assignee alone may change
    edit: Callable[..., Any] | None = None
    remove: Callable[..., Any] | None = None
    kw: str = ""  # the keyword the services take the row by
    steps: bool = False  # the row's workflow buttons
    may_add: Callable[[Any, Any], bool] = _may_change_open

    @property
    def form_key(self) -> str:
        return f"{self.name}_form"

    def edit_form_for(self, user, row) -> type[djforms.Form]:
        """The form ``user`` may use on ``row``, or PermissionDenied."""
        root = row.root
        if user.is_auditor:
            raise PermissionDenied("Auditors have read-only access.")
        if root.is_closed:
            raise PermissionDenied(
                f"{root.display_reference} is closed; it must be reopened before it can be changed."
            )
        if refused := row.edit_refused():
            raise PermissionDenied(refused)  # the page offered no Edit: its address says why
        if access.can_change(user, root) and self.edit_form is not None:
            return self.edit_form
        if self.assignee_form is not None and row.assignee_id == user.pk:
            return self.assignee_form
        raise PermissionDenied("You may not change this.")


def specs_for(parent_model: type) -> list[ChildSpec]:
    return [s for s in _specs.values() if s.model.parent_model() is parent_model]


def spec_of(model: type) -> ChildSpec:
    return _specs[model]


class _ChildView(QMSView):
    spec: ChildSpec = None
    model: type[ChildRecord] | None = None  # the kind of row (for the route walker)

    def row(self) -> ChildRecord:
        return child_or_404(self.spec.model, self.request.user, self.kwargs)

    def parent(self):
        parent_model = self.spec.model.parent_model()
        if issubclass(parent_model, ChildRecord):
            return child_or_404(parent_model, self.request.user, self.kwargs)
        return get_object_or_404(
            access.restrict(parent_model.objects.all(), self.request.user), pk=self.kwargs["pk"]
        )

    def back(self, obj) -> str:
        return obj.get_absolute_url()


class ChildAddView(_ChildView):
    http_method_names = ["post"]

    def post(self, request, **kwargs):
        parent = self.parent()
        if not offered_add(self.spec, request.user, parent):
            refused = self.spec.model.add_refused(parent)
            if refused and self.spec.may_add(request.user, parent):
                raise PermissionDenied(refused)
            root = parent.root
            if root.is_closed and access.can_change(request.user, root):
                raise PermissionDenied(
                    f"{root.display_reference} is closed; it must be reopened before it can be changed."
                )
            raise PermissionDenied("You may not add to this.")
        form = self.spec.form(request.POST, request.FILES, parent=parent, user=request.user)
        if form.is_valid():
            try:
                row = self.spec.add(
                    **{self.spec.model.parent_field: parent}, by=request.user, **form.cleaned_data
                )
            except (ValidationError, TransitionError) as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"{capfirst(self.spec.model._meta.verbose_name)} added.")
                return redirect(
                    row.get_absolute_url() if hasattr(row, "get_absolute_url") else self.back(parent)
                )
        return render_page(request, parent, forms={self.spec.form_key: form})


class ChildEditView(_ChildView, WriteView):
    """A page to change one row: everything for whoever may change the record, the progress
    fields (``assignee_form``) for the person it is assigned to."""

    template_name = "qms/child_form.html"

    def page(self, row, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "row": row,
                "root": row.root,
                "title": f"{row.root.display_reference}: {self.spec.model._meta.verbose_name} {row}",
                "cancel_url": row.get_absolute_url(),
            },
            status=status,
        )

    def make_form(self, row, data=None, files=None):
        form_class = self.spec.edit_form_for(self.request.user, row)
        # For a save, a fresh copy, so a refused one does not leave half-changed values on the
        # row shown; a GET changes nothing and shows the row as read.
        instance = row if data is None else type(row)._default_manager.get(pk=row.pk)
        kwargs = {"instance": instance} if issubclass(form_class, djforms.ModelForm) else {}
        return form_class(data, files, parent=row.parent, user=self.request.user, **kwargs)

    def get(self, request, **kwargs):
        row = self.row()
        return self.page(row, self.make_form(row))

    def post(self, request, **kwargs):
        row = self.row()
        form = self.make_form(row, request.POST, request.FILES)
        if form.is_valid():
            try:
                self.spec.edit(**{self.spec.kw: row}, by=request.user, **form.cleaned_data)
            except (ValidationError, TransitionError) as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"{capfirst(self.spec.model._meta.verbose_name)} saved.")
                return redirect(row.get_absolute_url())
        if getattr(page_of(type(row)), "edit_on_page", False):
            # Refused where it was typed: the row's page, its form bound with the errors.
            return render_page(request, row, forms={EDIT_FORM: form})
        messages.error(request, "Nothing was saved: see the message below.")
        return self.page(row, form, status=400)


class ChildRemoveView(_ChildView):
    """Remove draft work (with a reason kept in the record's history); everything else refuses."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        row = self.row()
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Say why it is removed; the reason goes into the history.")
        else:
            try:
                self.spec.remove(**{self.spec.kw: row}, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, f"{capfirst(self.spec.model._meta.verbose_name)} removed.")
                # Back to where the row was listed: its own page is gone with it.
                return redirect(row.parent.get_absolute_url() + row.anchor)
        return redirect(row.get_absolute_url())


class ChildStepView(_ChildView):
    """Move a row along its own workflow (a button with its reason box)."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        return perform_step(request, self.row())


class ChildDetailView(_ChildView, TemplateView):
    """The page of a child row that has one (a revision): ``<app>/<model>_detail.html`` with the
    row, its record, its workflow buttons, and the add-forms of its own child rows."""

    # True when the page lays out the row's edit form itself (a checklist question's answer, on a
    # tablet): a refused edit is then shown on this page, the form bound with its errors given to
    # ``extra_context_for`` as ``forms[EDIT_FORM]``, rather than on the kernel's form page.
    edit_on_page: bool = False

    def get_template_names(self):
        opts = self.spec.model._meta
        return [f"{opts.app_label}/{opts.model_name}_detail.html"]

    def extra_context_for(self, row, forms: dict) -> dict:
        return {}

    def get_context_data(self, forms: dict | None = None, **kwargs):
        from .records import page_forms

        ctx = super().get_context_data(**kwargs)
        forms = forms or {}
        row = kwargs.get("object") or getattr(self, "object", None) or self.row()
        self.object = row
        user = self.request.user
        ctx.update(
            object=row,
            row=row,
            root=row.root,
            controls=child_rows([row], user)[0],
            transitions=row.workflow.buttons(row, user) if row.workflow else [],
            can_change=access.can_change(user, row.root) and not row.root.is_closed,
        )
        ctx.update(page_forms(self.request, row, forms))
        ctx.update(self.extra_context_for(row, forms))
        return ctx


@dataclass
class ChildRow:
    """A row as a page lists it, with the controls the user may use on it now."""

    row: ChildRecord
    buttons: list[Transition] = field(default_factory=list)  # its workflow steps
    step_url: str = ""
    edit_url: str = ""
    remove_url: str = ""


def child_rows(rows, user) -> list[ChildRow]:
    """``rows`` (of one kind, as a page lists them) with their controls: the workflow buttons, and
    edit and remove where ``user`` may use them. No query per row beyond what ``rows`` brings."""
    out = []
    for row in rows:
        spec, root = _specs[type(row)], row.root
        writable = not user.is_auditor and not root.is_closed and access.can_change(user, root)
        url = f"{type(row)._meta.app_label}:{spec.name}_%s"
        controls = ChildRow(row, row.workflow.buttons(row, user) if row.workflow and spec.steps else [])
        kwargs = row.url_kwargs()
        if controls.buttons:
            controls.step_url = reverse(url % "step", kwargs=kwargs)
        assignee = spec.assignee_form is not None and row.assignee_id == user.pk
        if (
            spec.edit is not None
            and not root.is_closed
            and not user.is_auditor
            and (writable or assignee)
            and row.edit_refused() is None
        ):
            controls.edit_url = reverse(url % "edit", kwargs=kwargs)
        if spec.remove is not None and writable and row.removal_refused() is None:
            controls.remove_url = reverse(url % "remove", kwargs=kwargs)
        out.append(controls)
    return out


def page_rows(obj, user) -> dict:
    """The rows of every kind whose parent is ``obj``, as ``<name>_rows``, computed only when the
    page's template shows them."""
    out = {}
    for spec in specs_for(type(obj)):
        model = spec.model
        # The people and things a row names come in the same query (its parent is known).
        named = [
            f.name for f in model._meta.concrete_fields if f.many_to_one and f.name != model.parent_field
        ]
        rows = select_named(model._default_manager.filter(**{model.parent_field: obj}), named)
        rows = rows.order_by(*(model._meta.ordering or ["pk"]))

        def listed(rows=rows, parent_field=model.parent_field):
            found = read_once(rows)  # a module's own part of the page may read the same rows
            for row in found:  # the parent is known: no query per row to find it
                setattr(row, parent_field, obj)
            return child_rows(found, user)

        out[f"{spec.name}_rows"] = SimpleLazyObject(listed)
    return out


def _kernel_add(model: type[ChildRecord]) -> Callable[..., Any]:
    return lambda **fields: services.child_add(model=model, **fields)


def _kernel_edit(kw: str) -> Callable[..., Any]:
    return lambda *, by, **fields: services.child_update(child=fields.pop(kw), by=by, **fields)


def _kernel_remove(*, by, reason: str, **row) -> None:
    (child,) = row.values()
    services.child_remove(child=child, by=by, reason=reason)


def _assignee_form(model: type[ChildRecord]) -> type[djforms.Form] | None:
    """A form of the fields the row's assignee may change (``assignee_fields``)."""
    if not model.assignee_fields:
        return None
    return djforms.modelform_factory(model, form=ChildModelForm, fields=list(model.assignee_fields))


def child_urlpatterns(
    model: type[ChildRecord],
    *,
    prefix: str,
    name: str = "",
    form: type[djforms.Form] | None = None,
    add: Callable[..., Any] | bool | None = None,
    edit_form: type[djforms.Form] | None = None,
    assignee_form: type[djforms.Form] | None = None,
    edit: Callable[..., Any] | bool | None = None,
    remove: Callable[..., Any] | bool | None = None,
    kw: str = "",
    may_add: Callable[[Any, Any], bool] | None = None,
    detail_view: type[ChildDetailView] | None = None,
    steps: bool | None = None,
) -> list:
    """The URLs of one kind of child row, under its parent's page. ``True`` for ``add``, ``edit``
    or ``remove`` uses the kernel's service; give a service to do more (renumber the whys). The edit
    form is the add form unless declared."""
    name = name or model._meta.model_name
    kw = kw or model._meta.model_name
    parent = model.parent_model()
    if add or may_add:
        # A refused add shows the parent's page again: a row's page must be declared first.
        assert issubclass(parent, Record) or has_page(parent), f"declare the page of {parent.__name__} first"
    if (
        edit is not None
        and edit_form is None
        and isinstance(form, type)
        and issubclass(form, djforms.ModelForm)
    ):
        edit_form = form
    spec = ChildSpec(
        model=model,
        prefix=prefix,
        name=name,
        form=form,
        add=_kernel_add(model) if add is True else add,
        edit_form=edit_form,
        assignee_form=assignee_form or (_assignee_form(model) if edit is not None else None),
        edit=_kernel_edit(kw) if edit is True else edit,
        remove=_kernel_remove if remove is True else remove,
        kw=kw,
        steps=steps if steps is not None else model.workflow is not None,
        **({"may_add": may_add} if may_add else {}),
    )
    _specs[model] = spec
    parent_base = _bases[parent]
    base = f"{parent_base}{prefix}/"
    one = f"{base}<int:{model.kwarg()}>/"
    set_base(model, one)
    made = {"spec": spec, "model": model}
    urls = []
    if spec.add is not None:
        urls.append(path(f"{base}add/", ChildAddView.as_view(**made), name=f"{name}_add"))
    if spec.edit is not None:
        urls.append(path(f"{one}edit/", ChildEditView.as_view(**made), name=f"{name}_edit"))
    if spec.remove is not None:
        urls.append(path(f"{one}remove/", ChildRemoveView.as_view(**made), name=f"{name}_remove"))
    if spec.steps:
        urls.append(path(f"{one}step/", ChildStepView.as_view(**made), name=f"{name}_step"))
    if detail_view is not None:
        register_page(model, detail_view, made)
        urls.append(path(one, detail_view.as_view(**made), name=f"{name}_detail"))
    return urls
