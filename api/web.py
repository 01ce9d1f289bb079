"""The browser pages of the API: a user's tokens (create, list, revoke; linked from the profile)
and the API's documentation (Swagger UI from local files, its script a file of its own so the
page works under the site's Content Security Policy)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from drf_spectacular.views import SpectacularSwaggerSplitView

from qms import access
from qms.forms import BootstrapMixin
from qms.views.base import QMSView

from .models import ApiToken
from .tokens import DEFAULT_DAYS, MAX_DAYS, may_hold_tokens, token_create, token_revoke

DAYS = [(30, "30 days"), (90, "90 days"), (180, "180 days"), (MAX_DAYS, "1 year")]


class TokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it: “ERP”, “my scripts”.")
    days = forms.TypedChoiceField(label="Valid for", choices=DAYS, coerce=int, initial=DEFAULT_DAYS)


class TokensView(QMSView):
    """Your API tokens. A new token is shown on the page that answers its creation, once."""

    template_name = "api/tokens.html"

    def page(self, request, form, token: str = "", status: int = 200):
        tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk")
        context = {
            "form": form,
            "tokens": tokens,
            "new_token": token,
            "may_hold": may_hold_tokens(request.user),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.page(request, TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.page(request, form, status=400)
        try:
            _, token = token_create(user=request.user, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self.page(request, form, status=400)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.page(request, form, status=403)
        return self.page(request, TokenForm(), token=token)


class TokenRevokeView(QMSView):
    http_method_names = ["post"]

    def post(self, request):
        raw = request.POST.get("token", "")
        # The token's id in the form, not the URL. Another's token reads as no token at all.
        pk = int(raw) if raw.isdigit() and len(raw) < 12 else 0
        token = ApiToken.objects.filter(pk=pk, user=request.user).first()
        if token is None:
            messages.error(request, "No such token of yours.")
        else:
            token_revoke(token=token, by=request.user)
            messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
        return redirect("api_tokens")


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI for the signed-in user (their session calls the API, with CSRF)."""

    access = access.LOGIN
    template_name = "api/docs.html"
    url_name = "api:schema"
