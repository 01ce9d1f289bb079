from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from .models import Attachment, Department, RecoveryCode, Role, User
from .rules import check_single_line

# Roles whose scope is a department: without one they would see only their own items, which is
# never what the administrator meant, so the form asks for it.
ROLES_NEEDING_DEPARTMENT = (Role.STAFF, Role.DEPARTMENT_HEAD, Role.TOP_MANAGEMENT)


class _UserRules(forms.ModelForm):
    """What the administrator's user forms check beyond Django's: names are one line of plain
    text, and staff, heads and top management belong to a department."""

    def clean_first_name(self):
        return check_single_line(self.cleaned_data.get("first_name", ""), what="The first name")

    def clean_last_name(self):
        return check_single_line(self.cleaned_data.get("last_name", ""), what="The last name")

    def clean_username(self):
        return check_single_line(self.cleaned_data.get("username", ""), what="The username")

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role in ROLES_NEEDING_DEPARTMENT and not data.get("department") and "department" in self.fields:
            self.add_error(
                "department",
                ValidationError(f"A {Role(role).label.lower()} must belong to a department."),
            )
        return data


class UserAdminChangeForm(_UserRules, UserChangeForm):
    pass


class UserAdminCreationForm(_UserRules, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email", "role", "department")


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "role",
                    "department",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "department",
        "job_title",
        "access_expires_on",
    )
    list_filter = ("role", "department", "is_active")
    list_select_related = ("department",)
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            "QMS",
            {
                "fields": (
                    "role",
                    "department",
                    "job_title",
                    "manager",
                    "access_expires_on",
                    "receive_alerts",
                    "receive_digest",
                )
            },
        ),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "head")
    list_select_related = ("head",)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "content_type", "object_id", "size", "uploaded_by", "uploaded_at")
    list_select_related = ("content_type", "uploaded_by")
    readonly_fields = [f.name for f in Attachment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Two-factor devices: the administrator removes one when a phone is lost (the user then sets up
# a new one); the secret itself is never shown again. Replaces django-otp's own admin, whose
# QR view for a device fails with a server error on a wrong number.
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__last_name")
    fields = ("user", "name", "confirmed", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        RecoveryCode.objects.filter(user=obj.user).delete()
        super().delete_model(request, obj)
