"""Who may call the API at all: signed in (token or session), access not expired, auditors read
only. The record-level rules are the screens' own (``qms.access``), applied by the views."""

from rest_framework.permissions import BasePermission

from qms import access


class QMSPermission(BasePermission):
    message = "Sign in, or send a token: Authorization: Bearer <token>."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        refusal = access.api_refusal(user, request.method)
        if refusal is not None:
            self.message = refusal
            return False
        return True
