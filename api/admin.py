"""Service accounts and tokens in the administrator's site (Django admin, as users are).

A service account is created here with its username, role and department; it gets no password
(it can never sign in to the browser) and works only through tokens the administrator issues
with the "Issue a token" action, shown once on the page that answers it."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse

from qms.admin import ROLES_NEEDING_DEPARTMENT
from qms.models import Department, Role, User
from qms.rules import check_single_line

from .models import ApiToken, ServiceAccount
from .tokens import token_create, token_revoke

SERVICE_ROLES = [(r.value, r.label) for r in Role if r != Role.ADMINISTRATOR]


class ServiceAccountForm(forms.ModelForm):
    username = forms.CharField(max_length=150, help_text="erp, mes-line-2 …")
    role = forms.ChoiceField(choices=SERVICE_ROLES, initial=Role.DEPARTMENT_HEAD)
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)

    class Meta:
        model = ServiceAccount
        fields = ["purpose"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            user = self.instance.user
            self.fields["username"].disabled = True
            self.initial.update(username=user.username, role=user.role, department=user.department_id)

    def clean_username(self):
        name = check_single_line(self.cleaned_data["username"], what="The username")
        if not self.instance.pk and User.objects.filter(username__iexact=name).exists():
            raise ValidationError("That username is taken.")
        return name

    def clean(self):
        data = super().clean()
        if data.get("role") in ROLES_NEEDING_DEPARTMENT and not data.get("department"):
            self.add_error("department", "This role belongs to a department.")
        return data


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin):
    form = ServiceAccountForm
    list_display = ["__str__", "purpose", "role", "department", "created_at"]
    list_select_related = ["user__department"]
    actions = ["issue_token"]

    @admin.display(description="role")
    def role(self, obj):
        return obj.user.get_role_display()

    @admin.display(description="department")
    def department(self, obj):
        return obj.user.department

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the account stays, as the history names it: deactivate it instead

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            user = User(username=data["username"], role=data["role"], department=data["department"])
            user.set_unusable_password()  # never signs in to the browser
            user.receive_alerts = user.receive_digest = False
            user.save()
            obj.user, obj.created_by = user, request.user
        else:
            obj.user.role, obj.user.department = data["role"], data["department"]
            obj.user.save(update_fields=["role", "department"])
        super().save_model(request, obj, form, change)

    @admin.action(description="Issue a token (valid 365 days, shown once)")
    def issue_token(self, request, queryset):
        issued = []
        for account in queryset.select_related("user"):
            _, token = token_create(
                user=account.user, by=request.user, name=f"{account.user.username} (admin)", days=365
            )
            issued.append((account, token))
        if not issued:
            messages.info(request, "Select the accounts first.")
            return None
        return TemplateResponse(
            request, "api/admin_tokens.html", {"issued": issued, "title": "New API tokens"}
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "created_by",
    ]
    exclude = ["digest"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # users create their own on their profile; service accounts get theirs above

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, not deleted: the list shows what existed

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token=token, by=request.user)
        messages.success(request, "Revoked.")
