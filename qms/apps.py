from django.apps import AppConfig


class QmsConfig(AppConfig):
    name = "qms"
    verbose_name = "QMS platform"

    def ready(self) -> None:
        # Every installed module declares itself in <app>/module.py; the kernel finds them here,
        # once every app's models are loaded.
        from django.core.signals import request_started
        from django.db.models.signals import post_migrate

        from . import accesslog, auth, garbage, timestamps, vacuum
        from .modules import discover

        discover()
        accesslog.connect()
        # Python's cycle collector run as a request starts, not inside one (qms.garbage).
        garbage.connect()
        # A signed-in user's row asked for with their session is read in that request or not at all.
        request_started.connect(auth.forget_sent_user, dispatch_uid="qms.auth.forget_sent_user")
        # Timestamps parsed by psycopg's compiled loader, in the time zone Django expects (qms.timestamps).
        timestamps.connect()
        # The registers' tables vacuumed as often as their counts need (qms.vacuum).
        post_migrate.connect(vacuum.tune, sender=self, dispatch_uid="qms.vacuum.tune")
