"""Region names mapped in an import's preview (issue 17, imports/value_mappings.py)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0006_photo_batches'),
        ('regions', '0002_tree'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RegionAlias',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=60, verbose_name='名单中的写法')),
                ('key', models.CharField(editable=False, max_length=60)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='对应时间')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='对应人')),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region', verbose_name='区域')),
            ],
            options={
                'verbose_name': '区域的其他写法',
                'verbose_name_plural': '区域的其他写法',
                'ordering': ['id'],
                'constraints': [models.UniqueConstraint(fields=('region', 'key'), name='region_alias_once')],
            },
        ),
    ]
