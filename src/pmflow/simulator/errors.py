"""GitHub's error answers, worded as GitHub words them.

Every error body carries `message`, `documentation_url` and, as GitHub has done since 2023,
`status` as a string. Validation errors add `errors`, a list of
`{resource, field, code[, message][, value]}` objects.
"""

from __future__ import annotations

from typing import Any

DOCS = "https://docs.github.com/rest"
RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY_DOCS = RATE_LIMIT_DOCS + "#about-secondary-rate-limits"

# PyGithub recognises a secondary limit by this opening (Requester.isSecondaryRateLimitError).
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)


class ApiError(Exception):
    """An answer other than success; raised anywhere in handling, turned into a response."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        documentation_url: str = DOCS,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.documentation_url = documentation_url
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            out["errors"] = self.errors
        out["documentation_url"] = self.documentation_url
        out["status"] = str(self.status)
        return out


def not_found(docs: str = DOCS) -> ApiError:
    return ApiError(404, "Not Found", documentation_url=docs)


def validation_failed(*errors: dict[str, Any], docs: str = DOCS) -> ApiError:
    return ApiError(422, "Validation Failed", errors=list(errors), documentation_url=docs)


def field_error(resource: str, field: str, code: str, **extra: Any) -> dict[str, Any]:
    """One entry of `errors`; `extra` holds `message` or `value` where GitHub gives them."""
    return {"resource": resource, "code": code, "field": field, **extra}


def too_long(resource: str, field: str, maximum: int, docs: str = DOCS) -> ApiError:
    message = f"{field} is too long (maximum is {maximum} characters)"
    return validation_failed(field_error(resource, field, "custom", message=message), docs=docs)


def invalid_request(detail: str, docs: str = DOCS) -> ApiError:
    """A body that does not fit the operation's schema (GitHub checks types before anything)."""
    return ApiError(422, f"Invalid request.\n\n{detail}", documentation_url=docs)


def bad_json(docs: str = DOCS) -> ApiError:
    return ApiError(400, "Problems parsing JSON", documentation_url=docs)
