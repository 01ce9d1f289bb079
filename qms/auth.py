"""Authentication: the login backend refuses expired (auditor) accounts."""

from django.contrib.auth.backends import ModelBackend


class ExpiringAccountBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        # Expired accounts are let through here so the login form can say *why* they are refused
        # (LoginForm.confirm_login_allowed); the access middleware logs out a session that expires.
        # Neither the account background jobs act as nor an integration's service account (api/)
        # ever signs in to the browser.
        return (
            super().user_can_authenticate(user)
            and not getattr(user, "is_system", False)
            and not _is_service_account(user)
        )


def _is_service_account(user) -> bool:
    from django.apps import apps

    if not apps.is_installed("api"):
        return False
    return apps.get_model("api", "ServiceAccount").objects.filter(user=user).exists()
