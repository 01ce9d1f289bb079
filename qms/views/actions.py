"""Workflow steps and other writes that need more than a button: a form on an object's page
(release with a signature, record a disposition, plan the effectiveness check). A module declares
the form, the service and who may; the kernel shows the form on the page of every object the
user may use it on, posts it, and shows a refusal beside its field on that page (400, nothing
changed).

    urlpatterns += form_urlpatterns(Widget, name="release", form=ReleaseForm,
                                    service=services.widget_release, may=may_release)

The service is called as ``service(<kw>=obj, by=user, **cleaned_data)``; ``kw`` is the model name
unless declared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path

from .. import access
from ..models import ChildRecord
from ..workflow import TransitionError
from .base import QMSView, add_errors, child_or_404, has_page, render_page


def may_change(user, obj) -> bool:
    root = obj.root
    return access.can_change(user, root) and not root.is_closed


@dataclass
class FormAction:
    model: type
    name: str  # URL name "<model>_<name>" and the page's form "<name>_form"
    form: type[djforms.Form]
    service: Callable[..., Any]
    kw: str
    may: Callable[[Any, Any], bool] = may_change
    success: str = "Saved."

    @property
    def form_key(self) -> str:
        return f"{self.name}_form"


_actions: list[FormAction] = []


def actions_for(model: type) -> list[FormAction]:
    return [a for a in _actions if a.model is model]


class FormActionView(QMSView):
    http_method_names = ["post"]
    action: FormAction = None
    model: type | None = None  # for the route walker

    def post(self, request, **kwargs):
        action = self.action
        if issubclass(action.model, ChildRecord):
            obj = child_or_404(action.model, request.user, kwargs)
        else:
            obj = get_object_or_404(
                access.restrict(action.model.objects.all(), request.user), pk=kwargs["pk"]
            )
        if request.user.is_auditor or not action.may(request.user, obj):
            raise PermissionDenied("You may not do this here.")
        form = action.form(request.POST, request.FILES, parent=obj, user=request.user)
        if form.is_valid():
            try:
                action.service(**{action.kw: obj}, by=request.user, **form.cleaned_data)
            except (ValidationError, TransitionError) as exc:
                add_errors(form, exc)
            else:
                messages.success(request, action.success)
                return redirect(obj.get_absolute_url())
        return render_page(request, obj, forms={action.form_key: form})


def form_urlpatterns(
    model: type,
    *,
    name: str,
    form: type[djforms.Form],
    service: Callable[..., Any],
    may: Callable[[Any, Any], bool] | None = None,
    kw: str = "",
    success: str = "Saved.",
) -> list:
    from .children import _bases

    # A refused form shows the object's page again: its page must be declared first.
    assert has_page(model), f"declare the page of {model.__name__} first"
    action = FormAction(model, name, form, service, kw or model._meta.model_name, may or may_change, success)
    _actions.append(action)
    url_name = f"{model._meta.model_name}_{name}"
    route = f"{_bases[model]}{name.replace('_', '-')}/"
    return [path(route, FormActionView.as_view(action=action, model=model), name=url_name)]
