"""The OpenAPI schema and its Swagger UI, both public: the API is documented openly,
and using it still takes a key."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny


class SchemaView(SpectacularAPIView):
    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's static files. The split view serves the
    init script from its own URL, which the Content-Security-Policy allows."""

    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = "Helpdesk API"
