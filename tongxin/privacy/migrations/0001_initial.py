import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("people", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PrivacyNotice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(unique=True, verbose_name="版本")),
                ("text", models.TextField(verbose_name="告知内容")),
                ("updated_at", models.DateTimeField(auto_now_add=True, verbose_name="修改时间")),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="修改人",
                    ),
                ),
            ],
            options={
                "verbose_name": "个人信息处理告知",
                "verbose_name_plural": "个人信息处理告知",
                "ordering": ["-version"],
            },
        ),
        migrations.CreateModel(
            name="PrivacyRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("person_ref", models.BigIntegerField(verbose_name="人员编号")),
                (
                    "kind",
                    models.CharField(
                        choices=[("access", "查阅复制"), ("correct", "更正"), ("erase", "删除")],
                        max_length=10,
                        verbose_name="申请类型",
                    ),
                ),
                (
                    "requester",
                    models.CharField(
                        help_text="本人或其代理人的姓名；代理人请注明关系。",
                        max_length=100,
                        verbose_name="申请人",
                    ),
                ),
                ("received_on", models.DateField(verbose_name="收到日期")),
                (
                    "reference",
                    models.CharField(
                        help_text="书面申请的文号或收件登记号、申请方式等。",
                        max_length=200,
                        verbose_name="申请依据/文号",
                    ),
                ),
                ("handled_at", models.DateTimeField(auto_now_add=True, verbose_name="办理时间")),
                ("outcome", models.CharField(blank=True, max_length=200, verbose_name="办理结果")),
                (
                    "handled_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="经办人",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="people.person",
                        verbose_name="人员",
                    ),
                ),
            ],
            options={
                "verbose_name": "个人信息权利申请",
                "verbose_name_plural": "个人信息权利申请",
                "ordering": ["-id"],
                "indexes": [models.Index(fields=["person_ref", "id"], name="privacyrequest_person")],
            },
        ),
    ]
