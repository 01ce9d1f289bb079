"""Authentication: the login backend refuses expired (auditor) accounts."""

from django.contrib.auth.backends import ModelBackend


class ExpiringAccountBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        # Expired accounts are let through here so the login form can say *why* they are refused
        # (LoginForm.confirm_login_allowed); the access middleware logs out a session that expires.
        return super().user_can_authenticate(user) and not getattr(user, "is_system", False)
