"""Rows of better-auth's schema, as the server handles them.

Dates stay in the wire format (ISO-8601 UTC with milliseconds and ``Z``): it
is what SQLite stores, what the JSON answers carry and, being fixed-width, it
compares correctly as text. Only PostgreSQL converts, at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class User:
    id: str
    name: str
    email: str
    email_verified: bool
    image: str | None
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        # Key order as better-auth's SQL adapters produce it.
        return {
            "name": self.name,
            "email": self.email,
            "emailVerified": self.email_verified,
            "image": self.image,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "id": self.id,
        }


@dataclass(slots=True)
class Session:
    id: str
    token: str
    user_id: str
    expires_at: str
    created_at: str
    updated_at: str
    ip_address: str | None
    user_agent: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "expiresAt": self.expires_at,
            "token": self.token,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "ipAddress": self.ip_address,
            "userAgent": self.user_agent,
            "userId": self.user_id,
            "id": self.id,
        }


@dataclass(slots=True)
class Account:
    """A credential account: the row that holds the password hash."""

    id: str
    account_id: str
    provider_id: str
    user_id: str
    password: str | None
    created_at: str
    updated_at: str


@dataclass(slots=True)
class SessionWithUser:
    session: Session
    user: User

    def to_json(self) -> dict[str, Any]:
        return {"session": self.session.to_json(), "user": self.user.to_json()}
