from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the app is up (no database round trip)."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/reports/", include("reports.api_urls")),
    path("api/", include("tickets.api.urls")),
    path("reports/", include("reports.urls")),
    path("compat/", include("compat.urls")),
    path("portal/", include("portal.urls")),
    path("", include("tickets.urls")),
]
