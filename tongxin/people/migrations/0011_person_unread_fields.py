"""Fields given on entry but unreadable, left blank and 待补充 (issue 17, people/completeness.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0010_vacuum_plaintext'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='unread_fields',
            field=models.CharField(blank=True, editable=False, max_length=300, verbose_name='未能识别的项'),
        ),
    ]
