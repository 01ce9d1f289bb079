from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from qms.backup import BackupError, backup_create, backups_prune


class Command(BaseCommand):
    help = (
        "Write one archive with a consistent database dump and every stored file, with a manifest of "
        "their SHA-256, while the application keeps running."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=settings.BACKUP_DIR or str(settings.BASE_DIR / "var" / "backups"),
            help="Where the archive goes (default: BACKUP_DIR, else var/backups).",
        )
        parser.add_argument("--keep", type=int, help="Then keep only the newest N archives there.")

    def handle(self, *args, dir: str, keep: int | None, **options):
        try:
            result = backup_create(directory=Path(dir))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.path}: database {result.database_bytes:,} bytes, {result.files} files "
            f"({result.file_bytes:,} bytes), in {result.seconds:.1f} s"
        )
        if keep is not None:
            for path in backups_prune(directory=Path(dir), keep=keep):
                self.stdout.write(f"removed {path}")
        if result.problems:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(result.problems)} stored files did not match their records (see above)."
            )
        self.stdout.write(self.style.SUCCESS("Backup complete."))
