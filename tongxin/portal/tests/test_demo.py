"""`tongxin demo` shows every state of the persons' own pages, and prints how
to open them; the published demo tokens work only in demo or development mode."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from tongxin.engagement.models import Invitation
from tongxin.portal import services
from tongxin.portal.models import ChangeItem, ChangeRequest, PersonalLink, token_hash
from tongxin.service.models import ServiceRequest, Suggestion

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_portal_state_and_prints_how_to_open_it(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO = True
    out = io.StringIO()
    call_command("demo", persons=400, seed=3, once=True, stdout=out)
    text = out.getvalue()

    states = {link.state for link in PersonalLink.objects.all()}
    assert states == {"active", "revoked", "locked", "expired"}
    answers = set(Invitation.objects.values_list("answer", flat=True))
    assert answers == {"pending", "accepted", "declined"}
    assert any(i.state_label() == "逾期未答复" for i in Invitation.objects.all())
    assert set(ChangeRequest.objects.values_list("kind", "status")) >= {
        ("update", "pending"),
        ("no_change", "pending"),
    }
    assert set(ChangeItem.objects.values_list("decision", flat=True)) >= {"approved", "rejected"}
    assert ServiceRequest.objects.filter(self_submitted=True).exists()
    assert Suggestion.objects.filter(self_submitted=True).exists()
    # An accepted invitation is a participation.
    accepted = Invitation.objects.filter(answer="accepted").select_related("activity").first()
    assert accepted.target.participants.filter(person=accepted.person).exists()

    # The printed line of demo-1 opens that person's page, with its invitation to answer.
    line = next(line for line in text.splitlines() if "/p/l/demo-1/" in line)
    suffix, born = re.search(r"证件号码后6位 (\w{6})，出生日期 ([\d-]+)", line).groups()
    response = client.post(
        reverse("me:open", args=["demo-1"]), {"id_suffix": suffix, "birth_date": born}
    )
    assert response.status_code == 302
    home = client.get(reverse("me:home")).content.decode()
    assert "接受邀请" in home and "确认谢绝" in home

    # A second run makes nothing new and prints the links again.
    links = PersonalLink.objects.count()
    again = io.StringIO()
    call_command("demo", persons=400, seed=3, once=True, stdout=again)
    assert PersonalLink.objects.count() == links
    assert "/p/l/demo-1/" in again.getvalue()


def test_a_demo_token_opens_nothing_outside_demo_mode(make_person, xingning_user, settings):
    person = make_person("陈晓梅")
    (issued,) = services.links_issue(actor=xingning_user, persons=[person], valid_days=30)
    PersonalLink.objects.filter(pk=issued.link.pk).update(token_hash=token_hash("demo-9"))
    settings.DEMO, settings.DEBUG = True, False
    assert services.link_for_token("demo-9") is not None
    settings.DEMO = False
    assert services.link_for_token("demo-9") is None
