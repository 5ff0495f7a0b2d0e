"""The OpenAPI schema and its Swagger UI, both public: the API is documented openly,
and using it still takes a key."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from .base import ApiRateThrottle


class SchemaView(SpectacularAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [ApiRateThrottle]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's static files. The split view serves the
    init script from its own URL, which the Content-Security-Policy allows."""

    permission_classes = [AllowAny]
    throttle_classes = [ApiRateThrottle]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = "Helpdesk API"
