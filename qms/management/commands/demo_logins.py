from django.core.management.base import BaseCommand

from qms.demo import DEMO_PASSWORD, logins


class Command(BaseCommand):
    help = "Print the demo logins."

    def handle(self, *args, **options):
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, who in logins():
            self.stdout.write(f"  {username:<10} {role:<40} {who}")
