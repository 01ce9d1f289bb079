"""The process catalogue (CNC turning, heat treatment, final inspection …): everyone reads it,
the quality manager keeps it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import ListView

from .. import history
from ..forms import ProcessForm
from ..models import Process
from .base import QMSView, WriteView


class ProcessListView(QMSView, ListView):
    model = Process
    template_name = "qms/process_list.html"
    paginate_by = 100

    def get_queryset(self):
        return Process.objects.select_related("department").order_by("-active", "name")


class ProcessFormView(WriteView):
    model = Process

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_quality_manager:
            raise PermissionDenied("The quality manager keeps the process catalogue.")
        return super().dispatch(request, *args, **kwargs)

    def instance(self) -> Process:
        pk = self.kwargs.get("pk")
        return get_object_or_404(Process, pk=pk) if pk else Process()

    def page(self, form, status=200):
        title = f"Edit {form.instance}" if form.instance.pk else "New process"
        return render(
            self.request,
            "qms/record_form.html",
            {"form": form, "title": title, "cancel_url": reverse("process_list")},
            status=status,
        )

    def get(self, request, pk=None):
        return self.page(ProcessForm(instance=self.instance()))

    def post(self, request, pk=None):
        form = ProcessForm(request.POST, instance=self.instance())
        if not form.is_valid():
            return self.page(form, status=400)
        history.attribute(form.instance, by=request.user, reason="Process catalogue edited")
        form.save()
        messages.success(request, f"{form.instance} saved.")
        return redirect("process_list")
