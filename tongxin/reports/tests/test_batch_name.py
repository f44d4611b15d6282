"""The batch of registration forms is named by the office's clock (settings.TIME_ZONE)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from tongxin.reports.models import ReportJob


def test_the_zip_is_named_in_local_time(client_for, xingning_user, make_person, settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    make_person("甲一")
    client = client_for(xingning_user)
    client.post(reverse("reports:form_batch"))
    job = ReportJob.objects.get()

    download = client.get(reverse("reports:job_download", args=[job.pk]))

    local = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    utc = job.created_at.astimezone(datetime.UTC).strftime("%Y%m%d-%H%M")
    disposition = download["Content-Disposition"]
    assert f"-{local}.zip" in disposition
    assert f"-{utc}.zip" not in disposition
