"""The trigram extension the registers' search indexes use (qms.models.search_index)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("qms", "0004_access_log")]

    operations = [TrigramExtension()]
