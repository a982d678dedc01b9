"""The served area: which part of the province one deployment serves (DESIGN.md §11, ``JIEFEN_AREA``).

An area is an administrative prefix of a 12-digit region code: ``33`` the province (浙江省), ``3305``
a city (湖州市), ``330522`` a county (长兴县, the default). A region is inside the area when its code
starts with the prefix; a case code is inside when its 6-digit county starts with it. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DEFAULT_AREA", "Area", "AreaError", "county_of", "level_of", "parent_of"]

DEFAULT_AREA = "330522"
_PREFIX_RE = re.compile(r"\d{2}|\d{4}|\d{6}")


class AreaError(ValueError):
    """``JIEFEN_AREA`` is not a 2-, 4- or 6-digit administrative prefix."""


def level_of(code: str) -> str:
    """``province`` | ``city`` | ``county`` | ``town`` | ``village`` of a 12-digit code, by its zeros."""
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    if code[6:] == "0" * 6:
        return "county"
    if code[9:] == "000":
        return "town"
    return "village"


def parent_of(code: str) -> str | None:
    """The 12-digit code of the region containing ``code`` (None for a province)."""
    keep = {"village": 9, "town": 6, "county": 4, "city": 2}.get(level_of(code))
    return None if keep is None else code[:keep].ljust(12, "0")


def county_of(code: str) -> str:
    """The 6-digit county of a 12-digit region code (the county part of its case codes)."""
    return code[:6]


@dataclass(frozen=True, slots=True)
class Area:
    """A served area, e.g. ``Area.parse("3305")``."""

    prefix: str

    @classmethod
    def parse(cls, text: str) -> Area:
        """Raises :class:`AreaError` unless ``text`` is 2, 4 or 6 digits (not ending in ``00``)."""
        prefix = text.strip()
        if not _PREFIX_RE.fullmatch(prefix) or (len(prefix) > 2 and prefix.endswith("00")):
            raise AreaError(f"JIEFEN_AREA 应为 2、4 或 6 位行政区划代码前缀（如 33、3305、330522）：{text!r}")
        return cls(prefix)

    @property
    def root(self) -> str:
        """The area's own 12-digit region code (``3305`` → ``330500000000``)."""
        return self.prefix.ljust(12, "0")

    @property
    def level(self) -> str:
        return {2: "province", 4: "city", 6: "county"}[len(self.prefix)]

    def covers_region(self, code: str) -> bool:
        """True for a 12-digit region code inside the area (the area's own code included)."""
        return len(code) == 12 and code.isdigit() and code.startswith(self.prefix)

    def covers_county(self, county: str) -> bool:
        """True for a 6-digit county code (as in a case code) inside the area."""
        return (
            len(county) == 6
            and county.isdigit()
            and county[4:] != "00"
            and county.startswith(self.prefix[:6])
        )

    def narrow(self, prefix: str | None) -> str:
        """The longer of the area's prefix and ``prefix`` when one contains the other; raises
        :class:`AreaError` when ``prefix`` lies outside the area (a user bound elsewhere)."""
        if not prefix:
            return self.prefix
        if prefix.startswith(self.prefix):
            return prefix
        if self.prefix.startswith(prefix):
            return self.prefix
        raise AreaError(f"区划 {prefix} 不在本部署的服务范围 {self.prefix} 内")
