"""How the API knows who is calling: ``Authorization: Bearer <token>``, or the browser's session
(for the documentation page), where every write still needs the CSRF token."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .tokens import token_user


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as “Authorization: Bearer <token>”.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        found = token_user(raw)
        if found is None:
            raise exceptions.AuthenticationFailed("The token is not valid, has expired or was revoked.")
        return found

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, as the screens know it: a role that must use two-factor sign-in is
    refused until this session passed it (as the screens refuse it), and writes need CSRF."""

    def authenticate(self, request):
        from qms import mfa

        found = super().authenticate(request)
        if found is None:
            return None
        user = found[0]
        if mfa.required(user) and not request._request.session.get(mfa.VERIFIED):
            raise exceptions.AuthenticationFailed("Sign in with your second factor first.")
        return found


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal or service-account token."}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
