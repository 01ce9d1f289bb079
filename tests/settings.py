"""Test settings: the real PostgreSQL and Redis, only faster hashing and plain static files."""

import os
import tempfile

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from qms.settings import *  # noqa: E402, F403
from qms.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# One store per test run and per pytest-xdist worker (inherited by the Celery worker subprocesses a
# test starts, which see the same PYTEST_XDIST_WORKER), so parallel runs on one machine never
# delete each other's files.
# A process started with FILE_STORE=s3 (the two-node test's web and worker nodes) keeps the object
# store its environment names.
_ATTACHMENT_ROOT_VAR = "TEST_ATTACHMENT_ROOT_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
if os.environ.get("FILE_STORE", "local") != "s3":
    STORAGES["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.setdefault(_ATTACHMENT_ROOT_VAR, tempfile.mkdtemp(prefix="qms-test-att-"))
        },
    }
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
BASE_URL = "http://testserver"
CELERY_TASK_DEFAULT_QUEUE = "qms-test"

# A test-only module the kernel is tested on (tests/kernelapp).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.kernelapp"]  # noqa: F405
ROOT_URLCONF = "tests.urls"
