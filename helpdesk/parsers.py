"""The JSON parser of every API (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES). A module of its
own: DRF imports its parsers while it imports its views, which helpdesk.api uses."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing two bodies that would otherwise fail later with a 500:
    nesting deeper than Python's recursion allows (`[[[[...]]]]`), and a lone UTF-16
    surrogate (`"\\ud800"`), which is valid JSON but no text a UTF-8 column can store.
    Both become a ParseError, the 422 (a compatibility API's 400) of any unreadable body."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
            # Written back as UTF-8, which every string of the body must survive.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise exceptions.ParseError(
                "JSON parse error - the body is nested too deeply."
            ) from None
        except UnicodeEncodeError:
            raise exceptions.ParseError(
                "JSON parse error - a lone UTF-16 surrogate (such as \\ud800) is not text."
            ) from None
        return data
