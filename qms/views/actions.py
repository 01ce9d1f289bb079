"""Workflow steps and other writes that need more than a button: a form on an object's page
(release with a signature, record a disposition, plan the effectiveness check), or a form that is a
page of its own (send a revision for review, sign it). A module declares the form, the service
and who may; the kernel shows the form, posts it, and shows a refusal beside its field (400,
nothing changed): on the object's page, or on the form's own page.

    urlpatterns += form_urlpatterns(Widget, name="release", form=ReleaseForm,
                                    service=services.widget_release, may=may_release)
    urlpatterns += form_urlpatterns(Widget, name="rename", form=RenameForm,
                                    service=services.widget_rename, page=True)

The service is called as ``service(<kw>=obj, by=user, **cleaned_data)``; ``kw`` is the model name
unless declared. ``may(user, obj)`` returns False for a 403, or raises ``PermissionDenied`` /
``Http404`` itself to say more (shown on the 403 page; the form is then simply not offered; a row
that is someone else's is not there at all). ``success`` is the message after it worked, or a
function of the object and the form's data that says it.
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
from django.utils.http import url_has_allowed_host_and_scheme

from .. import access
from ..models import ChildRecord
from ..workflow import TransitionError
from .base import QMSView, WriteView, add_errors, child_or_404, has_page, render_page


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
    success: str | Callable[[Any, dict], str] = "Saved."
    page: bool = False  # the form is a page of its own, not a form on the object's page

    @property
    def form_key(self) -> str:
        return f"{self.name}_form"

    def offered(self, user, obj) -> bool:
        """Is the form offered to ``user`` on ``obj``'s page (a refusal with a reason is a no)?"""
        if user.is_auditor:
            return False
        try:
            return bool(self.may(user, obj))
        except PermissionDenied:
            return False

    def message(self, obj, data: dict) -> str:
        return self.success(obj, data) if callable(self.success) else self.success


_actions: list[FormAction] = []


def actions_for(model: type) -> list[FormAction]:
    return [a for a in _actions if a.model is model]


class FormActionView(QMSView):
    """POST the form. Done: a message, then the object's page (or a local ``next`` the form
    carried). Refused: the object's page again with the form's errors beside its fields (400), or,
    for an object without a page of its own, the errors as a message on the way back."""

    http_method_names = ["post"]
    action: FormAction = None
    model: type | None = None  # for the route walker

    def get_object(self):
        model = self.action.model
        if issubclass(model, ChildRecord):
            return child_or_404(model, self.request.user, self.kwargs)
        return get_object_or_404(
            access.restrict(model.objects.all(), self.request.user), pk=self.kwargs["pk"]
        )

    def check(self, obj) -> None:
        if self.request.user.is_auditor or not self.action.may(self.request.user, obj):
            raise PermissionDenied("You may not do this here.")

    def initial(self, obj) -> dict:
        """What the empty form starts with (the next revision label, the current values)."""
        return {}

    def make_form(self, obj, data=None, files=None):
        return self.action.form(data, files, parent=obj, user=self.request.user, initial=self.initial(obj))

    def post(self, request, **kwargs):
        obj = self.get_object()
        self.check(obj)
        form = self.make_form(obj, request.POST, request.FILES)
        if form.is_valid():
            try:
                result = self.action.service(**{self.action.kw: obj}, by=request.user, **form.cleaned_data)
            except (ValidationError, TransitionError) as exc:
                add_errors(form, exc)
            else:
                return self.done(obj, result, form)
        return self.invalid(obj, form)

    def done(self, obj, result, form):
        """After the service did its work: say so and go on."""
        self.cleaned_data = form.cleaned_data
        messages.success(self.request, self.success_message(obj, result))
        return redirect(self.next_url(obj, result))

    def success_message(self, obj, result) -> str:
        """What the user is told when it is done (a module may say more: "Revision B opened.")."""
        return self.action.message(obj, self.cleaned_data)

    def next_url(self, obj, result) -> str:
        """A ``next`` the form carried, when it is a path of this site ("/capa/12/"); else the
        object's page. Anything else (a word, which ``redirect`` would take for a URL name, a
        control character, another host) goes to the object's page."""
        wanted = self.request.POST.get("next", "")
        if (
            wanted.startswith("/")
            and wanted.isprintable()
            and url_has_allowed_host_and_scheme(
                wanted, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
            )
        ):
            return wanted
        return obj.get_absolute_url()

    def invalid(self, obj, form):
        # Errors go beside their fields on the page the form is on (a row without a page of its own
        # is shown on its parent's); a form with no field to show them beside (a confirm button)
        # says them as a message on the way back.
        said = " ".join(str(e) for errors in form.errors.values() for e in errors)
        if has_page(type(obj)):
            return render_page(self.request, obj, forms={self.action.form_key: form})
        if any(not field.is_hidden for field in form):
            # Said as a message too: the parent's page may not show this row's form.
            messages.error(self.request, said)
            return render_page(self.request, obj, forms={self.action.form_key: form})
        messages.error(self.request, said)
        return redirect(self.next_url(obj, None))


class FormPageView(FormActionView, WriteView):
    """The same, as a page of its own that works on a phone: GET shows the form, a refused POST
    shows it again with the errors beside the fields (400). A module subclasses it for the title,
    the text above the form and where it goes when done."""

    http_method_names = ["get", "post"]
    template_name = "qms/form_page.html"
    submit_label = "Save"

    def title(self, obj) -> str:
        return f"{self.action.name.replace('_', ' ').capitalize()}: {obj}"

    def extra_context(self, obj) -> dict:
        return {}

    def render_form(self, obj, form, status: int = 200):
        if status >= 400:
            messages.error(self.request, "Nothing was saved: see the message below.")
        context = {
            "form": form,
            "object": obj,
            "root": obj.root,
            "title": self.title(obj),
            "submit_label": self.submit_label,
            "cancel_url": obj.get_absolute_url(),
            **self.extra_context(obj),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, **kwargs):
        obj = self.get_object()
        self.check(obj)
        return self.render_form(obj, self.make_form(obj))

    def invalid(self, obj, form):
        return self.render_form(obj, form, status=400)


def form_urlpatterns(
    model: type,
    *,
    name: str,
    form: type[djforms.Form],
    service: Callable[..., Any],
    may: Callable[[Any, Any], bool] | None = None,
    kw: str = "",
    success: str | Callable[[Any, dict], str] = "Saved.",
    page: bool = False,
    view: type[FormActionView] | None = None,
) -> list:
    """The URL of one form about ``model`` objects: ``<object's URL><name>/``. ``page=True`` makes
    it a page of its own instead of a form on the object's page; ``view`` a subclass of
    ``FormActionView`` or ``FormPageView`` that says more (the title, the message, where next)."""
    from .children import _bases

    # A refused form shows the page it was on again (the object's, or its parent's): declare it first.
    shown_on = model
    while not has_page(shown_on) and issubclass(shown_on, ChildRecord):
        shown_on = shown_on.parent_model()
    assert has_page(shown_on), f"declare the page of {model.__name__} (or of its parent) first"
    view = view or (FormPageView if page else FormActionView)
    action = FormAction(
        model,
        name,
        form,
        service,
        kw or model._meta.model_name,
        may or may_change,
        success,
        page=issubclass(view, FormPageView),
    )
    _actions.append(action)
    url_name = f"{model._meta.model_name}_{name}"
    route = f"{_bases[model]}{name.replace('_', '-')}/"
    return [path(route, view.as_view(action=action, model=model), name=url_name)]
