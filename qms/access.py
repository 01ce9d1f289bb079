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
top management     everything                                  records they own
department head    own department's records, own records,      own department's records, own ones
                   their people's open work elsewhere (open
                   records they own, or have an open row in)
staff              own department's records, own records,       records they own, and the rows
                   company-wide records (documents), records    assigned to them (their progress)
                   with a row assigned to them (an action)
auditor            everything, history and attachments too     nothing, ever (asking for an audit
                                                               pack is bookkeeping of a read: the
                                                               one POST allowed, AUDITOR_MAY_POST)
=================  ==========================================  ===================================

Per model, two declarations widen or narrow this (``Record.create_roles`` and the ``STEWARDS``
setting): a *steward* department looks after one kind of record for every department (metrology
the gauges, HR the training records, purchasing the suppliers): its members see them all, its
head changes them all. A user without a department sees only what they own, never the company.
A *personal* record (``Record.personal``: a training file) is read by its person, their head and
the steward, never by the person's colleagues.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseForbidden
from django.shortcuts import redirect
from django.template import loader

from .assigned import assigned_ids
from .models import ChildRecord, IdArray, Role
from .scoped import read_only as _read_only

if TYPE_CHECKING:
    from django.db.models import Model

    from .models import Record, User

PUBLIC = "public"  # no login: login, password reset, health check
ACCOUNT = "account"  # login; the user's own session and password — the only writes an auditor may make
LOGIN = "login"  # login; any write by an auditor is refused
WRITE = "write"  # login; a page that exists only to change data (forms): auditors refused outright
ADMIN = "admin"  # Django admin: administrators only
# The REST API (api/): it authenticates in the view (a bearer token, or the session with CSRF),
# after this middleware ran, and then asks ``api_refusal`` below: the same rules, answered in JSON.
API = "api"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The one narrow exception to "an auditor never writes", by URL name: asking for an audit pack.
# A pack request is bookkeeping of a read, like a sign-in, not a quality record: it changes no
# record, and the pack shows the auditor nothing their screens do not (every section reads through
# ``restrict``). Every other write by an auditor is refused here, and the route walk proves it.
# Creating and revoking one's own API token is the same kind of bookkeeping (api/web.py): the
# token reads only what the auditor reads, and the API refuses every write it is used for.
AUDITOR_MAY_POST = frozenset({"audit_pack", "api_tokens", "api_token_revoke"})


