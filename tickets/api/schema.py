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
from tickets.queries import MAX_ID


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
    403: OpenApiResponse(
        ErrorSchema,
        description="The user is not an agent, the agent's role does not allow this, "
        "or CSRF failed.",
    ),
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


# A record's id: the database's ids are 64-bit. A larger one in a path is a 404, in a query
# string or a body a 422.
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}

PAGE_PARAMETERS = [
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "maximum": Page.MAX_PAGE},
        description="The page, from 1.",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": Page.MAX_LIMIT},
        description=f"Items per page: {Page.DEFAULT_LIMIT} by default, at most {Page.MAX_LIMIT}.",
    ),
]


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    OpenApiParameter.HEADER,
    description="Makes a retry safe: the same key with the same request gets the first "
    "answer again (with the header `Idempotent-Replayed: true`) instead of doing it twice; "
    "with a different request it is a 422, while the first is still running a 409. Keys are "
    "kept 24 hours. A UUID per request is a good key.",
)


def query_id(name: str, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(name, ID_SCHEMA, description=description)


def path_id(name: str = "id", description: str = "The ticket id.") -> OpenApiParameter:
    return OpenApiParameter(name, ID_SCHEMA, OpenApiParameter.PATH, description=description)


def without_trailing_slashes(endpoints: list[tuple]) -> list[tuple]:
    """Our routes accept an optional trailing slash; the documented path has none."""
    result = []
    for path, path_regex, method, callback in endpoints:
        view_module = getattr(getattr(callback, "cls", None), "__module__", "")
        if view_module.startswith("tickets.api.") and path.endswith("/"):
            path = path.rstrip("/")
        result.append((path, path_regex, method, callback))
    return result


# What any operation of the API can answer besides its own codes, whichever view serves it:
# the key, the agent's role, the body's and query's size, a parameter the view never reads
# (`?format=`), the rate limit and the database's time limit.
COMMON_ERRORS = {
    401: ("ErrorSchema", "No key, or a wrong, revoked or expired key, or an inactive agent."),
    403: (
        "ErrorSchema",
        "The user is not an agent, the agent's role does not allow this, or CSRF failed.",
    ),
    413: (
        "ErrorSchema",
        "The body or query string is over a request limit; the message says which.",
    ),
    422: ("ValidationErrorSchema", "Validation failed: the errors name each parameter."),
    429: ("ErrorSchema", "Rate limited; the Retry-After header says after how many seconds."),
    503: (
        "ErrorSchema",
        "The request ran past the database's time limit and was stopped; narrow it and retry.",
    ),
}
NOT_FOUND = ("ErrorSchema", "The id does not exist.")
# No NUL character (a 422: PostgreSQL cannot store it), and for a required text at least
# one character that is not white space (a 422: texts are trimmed). White space as Python's
# str.strip() sees it, spelled out: regular expressions' \s differs between languages.
NO_NUL = "^[^\\u0000]*$"
_SPACE = (
    "\\t-\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
NON_BLANK = f"^[^\\u0000]*[^\\u0000{_SPACE}][^\\u0000]*$"
METHODS = {"get", "put", "post", "patch", "delete"}


def _error_response(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _request_component(operation: dict[str, Any], components: dict[str, Any]) -> list[dict]:
    """The component schemas of an operation's request body, one per media type."""
    found = []
    for media in operation.get("requestBody", {}).get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            found.append(components[ref.rsplit("/", 1)[1]])
    return found


def _constrain_text(field: dict[str, Any]) -> None:
    if field.get("type") == "array":
        _constrain_text(field.get("items", {}))
    if field.get("type") != "string" or "enum" in field or "format" in field:
        return
    field["pattern"] = NON_BLANK if field.get("minLength", 0) >= 1 else NO_NUL


def _constrain_texts(component: dict[str, Any]) -> None:
    for field in component.get("properties", {}).values():
        _constrain_text(field)


def add_common_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A postprocessing hook: every operation documents every status it can answer (the
    common errors, and 404 where the path names a record), an empty query value is allowed
    as none, a PATCH needs a body with at least one field, and texts in bodies state what
    the API refuses."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            common = dict(COMMON_ERRORS)
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                common[404] = NOT_FOUND
            for code, (schema, description) in common.items():
                responses.setdefault(str(code), _error_response(schema, description))
            operation["responses"] = dict(sorted(responses.items()))
            for parameter in operation.get("parameters", []):
                # An empty query value counts as not given (as an HTML form sends it); in an
                # array, "" is an item of its own, a valid text.
                if (
                    parameter.get("in") == "query"
                    and not parameter.get("required")
                    and parameter.get("schema", {}).get("type") != "array"
                ):
                    parameter["allowEmptyValue"] = True
            if method == "patch" and "requestBody" in operation:
                operation["requestBody"]["required"] = True
            for component in _request_component(operation, components):
                _constrain_texts(component)
                if method == "patch":
                    # At least one of its own fields: a body of only unknown keys is a 422.
                    component["minProperties"] = 1
                    component["anyOf"] = [
                        {"required": [name]} for name in component.get("properties", {})
                    ]
    return result
