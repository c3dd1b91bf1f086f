from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("union", "0002_clustering_and_shared_cataloguing")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS union_urid_seq",
            "DROP SEQUENCE IF EXISTS union_urid_seq",
        ),
    ]
