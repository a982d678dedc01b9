"""Case codes and trace tokens (DESIGN §3, §6) — pure, no I/O.

A case code is ``JF-{county:6 digits}-{yyyy}-{6 Crockford base32}{check}``, made on the device at
filing time while offline.  The check character is Luhn mod N (N = 32) over the Crockford
alphabet, computed over ``{county}{year}{six chars}``: it catches every single-character typo and
almost every swap of two neighbouring characters, which is what goes wrong when a code is read out
over the phone.  ``tests/vectors/casecodes.json`` pins the behaviour for the TypeScript client.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass

__all__ = [
    "ALPHABET",
    "CaseCode",
    "InvalidCaseCode",
    "check_char",
    "is_valid",
    "make_code",
    "new_trace_token",
    "normalize",
    "parse",
    "trace_hash",
    "trace_url",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_N = len(ALPHABET)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
BODY_LEN = 6

_CODE_RE = re.compile(r"JF-(\d{6})-(\d{4})-([0-9A-HJKMNP-TV-Z]{6})([0-9A-HJKMNP-TV-Z])")
# Crockford decoding: letters that look like digits are read as those digits.
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
# Dashes people type or that an IME produces; NFKC already folds the full-width ones.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―]+")


class InvalidCaseCode(ValueError):
    """The text is not a well-formed case code, or its check character is wrong."""


@dataclass(frozen=True, slots=True)
class CaseCode:
    """A parsed case code: 6-digit county, year, 6-character body and its check character."""

    county: str
    year: int
    body: str
    check: str

    def __str__(self) -> str:
        return f"JF-{self.county}-{self.year:04d}-{self.body}{self.check}"


def _luhn_sum(symbols: str, double_first: bool) -> int:
    """Luhn mod N sum from the right; ``double_first`` doubles the rightmost symbol."""
    total = 0
    double = double_first
    for ch in reversed(symbols):
        try:
            addend = _VALUE[ch]
        except KeyError:
            raise InvalidCaseCode(f"不是克罗克福德 base32 字符：{ch!r}") from None
        if double:
            addend *= 2
            addend = addend // _N + addend % _N
        total += addend
        double = not double
    return total


def check_char(payload: str) -> str:
    """The Luhn mod 32 check character for ``payload`` (e.g. ``"33052220267K3M9Q"``)."""
    return ALPHABET[(_N - _luhn_sum(payload, double_first=True) % _N) % _N]


def _payload_ok(payload_with_check: str) -> bool:
    return _luhn_sum(payload_with_check, double_first=False) % _N == 0


def make_code(county: str, year: int, rand: bytes | None = None) -> str:
    """A new case code; ``rand`` (≥ 4 bytes, 30 bits used) makes it deterministic for tests."""
    if not re.fullmatch(r"\d{6}", county):
        raise ValueError(f"county code must be 6 digits: {county!r}")
    if not 1000 <= year <= 9999:
        raise ValueError(f"year must have 4 digits: {year}")
    raw = secrets.token_bytes(4) if rand is None else rand
    if len(raw) < 4:
        raise ValueError("rand needs at least 4 bytes")
    n = int.from_bytes(raw[:4], "big") >> 2  # 30 bits = 6 symbols of 5 bits
    body = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(BODY_LEN)))
    return f"JF-{county}-{year:04d}-{body}{check_char(f'{county}{year:04d}{body}')}"


def parse(code: str) -> CaseCode:
    """Split a canonical code into its parts; raises :class:`InvalidCaseCode`.

    Strict: lowercase or look-alike letters are rejected here — run :func:`normalize` on
    anything a person typed first.
    """
    m = _CODE_RE.fullmatch(code)
    if m is None:
        raise InvalidCaseCode(f"案件码格式不对：{code!r}")
    county, year, body, check = m.groups()
    if not _payload_ok(f"{county}{year}{body}{check}"):
        raise InvalidCaseCode(f"案件码校验位不对：{code!r}")
    return CaseCode(county=county, year=int(year), body=body, check=check)


def is_valid(code: str) -> bool:
    """True for a canonical code whose check character matches."""
    try:
        parse(code)
    except InvalidCaseCode:
        return False
    return True


def normalize(code: str) -> str:
    """Canonical form of a code a person typed or read out.

    Folds full-width characters, uppercases, drops spaces and dashes (re-inserting the dashes),
    and reads I/L as 1 and O as 0 as Crockford base32 prescribes.  The result is not
    necessarily valid: pass it to :func:`is_valid`.
    """
    s = unicodedata.normalize("NFKC", code).upper()
    s = _SEPARATORS.sub("", s).translate(_LOOKALIKES)
    if len(s) == 2 + 6 + 4 + BODY_LEN + 1 and s.startswith("JF"):
        return f"JF-{s[2:8]}-{s[8:12]}-{s[12:]}"
    return s


def new_trace_token() -> str:
    """128 random bits, base64url without padding: the secret inside a case's QR."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode("ascii")


def trace_hash(token: str) -> str:
    """Hex SHA-256 of the token's UTF-8 text: the only form the server stores."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def trace_url(base_url: str, code: str, token: str) -> str:
    """``{base}/t/{code}#k={token}``; the token sits in the fragment so it never reaches logs."""
    return f"{base_url.rstrip('/')}/t/{code}#k={token}"
