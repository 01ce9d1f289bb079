from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from . import events
from .forms import people
from .models import Attachment, Department, RecoveryCode, Role, User
from .rules import check_single_line
from .services import handover

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
    """Switching a login off asks who takes over the open records and actions the person owns
    and the departments they head (``qms.services.handover``): their due items, alerts and
    escalations would otherwise go to someone who can no longer log in."""

    hand_over_to = forms.ModelChoiceField(
        queryset=people().order_by("last_name", "first_name"),
        required=False,
        label="Hand their open work over to",
        help_text="Who takes over the open records and actions this person owns, and the departments "
        "they head: needed when you switch off the login of someone who still owns some.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:  # never the person leaving
            field = self.fields["hand_over_to"]
            field.queryset = field.queryset.exclude(pk=self.instance.pk)

    def clean(self):
        data = super().clean()
        person, to = self.instance, data.get("hand_over_to")
        if person.pk is None:
            return data
        leaving = person.is_active and data.get("is_active") is False
        if to is not None and to.pk == person.pk:
            self.add_error("hand_over_to", "Choose someone else: this is the person leaving.")
            return data
        name = person.get_full_name() or str(person)
        headed = list(Department.objects.filter(head=person).values_list("name", flat=True))
        if leaving and to is None:
            owned = handover.open_work_text(handover.open_work(person))
            heads = f"heads {', '.join(headed)}" if headed else ""
            if owned and heads:
                message = f"{name} still owns {owned} and {heads}: choose who takes them over."
                self.add_error("hand_over_to", message)
            elif owned or heads:
                what = f"still owns {owned}" if owned else heads
                self.add_error("hand_over_to", f"{name} {what}: choose who takes it over.")
        if to is not None and (refused := handover.refusals(person, to)):
            shown = " ".join(refused[:5]) + (f" (and {len(refused) - 5} more)" if len(refused) > 5 else "")
            self.add_error("hand_over_to", f"{to} cannot take over all of {name}'s work: {shown}")
        if to is not None and headed and not handover.may_head(to):
            self.add_error(
                "hand_over_to",
                f"{name} heads {', '.join(headed)}: choose a department head, "
                "the quality manager or top management.",
            )
        return data


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
                    "hand_over_to",
                )
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "department" in form.changed_data:
            # Their training file, say, follows them (``person.moved``, told once this commits).
            events.publish(
                "person.moved",
                user_id=obj.pk,
                from_department_id=form.initial.get("department"),
                to_department_id=obj.department_id,
                by_id=request.user.pk,
            )
        to = form.cleaned_data.get("hand_over_to") if change else None
        if to is not None:
            moved = handover.hand_over(leaver=obj, to=to, by=request.user)
            self.message_user(request, f"{moved} open records and actions of {obj} handed over to {to}.")
        if change and "is_active" in form.changed_data and not obj.is_active:
            # What is theirs alone (their training file and its needs) closes with them.
            events.publish(
                "person.left", user_id=obj.pk, successor_id=to.pk if to else None, by_id=request.user.pk
            )


class DepartmentForm(forms.ModelForm):
    """A department's head is someone who can act as one: an active department head, the quality
    manager or top management (escalations go to them), never an auditor or the system account."""

    class Meta:
        model = Department
        fields = ("name", "code", "head")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.head_id
        eligible = Q(is_active=True, is_system=False, role__in=handover.HEAD_ROLES)
        self.fields["head"].queryset = User.objects.filter(eligible | Q(pk=current)).order_by(
            "last_name", "first_name"
        )

    def clean_head(self):
        head = self.cleaned_data.get("head")
        if head is not None and not handover.may_head(head):
            why = "can no longer log in" if not head.is_active else f"is {Role(head.role).label.lower()}"
            raise ValidationError(
                f"{head.get_full_name() or head} {why}: choose an active department head, the quality "
                "manager or top management."
            )
        return head


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    form = DepartmentForm
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
