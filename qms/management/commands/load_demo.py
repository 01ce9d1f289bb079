from django.core.management.base import BaseCommand
from django.db import transaction

from qms.demo import load_people
from qms.models import User
from qms.modules import installed
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
            # Each installed module may bring its demo records: Module(demo=load), load(company).
            for entry in installed():
                if entry.module.demo is not None:
                    entry.module.demo(company)
                    self.stdout.write(f"  {entry.app.verbose_name}: demo records loaded")
            for step in company.afterwards:
                step()
        self.stdout.write(self.style.SUCCESS("Demo company loaded."))