def _auditor_bookkeeping(request: HttpRequest) -> bool:
    """An auditor's POST that only records a read (``AUDITOR_MAY_POST``)."""
    match = request.resolver_match
    return request.method == "POST" and match is not None and match.view_name in AUDITOR_MAY_POST


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
        if request.method in SAFE_METHODS:
            with read_only_request():
                return self.get_response(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        declared = policy_of(view_func)
        if request.resolver_match and request.resolver_match.app_name == "admin":
            declared = ADMIN
        if declared == API:
            return None  # api.permissions applies api_refusal once the API has authenticated
        user = request.user
        if (
            user.is_authenticated
            and user.is_auditor
            and request.method not in SAFE_METHODS
            and declared != ACCOUNT
            and not (declared == LOGIN and _auditor_bookkeeping(request))
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
            messages.error(request, "Your access has expired. Ask the company’s administrator to extend it.")
            return redirect("login")
        if declared == ACCOUNT:
            return None
        refused = _second_factor_missing(request)
        if refused is not None:
            return refused
        if declared == ADMIN and user.role != Role.ADMINISTRATOR:
            return forbidden(request, "Administrators only.")
        if user.is_auditor and (
            declared == WRITE or (request.method not in SAFE_METHODS and not _auditor_bookkeeping(request))
        ):
            return forbidden(request, "Auditors have read-only access.")
        return None


def api_refusal(user: User, method: str) -> str | None:
    """Why an authenticated API caller may not make this request at all, or None. The API's
    answer to this middleware: an expired account acts no more, an auditor never writes (not even
    the audit-pack bookkeeping, which the API does not offer)."""
    if user.access_expired:
        return "Your access has expired. Ask the company’s administrator to extend it."
    if user.is_auditor and method not in SAFE_METHODS:
        return "Auditors have read-only access."
    return None


def _second_factor_missing(request: HttpRequest):
    """Roles that must use two-factor sign-in (``REQUIRE_MFA_FOR_ROLES``) reach nothing but
    their account pages until this session passed a second factor: without one set up they are
    sent to set it up, with one they sign in again with their code."""
    from . import mfa

    user = request.user
    if not mfa.required(user) or request.session.get(mfa.VERIFIED):
        return None
    if mfa.enabled(user):
        logout(request)
        messages.info(request, "Sign in again with the code from your authenticator app.")
        return redirect_to_login(request.get_full_path())
    messages.warning(
        request, f"The {user.get_role_display()} role requires two-factor sign-in: turn it on to continue."
    )
    return redirect("two_factor")


# --- record-level rules -------------------------------------------------------------------

VIEW, CHANGE = "view", "change"
# Relations that let a user change a record (a model may declare its own ``change_relations``).
CHANGE_RELATIONS = frozenset({"owner", "head", "quality", "steward"})


def sees_everything(user: User) -> bool:
    return user.role in (Role.ADMINISTRATOR, Role.QUALITY_MANAGER, Role.AUDITOR, Role.TOP_MANAGEMENT)


def record_model(model: type[Model]) -> type[Record]:
    """The record model whose scope decides for ``model`` (a child row's record)."""
    return model.root_model() if issubclass(model, ChildRecord) else model


def _department_code(user: User) -> str:
    """The user's department code, looked up once per request (the user object lives that long)."""
    if not user.department_id:
        return ""
    if getattr(user, "_department_code", None) is None:
        user._department_code = user.department.code
    return user._department_code


def steward_codes(model: type[Model]) -> tuple[str, ...]:
    """Codes of the departments that look after ``model``'s records in every department, from the
    ``STEWARDS`` setting (``{"calibration.instrument": ["CAL"]}``)."""
    codes = getattr(settings, "STEWARDS", {}).get(record_model(model)._meta.label_lower, ())
    return (codes,) if isinstance(codes, str) else tuple(codes)


def is_steward(user: User, model: type[Model]) -> bool:
    """A member of a department that looks after this kind of record everywhere."""
    code = _department_code(user)
    return bool(code) and code in steward_codes(model)


def reads_every(user: User, model: type[Model]) -> bool:
    """Does ``user`` read every record of ``model`` (a record model)? Decided without a query."""
    return sees_everything(user) or model.visibility == "company" or is_steward(user, model)


def scope_q(user: User, model: type[Model], action: str = VIEW) -> Q | None:
    """Q of the records of ``model`` (a record model) that ``user`` may see or change; None means
    every record. An auditor changes nothing; a user without a department only what they own."""
    if action == VIEW:
        if reads_every(user, model):
            return None
        q = Q(owner=user)
        # A personal record (a training file) is not read by the person's colleagues.
        if user.department_id and not (model.personal and not user.is_department_head):
            q |= Q(department_id=user.department_id)
        # Whoever a row is assigned to (an action, a part) sees the record it belongs to; a head
        # also sees their people's open work, wherever its department: it is on the head's My
        # work, Overview and digest, and escalates to the head.
        assigned = _read_only.get(("assigned", model, user.pk), lambda: IdArray.of(assigned_ids(user, model)))
        if assigned:
            q |= Q(pk__any=assigned)  # one array parameter, however many (qms.models.lookups)
        extra = getattr(model, "extra_scope_q", None)
        return q | extra(user) if extra is not None else q
    if user.is_auditor:
        return Q(pk__in=[])
    if user.is_quality_manager or (user.is_department_head and is_steward(user, model)):
        return None
    q = Q(owner=user)
    if user.is_department_head and user.department_id:
        q |= Q(department_id=user.department_id)
    return q


def restrict(queryset: QuerySet, user: User, action: str = VIEW) -> QuerySet:
    """Narrow a queryset of records, or of child rows through their record, to what the user may
    see (or change); every list, lookup, PDF and export goes through it."""
    if not user.is_authenticated:
        return queryset.none()
    model = queryset.model
    root = record_model(model)
    q = scope_q(user, root, action)
    if q is None:
        return queryset
    if root is model:
        return queryset.filter(q)
    return queryset.filter(**{f"{model.root_path()}__in": root.objects.filter(q).values("pk")})


def can_view(user: User, obj: Model) -> bool:
    """May the user see this record (for a child row: the record it belongs to)? Worked out once
    per user and record while a request that changes nothing is answered (``read_only_request``):
    a page asks it of its record for each form it may offer."""
    record = obj.root
    if record.pk is None:
        return False
    return _read_only.get(
        ("view", type(record), record.pk, user.pk),
        lambda: restrict(type(record).objects.filter(pk=record.pk), user).exists(),
    )


# While a request that changes nothing is answered (GET, HEAD: ``AccessMiddleware`` enters
# ``read_only_request``), how each user stands to each record or row is worked out once: a
# record's page asks a dozen times (its buttons, each form and child row it offers), and a
# relation such as a pending check's verifier is a query each time. Requests that write work it
# out afresh on every call.
read_only_request = _read_only.scope


def relations(user: User, obj: Model) -> set[str]:
    """How ``user`` stands to a record or a child row: owner, head (of its department), steward,
    quality, admin; and for a child row also assignee (the person it is assigned to). Auditors
    stand in no relation: they never perform anything."""
    if not user.is_authenticated or user.is_auditor:
        return set()
    if obj.pk is None:
        return _relations(user, obj)
    return set(_read_only.get((type(obj), obj.pk, user.pk), lambda: frozenset(_relations(user, obj))))


def _relations(user: User, obj: Model) -> set[str]:
    record = obj.root
    if obj is record or record.pk is None:
        found = _record_relations(user, record)
    else:  # a child row stands as its record does (worked out once per GET), and as its own say
        found = set(relations(user, record))
    if obj is not record:
        extra = getattr(obj, "extra_relations", None)
        if extra is not None:
            found |= extra(user)
        if obj.assignee_id is not None and obj.assignee_id == user.pk:
            found.add("assignee")
    return found


def _record_relations(user: User, record: Model) -> set[str]:
    found = set()
    if user.role == Role.ADMINISTRATOR:
        found |= {"admin", "quality"}
    if user.role == Role.QUALITY_MANAGER:
        found.add("quality")
    if user.role == Role.TOP_MANAGEMENT:
        found.add("top")
    if record.owner_id == user.pk:
        found.add("owner")
    if user.is_department_head and user.department_id == record.department_id:
        found.add("head")
    if user.is_department_head and is_steward(user, type(record)):
        found.add("steward")
    extra = getattr(record, "extra_relations", None)
    if extra is not None:
        found |= extra(user)
    return found


def can_change(user: User, obj: Model) -> bool:
    """May the user change this record (for a child row: the record it belongs to)?"""
    record = obj.root
    allowed = getattr(type(record), "change_relations", CHANGE_RELATIONS)
    return bool(relations(user, record) & allowed)


def can_attach(user: User, record: Model) -> bool:
    """May the user attach a file to this record? Whoever may change it, and those the model names
    besides (``attach_relations``: the owner of one of a CAPA's actions attaches its evidence)."""
    model = type(record)
    allowed = getattr(model, "change_relations", CHANGE_RELATIONS) | getattr(
        model, "attach_relations", frozenset()
    )
    return bool(relations(user, record) & allowed)


def can_create(user: User, model: type[Model] | None = None) -> bool:
    """May the user create records of ``model``? Anyone who may write, unless the model names
    who may (``create_roles``: "quality", "top", "head", "steward", "staff")."""
    if not user.is_authenticated or user.is_auditor:
        return False
    roles = getattr(model, "create_roles", None) if model is not None else None
    if roles is None:
        return True
    held = {"staff"}
    if user.is_quality_manager:
        held.add("quality")
    if user.is_top_management:
        held.add("top")
    if user.is_department_head:
        held.add("head")
    if model is not None and is_steward(user, model):
        held.add("steward")
    return bool(held & roles)


def require_change(user: User, obj: Model) -> None:
    if not can_change(user, obj):
        raise PermissionDenied("You may not change this record.")


def require_attach(user: User, record: Model) -> None:
    if not can_attach(user, record):
        raise PermissionDenied("You may not attach files to this record.")


def require_create(user: User, model: type[Model]) -> None:
    if not can_create(user, model):
        raise PermissionDenied(f"You may not create {model._meta.verbose_name_plural}.")
