"""The kernel's admin site: Django's, except that quality records can never be deleted there.

A QMS is the company's retained documented information (ISO 9001 7.5.3): a record that is wrong is
corrected with a reason, one that is no longer wanted is made obsolete, cancelled or superseded,
and its history stays complete. So whatever a module's ModelAdmin says, a record, a record's child
row or a stored file registered here refuses deletes: the delete page, the bulk action and an
inline's delete box. Every change list counts its rows once when nothing narrows them
(``CountOnce``). ``QMSAdminConfig`` (in INSTALLED_APPS in place of ``django.contrib.admin``)
makes this the default site.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet


class RefuseDelete:
    """Put before a ModelAdmin or an inline: nobody may delete, the superuser included."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def is_quality_model(model) -> bool:
    from .models import ChildRecord, Record, StoredFile

    return issubclass(model, (Record, ChildRecord, StoredFile))


def _refusing(admin_class: type) -> type:
    if issubclass(admin_class, RefuseDelete):
        return admin_class
    return type(admin_class.__name__, (RefuseDelete, admin_class), {"__module__": admin_class.__module__})


class CountOnce:
    """Put before a ModelAdmin: its change list counts its rows once when nothing narrows them.
    Django counts a list twice, the rows it pages and every row of the table (for "3 results (40
    total)"), which are the same statement when no filter or search is applied."""

    def get_changelist(self, request, **kwargs):
        return _counting_once(super().get_changelist(request, **kwargs))


@cache
def _counting_once(changelist: type) -> type:
    class CountedOnce(changelist):
        def get_results(self, request):
            if _same_rows(self.queryset, self.root_queryset):
                self.queryset = self.root_queryset = _remembering(self.queryset)
            return super().get_results(request)

    return CountedOnce


def _same_rows(shown: QuerySet, everything: QuerySet) -> bool:
    """Whether the list's rows are all the rows: the same statement but for its order and what
    it joins to show them (``list_select_related``), which a count leaves out."""

    def counted(queryset: QuerySet) -> str:
        return str(queryset.select_related(None).order_by().query)

    try:
        return counted(shown) == counted(everything)
    except EmptyResultSet:
        return False


def _remembering(queryset: QuerySet) -> QuerySet:
    """The same rows, counted once however often ``count()`` is asked."""
    remembered = queryset._chain()
    remembered.__class__ = _remembering_class(type(queryset))
    return remembered


@cache
def _remembering_class(queryset_class: type) -> type:
    class Remembered(queryset_class):
        def count(self) -> int:
            counted = self.__dict__.get("_counted")
            if counted is None:
                counted = self._counted = super().count()
            return counted

    return Remembered


def _counting(admin_class: type) -> type:
    if issubclass(admin_class, CountOnce):
        return admin_class
    return type(admin_class.__name__, (CountOnce, admin_class), {"__module__": admin_class.__module__})


class QMSAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else list(model_or_iterable)
        for model in models:
            admin_class_for = admin_class or admin.ModelAdmin
            if options:  # the same shortcut Django offers: admin options as keyword arguments
                admin_class_for = type(f"{model.__name__}Admin", (admin_class_for,), dict(options))
            inlines: Iterable[type] = getattr(admin_class_for, "inlines", ())
            refused_inlines = [_refusing(i) if is_quality_model(i.model) else i for i in inlines]
            if is_quality_model(model):
                admin_class_for = _refusing(admin_class_for)
            admin_class_for = _counting(admin_class_for)
            if list(inlines) != refused_inlines:
                admin_class_for = type(
                    admin_class_for.__name__,
                    (admin_class_for,),
                    {"inlines": refused_inlines, "__module__": admin_class_for.__module__},
                )
            super().register(model, admin_class_for)


class QMSAdminConfig(AdminConfig):
    """Django's admin app, on the kernel's site."""

    default_site = "qms.admin_site.QMSAdminSite"
