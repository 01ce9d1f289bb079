"""Settings for the Celery worker the delivery-guarantee tests start as a subprocess: the test
settings, but real SMTP (tests.settings uses the in-memory backend, which a separate process cannot
share), the test's own queue and broker database, and a short visibility timeout and lease so a
killed worker's message and row come back within seconds instead of an hour."""

import os

from tests.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CELERY_TASK_DEFAULT_QUEUE = os.environ["CELERY_QUEUE"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    # Look for unacknowledged messages of dead workers every second (default: every 100 s).
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
NOTIFICATION_LEASE_SECONDS = int(os.environ.get("NOTIFICATION_LEASE_SECONDS", "300"))
NOTIFICATION_RETRY_BASE_SECONDS = int(os.environ.get("NOTIFICATION_RETRY_BASE_SECONDS", "60"))
