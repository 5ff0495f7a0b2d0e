"""The compatibility APIs, one package per system, each at /compat/<system>/."""

from django.urls import include, path

urlpatterns = [
    path("livechat/", include("compat.livechat.urls")),
    path("supportbee/", include("compat.supportbee.urls")),
    path("usercom/api/public/", include("compat.usercom.urls")),
]
