"""The brand's stylesheet: the accent colour of the settings (no inline style may carry it)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ..branding import brand


@require_GET
def brand_css(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(brand().stylesheet(), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response
