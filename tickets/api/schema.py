"""OpenAPI helpers: the envelopes and error responses every operation documents.

Imported by tickets.api.urls, so the authentication extension below is
registered before drf-spectacular generates the schema.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from helpdesk.api import Page


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "helpdesk.api_access.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key: `Authorization: Bearer <key>`. "
            "Create one in Django admin or with `manage.py create_api_key <username>`.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "helpdesk.api_access.AgentSessionAuthentication"
    name = "agentSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A signed-in agent's browser session; unsafe methods need the "
            "X-CSRFToken header.",
        }


class ErrorSchema(serializers.Serializer):
    message = serializers.CharField(help_text="What went wrong.")


class ValidationErrorSchema(ErrorSchema):
    # A declared field, which DRF's metaclass takes out of the class: not Serializer.errors.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The messages for each parameter that was wrong.",
    )


class PageMetaSchema(serializers.Serializer):
    current_page = serializers.IntegerField()
    per_page = serializers.IntegerField()
    total = serializers.IntegerField()
    last_page = serializers.IntegerField()


_envelopes: dict[tuple[str, bool], type[serializers.Serializer]] = {}


def envelope(schema: type[serializers.Serializer], *, many: bool = False):
    """`{"data": <object>}`, or for a list `{"data": [...], "meta": {...}}`."""
    base = schema.__name__.removesuffix("Schema")
    name = f"{base}ListResponse" if many else f"{base}Response"
    if (name, many) not in _envelopes:
        fields: dict[str, Any] = {"data": schema(many=many)}
        if many:
            fields["meta"] = PageMetaSchema()
        _envelopes[(name, many)] = type(name, (serializers.Serializer,), fields)
    return _envelopes[(name, many)]


ERRORS = {
    401: OpenApiResponse(
        ErrorSchema,
        description="No key, or a wrong, revoked or expired key, or an inactive agent.",
        examples=[OpenApiExample("Unauthenticated", {"message": "Unauthenticated."})],
    ),
    403: OpenApiResponse(ErrorSchema, description="The user is not an agent, or CSRF failed."),
    404: OpenApiResponse(ErrorSchema, description="The id does not exist."),
    409: OpenApiResponse(ErrorSchema, description="The request conflicts with the current state."),
    422: OpenApiResponse(
        ValidationErrorSchema,
        description="Validation failed.",
        examples=[
            OpenApiExample(
                "Invalid priority",
                {
                    "message": "The priority must be normal, high or urgent.",
                    "errors": {"ticket_priority": ["The priority must be normal, high or urgent."]},
                },
            )
        ],
    ),
    429: OpenApiResponse(
        ErrorSchema, description="Rate limited; the Retry-After header says after how many seconds."
    ),
}


def responses(
    code: int, schema: type[serializers.Serializer] | None, *errors: int, many: bool = False
) -> dict[int, Any]:
    """The success response and the errors an operation can answer, 401, 403 and 429 always."""
    result: dict[int, Any] = {
        code: OpenApiResponse(description="Deleted; no body.")
        if schema is None
        else envelope(schema, many=many)
    }
    for error in sorted({401, 403, 429, *errors}):
        result[error] = ERRORS[error]
    return result


PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="The page, from 1."),
    OpenApiParameter(
        "limit",
        int,
        description=f"Items per page: {Page.DEFAULT_LIMIT} by default, at most {Page.MAX_LIMIT}.",
    ),
]


def path_id(name: str = "id", description: str = "The ticket id.") -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=description)


def without_trailing_slashes(endpoints: list[tuple]) -> list[tuple]:
    """Our routes accept an optional trailing slash; the documented path has none."""
    result = []
    for path, path_regex, method, callback in endpoints:
        view_module = getattr(getattr(callback, "cls", None), "__module__", "")
        if view_module.startswith("tickets.api.") and path.endswith("/"):
            path = path.rstrip("/")
        result.append((path, path_regex, method, callback))
    return result
