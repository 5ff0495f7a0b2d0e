from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from helpdesk.readiness import readyz
from helpdesk.sign_in import with_lockout_status


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the app is up (no database round trip)."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # Before the admin's own route: a locked sign-in answers 429 (helpdesk.sign_in).
    path("admin/login/", with_lockout_status(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/reports/", include("reports.api_urls")),
    path("api/", include("tickets.api.urls")),
    path("reports/", include("reports.urls")),
    path("compat/", include("compat.urls")),
    path("portal/", include("portal.urls")),
    path("", include("tickets.urls")),
]
