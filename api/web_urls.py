from django.urls import path

from . import web

urlpatterns = [
    path("", web.TokensView.as_view(), name="api_tokens"),
    path("revoke/", web.TokenRevokeView.as_view(), name="api_token_revoke"),
]
