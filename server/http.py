"""Small helpers shared by the HTTP controllers."""

from __future__ import annotations

from datetime import date
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


#: The days a date filter may name: beyond them a window's day arithmetic overflows (year 1, 9999).
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def check_days(*days: date | None) -> None:
    """ApiError 400 unless every given day (None: not given) lies within EARLIEST_DAY..LATEST_DAY."""
    if any(d is not None and not EARLIEST_DAY <= d <= LATEST_DAY for d in days):
        raise ApiError(400, f"日期应在 {EARLIEST_DAY.year}—{LATEST_DAY.year} 年之间")
