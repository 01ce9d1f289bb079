"""The one place access is decided.

Every view declares a policy (``public``, ``account`` or ``login``); ``AccessMiddleware`` enforces
it before the view runs, so a view added later cannot forget to require a login or let an
auditor write. Record-level rules (who may see and who may change a record) live in
``can_view`` / ``can_change`` / ``restrict`` below; views never re-implement them.

The matrix (also in the README):

=================  ==========================================  ===================================
role               may view                                    may change
=================  ==========================================  ===================================
administrator      everything                                  everything, plus users and settings
quality manager    everything                                  every record
department head    own department's records, own records       own department's records, own ones
staff              own department's records, own records,       records they own
                   company-wide records (documents)
auditor            everything, history and attachments too     nothing, ever
=================  ==========================================  ===================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseForbidden
from django.shortcuts import redirect
from django.template import loader

from .models import Role

if TYPE_CHECKING:
    from .models import Record, User

PUBLIC = "public"  # no login: login, password reset, health check
ACCOUNT = "account"  # login; the user's own session and password — the only writes an auditor may make
LOGIN = "login"  # login; any write by an auditor is refused
WRITE = "write"  # login; a page that exists only to change data (forms): auditors refused outright
ADMIN = "admin"  # Django admin: administrators only

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def policy(name: str) -> Callable:
    """Decorator for function views: ``@policy(PUBLIC)``."""

    def decorate(view):
        view.access = name
        return view

    return decorate


def public(view):
    return policy(PUBLIC)(view)


def account(view):
    return policy(ACCOUNT)(view)


def login_required(view):
    return policy(LOGIN)(view)


def write(view):
    return policy(WRITE)(view)


def policy_of(view_func) -> str | None:
    """The access policy a view declared, or None when it declared none."""
    found = getattr(view_func, "access", None)
    if found is None and hasattr(view_func, "view_class"):
        found = getattr(view_func.view_class, "access", None)
    if found is None and getattr(view_func, "admin_site", None) is not None:
        found = ADMIN
    module = getattr(view_func, "__module__", "") or ""
    if found is None and module.startswith("django.contrib.admin"):
        found = ADMIN
    return found


def forbidden(request: HttpRequest, message: str) -> HttpResponseForbidden:
    """The site's own 403 page with a sentence saying why, not a bare line of text."""
    try:
        body = loader.render_to_string("403.html", {"exception": message}, request=request)
    except Exception:  # noqa: BLE001 - a broken template must not turn a refusal into a 500
        body = message
    return HttpResponseForbidden(body)


class AccessMiddleware:
    """Enforces each view's declared policy. Undeclared views are refused (deny by default)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        declared = policy_of(view_func)
        if request.resolver_match and request.resolver_match.app_name == "admin":
            declared = ADMIN
        user = request.user
        if (
            user.is_authenticated
            and user.is_auditor
            and request.method not in SAFE_METHODS
            and declared != ACCOUNT
        ):
            # Checked before anything else, public pages included: an auditor never writes.
            return forbidden(request, "Auditors have read-only access.")
        if declared == PUBLIC:
            return None
        if declared is None:
            return forbidden(request, "This page has not declared who may use it.")
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.access_expired:
            logout(request)
            messages.error(request, "Your access has expired. Ask the quality manager to extend it.")
            return redirect("login")
        if declared == ACCOUNT:
            return None
        if declared == ADMIN and user.role != Role.ADMINISTRATOR:
            return forbidden(request, "Administrators only.")
        if user.is_auditor and (declared == WRITE or request.method not in SAFE_METHODS):
            return forbidden(request, "Auditors have read-only access.")
        return None


# --- record-level rules -------------------------------------------------------------------


def sees_everything(user: User) -> bool:
    return user.role in (Role.ADMINISTRATOR, Role.QUALITY_MANAGER, Role.AUDITOR)


def scope_q(user: User, model) -> Q:
    """Q of the records of ``model`` that ``user`` may see (when not seeing everything)."""
    if getattr(model, "visibility", "department") == "company":
        return Q()
    q = Q(owner=user)
    if user.department_id:
        q |= Q(department_id=user.department_id)
    extra = getattr(model, "extra_scope_q", None)
    if extra is not None:
        q |= extra(user)
    return q


def restrict(queryset: QuerySet, user: User) -> QuerySet:
    """Narrow a record queryset to what the user may see; every list and lookup goes through it."""
    if not user.is_authenticated:
        return queryset.none()
    if sees_everything(user):
        return queryset
    q = scope_q(user, queryset.model)
    if not q:
        return queryset
    return queryset.filter(pk__in=queryset.model.objects.filter(q).values("pk"))


def can_view(user: User, record: Record) -> bool:
    return restrict(type(record).objects.filter(pk=record.pk), user).exists()


def relations(user: User, record: Record) -> set[str]:
    """How ``user`` stands to ``record``: owner, head (of its department), quality, admin."""
    if not user.is_authenticated or user.is_auditor:
        return set()
    found = set()
    if user.role == Role.ADMINISTRATOR:
        found |= {"admin", "quality"}
    if user.role == Role.QUALITY_MANAGER:
        found.add("quality")
    if record.owner_id == user.pk:
        found.add("owner")
    if user.role == Role.DEPARTMENT_HEAD and user.department_id == record.department_id:
        found.add("head")
    extra = getattr(record, "extra_relations", None)
    if extra is not None:
        found |= extra(user)
    return found


CHANGE_RELATIONS = frozenset({"owner", "head", "quality"})


def can_change(user: User, record: Record) -> bool:
    return bool(relations(user, record) & CHANGE_RELATIONS)


def can_create(user: User) -> bool:
    return user.is_authenticated and not user.is_auditor


def require_change(user: User, record: Record) -> None:
    if not can_change(user, record):
        raise PermissionDenied("You may not change this record.")
