"""Views of child rows: add, edit, remove, a workflow step, and (for a child with a page of its
own, such as a revision) its page. A module declares the forms and the services to call; the
kernel finds the row through its parent within the user's scope, checks who may, asks for the
reason, shows a refusal beside the field on the parent's page (400, nothing changed) and
redirects to where the row is shown.

    urlpatterns += child_urlpatterns(
        Action, prefix="actions", form=ActionForm, add=services.action_add,
        edit_form=ActionUpdateForm, assignee_form=ActionProgressForm, edit=services.action_update,
    )

Services are called with keywords: ``add(<parent_field>=parent, by=user, **cleaned_data)``,
``edit(<kw>=row, by=user, **cleaned_data)``, ``remove(<kw>=row, by=user, reason=...)``, where
``kw`` is the model name unless declared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.generic import TemplateView

from .. import access, services
from ..forms import ReasonForm, TransitionForm
from ..models import ChildRecord
from ..workflow import TransitionError
from .base import QMSView, WriteView, add_errors, child_or_404, register_page, render_page

_bases: dict[type, str] = {}  # model -> URL path of one object ("<int:pk>/revisions/<int:revision_pk>/")
_specs: dict[type, ChildSpec] = {}


def set_base(model: type, route: str) -> None:
    _bases[model] = route


def _may_change_open(user, parent) -> bool:
    root = parent.root
    return access.can_change(user, root) and not root.is_closed and not getattr(parent, "is_closed", False)


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
        if not self.spec.may_add(request.user, parent):
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
                messages.success(request, f"{self.spec.model._meta.verbose_name.capitalize()} added.")
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
        # A fresh copy, so a refused save does not leave half-changed values on the row shown.
        instance = type(row)._default_manager.get(pk=row.pk)
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
                messages.success(request, f"{self.spec.model._meta.verbose_name.capitalize()} saved.")
                return redirect(row.get_absolute_url())
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
                messages.success(request, f"{self.spec.model._meta.verbose_name.capitalize()} removed.")
        return redirect(row.get_absolute_url())


class ChildStepView(_ChildView):
    """Move a row along its own workflow (a button with its reason box)."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        row = self.row()
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a step, and keep the reason to 1000 characters.")
            return redirect(row.get_absolute_url())
        try:
            services.transition(
                obj=row,
                name=form.cleaned_data["transition"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except TransitionError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            row.refresh_from_db()
            messages.success(request, f"{row}: {row.get_status_display().lower()}.")
        return redirect(row.get_absolute_url())


class ChildDetailView(_ChildView, TemplateView):
    """The page of a child row that has one (a revision): ``<app>/<model>_detail.html`` with the
    row, its record, its workflow buttons, and the add-forms of its own child rows."""

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
            transitions=row.workflow.buttons(row, user) if row.workflow else [],
            can_change=access.can_change(user, row.root) and not row.root.is_closed,
        )
        ctx.update(page_forms(self.request, row, forms))
        ctx.update(self.extra_context_for(row, forms))
        return ctx


def _kernel_remove(*, by, reason: str, **row) -> None:
    (child,) = row.values()
    services.child_remove(child=child, by=by, reason=reason)


def child_urlpatterns(
    model: type[ChildRecord],
    *,
    prefix: str,
    name: str = "",
    form: type[djforms.Form] | None = None,
    add: Callable[..., Any] | None = None,
    edit_form: type[djforms.Form] | None = None,
    assignee_form: type[djforms.Form] | None = None,
    edit: Callable[..., Any] | None = None,
    remove: Callable[..., Any] | None = None,
    kw: str = "",
    may_add: Callable[[Any, Any], bool] | None = None,
    detail_view: type[ChildDetailView] | None = None,
    steps: bool | None = None,
) -> list:
    """The URLs of one kind of child row, under its parent's page. ``remove=True`` uses the
    kernel's removal of draft work; give a service to do more (renumber the whys)."""
    name = name or model._meta.model_name
    spec = ChildSpec(
        model=model,
        prefix=prefix,
        name=name,
        form=form,
        add=add,
        edit_form=edit_form,
        assignee_form=assignee_form,
        edit=edit,
        remove=_kernel_remove if remove is True else remove,
        kw=kw or model._meta.model_name,
        **({"may_add": may_add} if may_add else {}),
    )
    _specs[model] = spec
    parent_base = _bases[model.parent_model()]
    base = f"{parent_base}{prefix}/"
    one = f"{base}<int:{model.kwarg()}>/"
    set_base(model, one)
    made = {"spec": spec, "model": model}
    urls = []
    if add is not None:
        urls.append(path(f"{base}add/", ChildAddView.as_view(**made), name=f"{name}_add"))
    if edit is not None:
        urls.append(path(f"{one}edit/", ChildEditView.as_view(**made), name=f"{name}_edit"))
    if spec.remove is not None:
        urls.append(path(f"{one}remove/", ChildRemoveView.as_view(**made), name=f"{name}_remove"))
    if steps if steps is not None else model.workflow is not None:
        urls.append(path(f"{one}step/", ChildStepView.as_view(**made), name=f"{name}_step"))
    if detail_view is not None:
        register_page(model, detail_view, made)
        urls.append(path(one, detail_view.as_view(**made), name=f"{name}_detail"))
    return urls
