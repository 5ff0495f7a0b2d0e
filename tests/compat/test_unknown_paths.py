"""A path that no compatibility API has is a JSON 404 in that system's own error body,
never the HTML page a browser gets, whatever the method."""

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

EXPECTED = [
    ("/compat/livechat/v2/nothing", {"error": "Not found."}),
    ("/compat/supportbee/nothing.json", {"error": "Not found."}),
    ("/compat/usercom/api/public/nothing/", {"detail": "Not found."}),
    ("/compat/zendesk/api/v2/tickets.json", {"detail": "Not found."}),
]


@pytest.mark.parametrize(("path", "error"), EXPECTED)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_path_is_a_json_404_in_the_systems_body(path, error, method):
    response = getattr(Client(enforce_csrf_checks=True), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == error
    assert "X-RateLimit-Limit" in response  # counted like any API answer
