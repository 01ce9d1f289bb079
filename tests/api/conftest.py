import pytest
from django.test import Client

from api.tokens import token_create


class Api:
    """A program calling the API with a user's token."""

    def __init__(self, user):
        self.user = user
        _, self.token = token_create(user=user, by=user, name="tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def get(self, path, params=None, **headers):
        return self.client.get(path, params or {}, headers=headers)

    def post(self, path, data=None, **headers):
        return self.client.post(
            path, data if data is not None else {}, content_type="application/json", headers=headers
        )


@pytest.fixture
def api_for(db):
    return Api
