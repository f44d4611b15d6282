"""The quotas live on the tiers now (0003 copied them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("levels", "0003_tiers_from_levels")]

    operations = [
        migrations.DeleteModel(name="HistoricalQuota"),
        migrations.DeleteModel(name="Quota"),
    ]
