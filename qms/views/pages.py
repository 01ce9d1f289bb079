"""The kernel's own pages: the one search box, the profile and the health check
(My work and the Overview are in ``due.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe
from django.views.generic import UpdateView

from .. import access, history
from ..forms import ProfileForm
from ..models import Role
from ..selectors import search
from .base import QMSView


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
@require_safe
def health(request):
    """Liveness and database check for load balancers (GET or HEAD); no login, no data."""
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


class RecordSearchView(QMSView):
    """A record picker's search (JSON, ``qms.widgets.PickerSource``): the records of ``model`` the
    user may see whose ``fields`` hold every word typed, 20 at most, in ``ordering``, less those in
    a status in ``left_out`` (a rejected goods receipt is used nowhere). A module routes one per
    long list (NCRs, documents, revisions, instruments, receipts and lots: tens of thousands in a
    ten-year archive): ``RecordSearchView.as_view(model=GoodsReceipt, fields=(...))``."""

    model = None
    fields: tuple[str, ...] = ("reference", "title")
    ordering: tuple[str, ...] = ("-pk",)
    left_out: tuple[str, ...] = ()
    related: tuple[str, ...] = ()  # what a row's label reads (a revision's document)

    def get(self, request):
        from .. import search as text_search

        text = request.GET.get("q", "").replace("\x00", "").strip()[:50]
        found = []
        if text:
            q = Q()
            for word in text.split():  # each word in any of the fields, as a register's search box
                q &= text_search.contains(self.model, word, self.fields)
            scope = access.restrict(self.model.objects.exclude(status__in=self.left_out), request.user)
            found = scope.filter(q).select_related(*self.related).order_by(*self.ordering)[:20]
        return JsonResponse({"results": [{"id": r.pk, "label": str(r)} for r in found]})


class PeopleSearchView(QMSView):
    """The person picker's search: people whose name, login, job title, role or department
    matches, 20 at most, each labelled with role and department."""

    def get(self, request):
        from ..forms import people
        from ..widgets import person_label

        text = request.GET.get("q", "").replace("\x00", "").strip()[:50]
        found = []
        if text:
            roles = [value for value, label in Role.choices if text.lower() in label.lower()]
            q = Q()
            for word in text.split():
                q &= (
                    Q(first_name__icontains=word)
                    | Q(last_name__icontains=word)
                    | Q(username__icontains=word)
                    | Q(job_title__icontains=word)
                    | Q(department__name__icontains=word)
                )
            if roles:
                q |= Q(role__in=roles)
            found = people().filter(q).select_related("department").order_by("last_name", "first_name")[:20]
        return JsonResponse({"results": [{"id": u.pk, "label": person_label(u)} for u in found]})
