from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0005_signatures_to_the_kernel"),
    ]

    operations = [
        migrations.DeleteModel(
            name="Signature",
        ),
    ]
