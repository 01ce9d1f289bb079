from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qms.restore import RestoreError, backup_restore


class Command(BaseCommand):
    help = (
        "Rebuild a fresh database and file store from a backup archive, checking the SHA-256 of the "
        "dump and of every file, and every stored file's row against its restored file."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="A qms-backup-….tar written by `manage.py backup`.")
        parser.add_argument(
            "--database", required=True, help="The database to create (must not exist yet, or be empty)."
        )
        where = parser.add_mutually_exclusive_group()
        where.add_argument(
            "--store", help="An empty directory for the files (default: the configured store)."
        )
        where.add_argument(
            "--bucket",
            help="An empty bucket of the configured object store (FILE_STORE=s3) for the files, "
            "with the same endpoint, credentials and prefix.",
        )

    def handle(self, *args, archive: str, database: str, store: str | None, bucket: str | None, **options):
        try:
            result = backup_restore(
                archive=Path(archive),
                database=database,
                store_dir=Path(store) if store else None,
                bucket=bucket or None,
            )
        except RestoreError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f'Database "{result.database}" and store {result.store}: {result.files} files restored, '
            f"{result.rows_checked} stored-file rows checked against them, in {result.seconds:.1f} s"
        )
        if result.problems:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(result.problems)} problems (see above): do not use this restore as it is."
            )
        self.stdout.write(self.style.SUCCESS("Restore complete, every file verified."))
