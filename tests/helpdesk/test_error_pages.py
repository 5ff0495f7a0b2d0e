import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_csrf_failure_has_our_styled_page(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post("/tickets/1/reply/", {"text": "Hello"})
    assert response.status_code == 403
    assert "This form could not be sent" in response.text
    assert "css/app.css" in response.text
    assert "<style" not in response.text  # the CSP allows no inline style
