# Every module's URLs, the test-only kernel example's included, come from its declaration.
from qms.urls import handler404, urlpatterns  # noqa: F401
