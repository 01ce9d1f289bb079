"""The print log keeps each copy's file name: a draft's file removed after someone took a copy (a
drawing rejected in review) leaves its copies in the log by name, no longer protecting the file."""

import django.db.models.deletion
from django.db import migrations, models

NAMES_FROM_FILES = """
UPDATE documents_issuedcopy AS c SET file_name = f.original_name
FROM documents_revisionfile AS f WHERE f.id = c.file_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0013_acknowledgment_withdrawn_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="issuedcopy",
            name="file_name",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="file"),
        ),
        migrations.RunSQL(NAMES_FROM_FILES, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="issuedcopy",
            name="file",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="documents.revisionfile",
            ),
        ),
    ]
