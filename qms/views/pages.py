"""The kernel's own pages: the one search box, the profile and the health check
(My work and the Overview are in ``due.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.db.models import Case, Q, Value, When
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe
from django.views.generic import UpdateView

from .. import access, history
from ..forms import ProfileForm
from ..models import Role
from ..models.loading import select_named
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


class PickerSearchView(QMSView):
    """The search of every record picker a module declares (``qms.widgets.PickerSource``): the
    records of the model named in the URL that the user may see, whose fields hold every word
    typed (as a register's search box), 20 at most; a model without a picker is a 404."""

    def get(self, request, picker):
        from .. import search as text_search
        from ..widgets import picker as declared

        found = declared(picker)
        if found is None:
            raise Http404("No picker searches this list.")
        model, source = found
        text = request.GET.get("q", "").replace("\x00", "").strip()[:50]
        rows = []
        words = [w for w in text.split() if w.lower() not in source.noise]
        if words:
            q = Q()
            for word in words:
                q &= text_search.contains(model, word, source.fields)
            scope = model.objects.all()
            if source.left_out:
                scope = scope.exclude(status__in=source.left_out)
            known = {value for value, _ in getattr(getattr(model, "workflow", None), "statuses", ())}
            if wanted := [s for s in request.GET.getlist("status") if s in known]:
                scope = scope.filter(status__in=wanted)  # the statuses the form's field accepts
            scope = access.restrict(scope, request.user).filter(q)
            rows = select_named(scope, source.related).order_by(*source.ordering)[:20]
        return JsonResponse({"results": [{"id": row.pk, "label": source.label(row)} for row in rows]})


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
            # A name that starts with what was typed first: "Anna" finds Anna Hoffmann before Hannah.
            first = text.split()[0]
            starts = (
                Q(first_name__istartswith=first)
                | Q(last_name__istartswith=first)
                | Q(username__istartswith=first)
            )
            found = (
                people()
                .filter(q)
                .select_related("department")
                .annotate(rank=Case(When(starts, then=Value(0)), default=Value(1)))
                .order_by("rank", "last_name", "first_name")[:20]
            )
        return JsonResponse({"results": [{"id": u.pk, "label": person_label(u)} for u in found]})
