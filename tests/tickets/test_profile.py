"""An agent's profile page: which notification emails they want."""

import re

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import Channel, NotificationSettings

pytestmark = pytest.mark.django_db


def test_an_agent_without_settings_gets_every_email(signed_in):
    html = signed_in.get(reverse("profile")).content.decode()
    assert "A ticket is assigned to me" in html and "A client replies by email" in html
    boxes = re.findall(r'<input type="checkbox" name="(\w+)"([^>]*)>', html)
    assert {name: "checked" in rest for name, rest in boxes} == {
        "on_assignment": True,
        "on_client_reply": True,
        "on_mention": True,
    }


def test_turning_a_kind_off_saves_the_agent_s_own_settings(signed_in, agent, other_agent):
    response = signed_in.post(reverse("profile"), {"on_assignment": "on"})
    assert response.status_code == 302 and response.url == reverse("profile")
    settings = NotificationSettings.objects.get()
    assert settings.agent == agent
    assert settings.on_assignment and not settings.on_client_reply
    signed_in.post(reverse("profile"), {"on_client_reply": "on"})
    settings.refresh_from_db()
    assert not settings.on_assignment and settings.on_client_reply
    assert NotificationSettings.objects.count() == 1  # nobody else's changed


def test_an_assignment_email_respects_the_setting(
    agent, other_agent, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(agent=other_agent, on_assignment=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket=ticket, assignee=other_agent, actor=agent, channel=Channel.WEB)
    assert mailoutbox == []
    NotificationSettings.objects.filter(agent=other_agent).update(on_assignment=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket=ticket, assignee=None, actor=agent, channel=Channel.WEB)
        services.assign(ticket=ticket, assignee=other_agent, actor=agent, channel=Channel.WEB)
    assert len(mailoutbox) == 1


def test_the_top_bar_links_to_the_profile(signed_in, agent):
    html = signed_in.get(reverse("queue")).content.decode()
    assert f'href="{reverse("profile")}"' in html
