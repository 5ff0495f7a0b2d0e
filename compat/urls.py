"""The compatibility APIs, one package per system, each at /compat/<system>/."""

from django.urls import include, path, re_path

from compat.usercom.api import drf_error
from helpdesk.api import not_found_view

urlpatterns = [
    path("livechat/", include("compat.livechat.urls")),
    path("supportbee/", include("compat.supportbee.urls")),
    path("usercom/api/public/", include("compat.usercom.urls")),
    # Any other system or path: a JSON 404, as from an API.
    re_path(r"^", not_found_view(drf_error), name="compat-not-found"),
]
