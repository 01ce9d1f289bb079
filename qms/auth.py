"""Authentication: the login backend refuses expired (auditor) accounts."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ExpiringAccountBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        # Expired accounts are let through here so the login form can say *why* they are refused
        # (LoginForm.confirm_login_allowed); the access middleware logs out a session that expires.
        # The account background jobs act as never signs in to the browser.
        return super().user_can_authenticate(user) and not getattr(user, "is_system", False)

    def authenticate(self, request, username=None, password=None, **kwargs):
        # Nor does an integration's service account (api/), asked at sign-in only: this backend's
        # get_user runs on every request, and the account has no usable password, so making one
        # a service account already ends every session it had (the session hash is the password's).
        user = super().authenticate(request, username=username, password=password, **kwargs)
        return None if user is not None and _is_service_account(user) else user

    def get_user(self, user_id):
        """The signed-in user of every request, with their department in the same statement:
        access (a head's or steward's department), the record forms and the layout read it on
        nearly every page, and it was a second round trip each time."""
        try:
            user = get_user_model()._default_manager.select_related("department").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def _is_service_account(user) -> bool:
    from django.apps import apps

    if not apps.is_installed("api"):
        return False
    return apps.get_model("api", "ServiceAccount").objects.filter(user=user).exists()
