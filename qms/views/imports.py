"""Import a register from a spreadsheet: upload, preview with every row's errors beside it,
confirm. The preview carries the parsed rows signed, so the confirmation imports exactly what
was shown, on whichever web node it lands."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from .. import access, imports
from ..forms import BootstrapMixin
from .base import WriteView


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label="Spreadsheet (.csv or .xlsx)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.ATTACHMENT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB."
            )
        return upload


class ImportView(WriteView):
    template_name = "qms/import.html"

    def importer(self) -> imports.Importer:
        found = imports.importers().get(self.kwargs["key"])
        if found is None:
            raise Http404("No such import.")
        access.require_create(self.request.user, found.model)
        return found

    def page(self, importer, form, preview=None, payload="", status=200):
        return render(
            self.request,
            self.template_name,
            {"importer": importer, "form": form, "preview": preview, "payload": payload},
            status=status,
        )

    def salt(self) -> str:
        # A preview confirms only the import it was made for, by the user it was shown to.
        return f"qms.import:{self.kwargs['key']}:{self.request.user.pk}"

    def get(self, request, key):
        return self.page(self.importer(), UploadForm())

    def post(self, request, key):
        importer = self.importer()
        if "payload" in request.POST:
            try:
                headers, rows = signing.loads(request.POST["payload"], salt=self.salt(), max_age=3600)
            except signing.BadSignature:
                messages.error(request, "The preview has expired; upload the file again.")
                return redirect(request.path)
            preview = imports.run(importer, headers, rows, by=request.user, commit=True)
            if not preview.ok:
                messages.error(request, "Nothing was imported: see the rows below.")
                return self.page(importer, UploadForm(), preview, status=400)
            messages.success(
                request,
                f"Imported: {preview.count('create')} new, {preview.count('update')} changed, "
                f"{preview.count('unchanged')} unchanged.",
            )
            return redirect(importer.done_url or request.path)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(importer, form, status=400)
        upload = form.cleaned_data["file"]
        try:
            headers, rows = imports.parse(upload.name, upload.read())
        except ValidationError as exc:
            form.add_error("file", exc)
            return self.page(importer, form, status=400)
        preview = imports.run(importer, headers, rows, by=request.user, commit=False)
        payload = signing.dumps([headers, rows], salt=self.salt(), compress=True) if preview.ok else ""
        return self.page(importer, form, preview, payload, status=200 if preview.ok else 400)
