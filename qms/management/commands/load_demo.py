import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from qms.demo import load_people
from qms.models import User
from qms.services import get_system_user


class Command(BaseCommand):
    help = "Create the demo company (people, departments and each module's demo records)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when people exist already.")

    def handle(self, *args, if_empty: bool = False, **options):
        if User.objects.filter(is_system=False).exists():
            if if_empty:
                self.stdout.write("Demo company not loaded: the database already has people in it.")
                return
            self.stderr.write("The database already has people in it; the demo needs an empty database.")
            raise SystemExit(1)
        with transaction.atomic():
            get_system_user()
            company = load_people()
            # Each installed module may bring its demo records in <app>/demo.py: load(company).
            for config in apps.get_app_configs():
                if config.name == "qms":
                    continue
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name == f"{config.name}.demo":
                        continue
                    raise
                module.load(company)
                self.stdout.write(f"  {config.verbose_name}: demo records loaded")
        self.stdout.write(self.style.SUCCESS("Demo company loaded."))
