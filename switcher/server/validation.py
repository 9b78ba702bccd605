"""Request-body checks that answer with the same messages as better-auth's zod schemas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from switcher.protocol.email import is_email
from switcher.protocol.errors import ErrorCode
from switcher.server.errors import APIError
from switcher.server.passwords import well_formed

_MISSING = object()


def js_type(value: Any) -> str:
    """The name zod uses for what it received."""
    if value is _MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: type
    required: bool = True
    min_length: int = 0
    email: bool = False


class Schema:
    """An object schema: fields checked in order, every issue reported, unknown keys ignored."""

    def __init__(
        self, *fields: Field, optional_body: bool = False, with_additional_fields: bool = False
    ) -> None:
        self.fields = fields
        self.optional_body = optional_body
        # Sign-up's schema is the fields *and* a record of additional user
        # fields; zod reports a non-object body against both.
        self.with_additional_fields = with_additional_fields

    def parse(self, body: Any) -> dict[str, Any]:
        if body is _MISSING and self.optional_body:
            return {}
        if not isinstance(body, dict):
            message = f"[body] Invalid input: expected object, received {js_type(body)}"
            if self.with_additional_fields and body is not _MISSING:
                message += f"; [body] Invalid input: expected record, received {js_type(body)}"
            raise APIError(ErrorCode.VALIDATION_ERROR, message)
        issues: list[str] = []
        out: dict[str, Any] = {}
        for field in self.fields:
            value = body.get(field.name, _MISSING)
            if value is _MISSING and not field.required:
                continue
            expected = "boolean" if field.kind is bool else "string"
            if js_type(value) != expected:
                issues.append(
                    f"[body.{field.name}] Invalid input: expected {expected}, "
                    f"received {js_type(value)}"
                )
                continue
            if isinstance(value, str):
                value = well_formed(value)
                if field.email and not is_email(value):
                    issues.append(f"[body.{field.name}] Invalid email address")
                    continue
                if len(value) < field.min_length:
                    issues.append(
                        f"[body.{field.name}] Too small: expected string to have "
                        f">={field.min_length} characters"
                    )
                    continue
            out[field.name] = value
        if issues:
            raise APIError(ErrorCode.VALIDATION_ERROR, "; ".join(issues))
        return out


MISSING = _MISSING

SIGN_UP = Schema(
    Field("name", str),
    Field("email", str, email=True),
    Field("password", str, min_length=1),
    Field("image", str, required=False),
    Field("callbackURL", str, required=False),
    Field("rememberMe", bool, required=False),
    with_additional_fields=True,
)
SIGN_IN = Schema(
    Field("email", str),
    Field("password", str),
    Field("callbackURL", str, required=False),
    Field("rememberMe", bool, required=False),
)
SESSION_TOKEN = Schema(Field("sessionToken", str))
SIGN_OUT = Schema(optional_body=True)
