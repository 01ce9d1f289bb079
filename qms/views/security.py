"""Sign-in with a second factor, the two-factor page on the profile, the access log and the
administrator's unlock."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from .. import access, accesslog, mfa
from ..forms import BootstrapMixin, LoginForm
from ..models import AccessEvent, Role, User
from .base import QMSView

# Session keys of a sign-in waiting for its second factor.
PENDING_USER, PENDING_BACKEND, PENDING_AT, PENDING_NEXT = (
    "qms_mfa_user",
    "qms_mfa_backend",
    "qms_mfa_at",
    "qms_mfa_next",
)
PENDING_SECONDS = 300


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows when sign-in is locked: plain words, the limits, what to do."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes, "username": username[:150]},
        status=429,
    )


class LoginView(auth_views.LoginView):
    """Step one: user name and password (throttled by django-axes). A user with two-factor
    sign-in is not signed in yet: the code is asked for on the next page."""

    access = access.PUBLIC
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not mfa.enabled(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session.update(
            {
                PENDING_USER: user.pk,
                PENDING_BACKEND: user.backend,
                PENDING_AT: int(time.time()),
                PENDING_NEXT: self.get_success_url(),
            }
        )
        return redirect("login_code")


class CodeForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
    )


class LoginCodeView(View):
    """Step two: the code from the authenticator app (or a recovery code). Wrong codes count as
    failed sign-ins for django-axes, like wrong passwords. Still a sign-in step, not a write."""

    access = access.PUBLIC

    def pending_user(self, request) -> User | None:
        user_id, started = request.session.get(PENDING_USER), request.session.get(PENDING_AT, 0)
        if user_id is None or time.time() - started > PENDING_SECONDS:
            return None
        return User.objects.filter(pk=user_id, is_active=True).first()

    def get(self, request):
        if self.pending_user(request) is None:
            return self.start_over(request)
        return render(request, "registration/login_code.html", {"form": CodeForm()})

    def post(self, request):
        user = self.pending_user(request)
        if user is None:
            return self.start_over(request)
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            # Locked meanwhile (failures elsewhere): not even a right code signs in now.
            request.session.flush()
            return locked_out(request, credentials=credentials)
        form = CodeForm(request.POST)
        if form.is_valid():
            used = mfa.check_code(user, form.cleaned_data["code"])
            if used is not None:
                backend, target = request.session[PENDING_BACKEND], request.session[PENDING_NEXT]
                for key in (PENDING_USER, PENDING_BACKEND, PENDING_AT, PENDING_NEXT):
                    request.session.pop(key, None)
                auth_login(request, user, backend=backend)
                request.session[mfa.VERIFIED] = True
                if used == "recovery":
                    accesslog.record(AccessEvent.Kind.RECOVERY_USED, user=user, request=request)
                    left = mfa.unused_recovery_codes(user)
                    messages.warning(
                        request,
                        f"You signed in with a recovery code; {left} left. "
                        "Make new ones on your two-factor page if you are running out.",
                    )
                return redirect(target)
            accesslog.record(AccessEvent.Kind.MFA_FAILED, user=user, request=request)
            # Counted by django-axes like a wrong password: enough of them lock sign-in.
            user_login_failed.send(
                sender=__name__, credentials={**credentials, "qms_step": "two-factor code"}, request=request
            )
            if getattr(request, "axes_locked_out", False):
                request.session.flush()
                return locked_out(request, credentials=credentials)
            form.add_error("code", "That code is not correct. Check the time on your phone and try again.")
        return render(request, "registration/login_code.html", {"form": form}, status=400)

    @staticmethod
    def start_over(request):
        messages.info(request, "Sign in again: the sign-in waited too long for its code.")
        return redirect("login")


class PasswordConfirmForm(BootstrapMixin, forms.Form):
    password = forms.CharField(label="Your password", widget=forms.PasswordInput)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not correct.")
        return password


class TwoFactorView(View):
    """The user's own two-factor sign-in: turn it on (scan, confirm with a code, note the
    recovery codes shown once), make new recovery codes, turn it off. The user's own credentials,
    like the password: an account page, auditors included."""

    access = access.ACCOUNT
    template_name = "registration/two_factor.html"

    def context(self, request, **extra):
        user = request.user
        ctx = {
            "enabled": mfa.enabled(user),
            "required": mfa.required(user),
            "unused": mfa.unused_recovery_codes(user),
        }
        if not ctx["enabled"]:
            device = mfa.pending_device(user)
            ctx.update(qr=mfa.qr_data_uri(device), secret=mfa.secret_text(device))
            ctx.setdefault("form", CodeForm())
        else:
            ctx.setdefault("password_form", PasswordConfirmForm(user=user))
        ctx.update(extra)
        return ctx

    def get(self, request):
        return render(request, self.template_name, self.context(request))

    def post(self, request):
        user = request.user
        action = request.POST.get("action", "")
        if action == "enable" and not mfa.enabled(user):
            form = CodeForm(request.POST)
            codes = (
                mfa.confirm(mfa.pending_device(user), form.data.get("code", "")) if form.is_valid() else None
            )
            if codes is None:
                if form.is_valid():
                    form.add_error(
                        "code", "That code is not correct. Check the time on your phone and try again."
                    )
                return render(request, self.template_name, self.context(request, form=form), status=400)
            request.session[mfa.VERIFIED] = True
            accesslog.record(AccessEvent.Kind.MFA_ENABLED, user=user, request=request)
            messages.success(request, "Two-factor sign-in is on. Keep the recovery codes somewhere safe.")
            return render(request, self.template_name, self.context(request, codes=codes))
        if action in ("codes", "disable") and mfa.enabled(user):
            form = PasswordConfirmForm(request.POST, user=user)
            if action == "disable" and mfa.required(user):
                form.add_error(
                    None, f"Two-factor sign-in is required for the {user.get_role_display()} role."
                )
            if not form.is_valid():
                return render(
                    request, self.template_name, self.context(request, password_form=form), status=400
                )
            if action == "codes":
                codes = mfa.recovery_codes_new(user)
                messages.success(request, "New recovery codes made; the old ones no longer work.")
                return render(request, self.template_name, self.context(request, codes=codes))
            mfa.disable(user)
            accesslog.record(AccessEvent.Kind.MFA_DISABLED, user=user, request=request)
            messages.success(request, "Two-factor sign-in is off.")
        return redirect("two_factor")


def may_read_access_log(user: User) -> bool:
    return user.role in (Role.ADMINISTRATOR, Role.QUALITY_MANAGER, Role.AUDITOR)


class AccessLogView(QMSView):
    """Who signed in and out, failed, was locked out or unlocked, mistyped a signing password:
    newest first, for the administrator, the quality manager and auditors."""

    page_size = 50

    def get(self, request):
        if not may_read_access_log(request.user):
            raise PermissionDenied(
                "The access log is for the administrator, the quality manager and auditors."
            )
        events = AccessEvent.objects.all()
        kind = request.GET.get("kind", "")
        if kind in AccessEvent.Kind.values:
            events = events.filter(kind=kind)
        who = request.GET.get("who", "").replace("\x00", "")[:150].strip()
        if who:
            events = events.filter(username__icontains=who)
        page = Paginator(events, self.page_size).get_page(request.GET.get("page"))
        return render(
            request,
            "qms/access_log.html",
            {
                "page_obj": page,
                "paginator": page.paginator,
                "is_paginated": page.has_other_pages(),
                "querystring": urlencode({k: v for k, v in (("kind", kind), ("who", who)) if v}),
                "events": page.object_list,
                "kinds": AccessEvent.Kind.choices,
                "kind": kind,
                "who": who,
                "locked": locked_accounts(),
                "may_unlock": request.user.role == Role.ADMINISTRATOR,
            },
        )


def locked_accounts() -> list[dict]:
    """Sign-in lockouts (django-axes) and e-signature locks in force now."""
    from axes.models import AccessAttempt

    now = timezone.now()
    found: dict[str, dict] = {}
    since = now - settings.AXES_COOLOFF_TIME
    for attempt in AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")[:100]:
        key = attempt.username or attempt.ip_address or "?"
        found.setdefault(
            key,
            {
                "username": attempt.username,
                "ip_address": attempt.ip_address,
                "what": "Sign-in",
                "until": attempt.attempt_time + settings.AXES_COOLOFF_TIME,
            },
        )
    from ..services.signatures import signing_locks_in_force

    for user, until in signing_locks_in_force():
        found.setdefault(
            f"sign:{user.username}",
            {"username": user.username, "ip_address": None, "what": "E-signatures", "until": until},
        )
    users = User.objects.in_bulk(
        [f["username"] for f in found.values() if f["username"]], field_name="username"
    )
    for entry in found.values():
        entry["user"] = users.get(entry["username"])
    return list(found.values())


class UnlockView(QMSView):
    """The administrator lifts a sign-in or signing lockout (POST ``user`` = the user's id)."""

    http_method_names = ["post"]

    def post(self, request):
        if request.user.role != Role.ADMINISTRATOR:
            raise PermissionDenied("Only the administrator unlocks accounts.")
        try:
            user_id = int(request.POST.get("user", ""))
        except ValueError:
            user_id = 0
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            # A form posted without a person (or one deleted since): said on the log, not a 404.
            messages.error(request, "Choose the account to unlock.")
            return redirect("access_log")
        accesslog.unlock(user=user, by=request.user, request=request)
        messages.success(request, f"{user} is unlocked: sign-in and e-signatures work again.")
        return redirect("access_log")
