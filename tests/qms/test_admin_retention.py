"""Quality records are never deleted, not even by an administrator in the Django admin: whatever
a module's ModelAdmin allows, the kernel's admin site refuses deletes of records, their child rows
and stored files; other models (users, departments) keep Django's rules."""

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from qms.admin_site import QMSAdminSite, is_quality_model
from qms.models import Attachment, Department
from tests.factories import WidgetFactory
from tests.kernelapp.models import Widget, WidgetPart

pytestmark = pytest.mark.django_db


class PermissiveAdmin(admin.ModelAdmin):
    """A module's admin that forgot the rule and allows everything."""

    def has_delete_permission(self, request, obj=None):
        return True


class PartInline(admin.TabularInline):
    model = WidgetPart

    def has_delete_permission(self, request, obj=None):
        return True


class WidgetAdmin(PermissiveAdmin):
    inlines = [PartInline]


def request_as(user, method="post"):
    request = getattr(RequestFactory(), method)("/", {"post": "yes"})
    request.user = user
    request._dont_enforce_csrf_checks = True
    return request


def test_the_admin_site_is_the_kernels_so_every_registration_follows_the_rule():
    assert isinstance(admin.site, QMSAdminSite)
    quality = [m for m in admin.site._registry if is_quality_model(m)]
    assert Attachment in quality
    assert Department in admin.site._registry and not is_quality_model(Department)


def test_every_quality_model_in_the_admin_refuses_deletes_even_to_the_superuser(admin_user):
    request = request_as(admin_user)
    for model, model_admin in admin.site._registry.items():
        if is_quality_model(model):
            assert not model_admin.has_delete_permission(request), model
            assert "delete_selected" not in model_admin.get_actions(request), model


def test_a_module_admin_that_allows_deletes_is_refused_with_its_inlines(admin_user, head):
    site = QMSAdminSite(name="test-admin")
    site.register(Widget, WidgetAdmin)
    widget = WidgetFactory(owner=head)
    model_admin = site._registry[Widget]
    request = request_as(admin_user)

    assert not model_admin.has_delete_permission(request, widget)
    assert "delete_selected" not in model_admin.get_actions(request)
    for method in ("get", "post"):  # the confirmation page, and the confirmation
        with pytest.raises(PermissionDenied):
            model_admin.delete_view(request_as(admin_user, method), str(widget.pk))
    assert Widget.objects.filter(pk=widget.pk).exists()
    [inline] = model_admin.get_inline_instances(request, widget)
    assert not inline.has_delete_permission(request, widget)
    # The module's own choices otherwise stand.
    assert isinstance(model_admin, WidgetAdmin) and model_admin.has_change_permission(request, widget)


def test_other_models_keep_djangos_rules(admin_user):
    site = QMSAdminSite(name="test-admin-2")
    site.register(Department)
    assert site._registry[Department].has_delete_permission(request_as(admin_user))


def test_the_delete_page_of_a_stored_file_is_refused(client_for, admin_user):
    response = client_for(admin_user).post("/admin/qms/attachment/1/delete/", {"post": "yes"})
    assert response.status_code in (403, 302)  # refused, or sent away: never deleted
