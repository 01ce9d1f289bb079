"""The kernel's admin site: Django's, except that quality records can never be deleted there.

A QMS is the company's retained documented information (ISO 9001 7.5.3): a record that is wrong is
corrected with a reason, one that is no longer wanted is made obsolete, cancelled or superseded,
and its history stays complete. So whatever a module's ModelAdmin says, a record, a record's child
row or a stored file registered here refuses deletes: the delete page, the bulk action and an
inline's delete box. ``QMSAdminConfig`` (in INSTALLED_APPS in place of ``django.contrib.admin``)
makes this the default site.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


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
