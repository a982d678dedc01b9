"""Small helpers shared by the HTTP controllers."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class ApiError(HTTPException):
    """An HTTP error whose ``detail`` is the message a person reads (Chinese first)."""

    def __init__(
        self, status_code: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, extra=extra or None, headers=headers)
