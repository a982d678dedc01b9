"""Case codes: the contract the server and the TypeScript client share (DESIGN §3)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.casecode import (
    ALPHABET,
    CaseCode,
    InvalidCaseCode,
    check_char,
    is_valid,
    make_code,
    new_trace_token,
    normalize,
    parse,
    trace_hash,
    trace_url,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "casecodes.json").read_text(encoding="utf-8")
)

counties = st.from_regex(r"\A[0-9]{6}\Z")
years = st.integers(min_value=2000, max_value=2099)
rands = st.binary(min_size=4, max_size=4)


def test_vectors_are_big_enough_for_the_client() -> None:
    assert VECTORS["alphabet"] == ALPHABET
    assert len(VECTORS["valid"]) >= 20
    assert len(VECTORS["invalid"]) >= 10
    kinds = {v["kind"] for v in VECTORS["invalid"]}
    assert {"typo", "swap"} <= kinds


@pytest.mark.parametrize("vec", VECTORS["valid"], ids=lambda v: v["code"])
def test_valid_vectors(vec: dict[str, str]) -> None:
    assert check_char(vec["payload"]) == vec["check"]
    assert is_valid(vec["code"])
    assert str(parse(vec["code"])) == vec["code"]


@pytest.mark.parametrize("vec", VECTORS["invalid"], ids=lambda v: v["code"])
def test_invalid_vectors(vec: dict[str, str]) -> None:
    assert not is_valid(vec["code"])
    with pytest.raises(InvalidCaseCode):
        parse(vec["code"])


@pytest.mark.parametrize("vec", VECTORS["normalize"], ids=lambda v: v["input"])
def test_normalize_vectors(vec: dict[str, str]) -> None:
    assert normalize(vec["input"]) == vec["normalized"]


def test_parse_gives_the_parts() -> None:
    code = make_code("330522", 2026, b"\x12\x34\x56\x78")
    cc = parse(code)
    assert cc == CaseCode(county="330522", year=2026, body=code[15:21], check=code[21])
    assert re.fullmatch(r"JF-330522-2026-[0-9A-HJKMNP-TV-Z]{7}", code)


def test_make_code_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="6 digits"):
        make_code("33052", 2026)
    with pytest.raises(ValueError, match="4 digits"):
        make_code("330522", 26)
    with pytest.raises(ValueError, match="4 bytes"):
        make_code("330522", 2026, b"\x00")


def test_make_code_is_random_without_rand() -> None:
    codes = {make_code("330522", 2026) for _ in range(50)}
    assert len(codes) == 50
    assert all(is_valid(c) for c in codes)


@given(counties, years, rands)
def test_made_codes_are_valid(county: str, year: int, rand: bytes) -> None:
    code = make_code(county, year, rand)
    assert is_valid(code)
    assert parse(code).county == county
    assert parse(code).year == year


@given(counties, years, rands, st.integers(min_value=0, max_value=15), st.sampled_from(ALPHABET))
def test_every_single_typo_is_caught(county: str, year: int, rand: bytes, i: int, ch: str) -> None:
    code = make_code(county, year, rand)
    positions = [p for p, c in enumerate(code) if c != "-" and p >= 3]  # the 17 checked symbols
    pos = positions[i]
    if pos < 15 and not ch.isdigit():
        ch = str(ALPHABET.index(ch) % 10)  # county and year stay digits, as a caller would type
    if code[pos] == ch:
        return
    assert not is_valid(code[:pos] + ch + code[pos + 1 :])


@given(counties, years, rands, st.integers(min_value=15, max_value=20))
def test_adjacent_swaps_in_the_random_part_are_caught(county: str, year: int, rand: bytes, pos: int) -> None:
    code = make_code(county, year, rand)
    a, b = code[pos], code[pos + 1]
    swapped = code[:pos] + b + a + code[pos + 2 :]
    # Luhn mod N misses exactly one swap: 0 ↔ Z (values 0 and N-1).
    if a == b or {a, b} == {"0", "Z"}:
        return
    assert not is_valid(swapped)


@given(counties, years, rands)
def test_a_code_read_over_the_phone_still_validates(county: str, year: int, rand: bytes) -> None:
    code = make_code(county, year, rand)
    spoken = code.lower().replace("-", " ").replace("1", "l").replace("0", "o")
    assert normalize(spoken) == code
    assert is_valid(normalize(spoken))


def test_lowercase_is_only_valid_after_normalize() -> None:
    code = make_code("330522", 2026, b"abcd")
    assert not is_valid(code.lower())
    assert is_valid(normalize(code.lower()))


def test_trace_token_is_128_bits_base64url() -> None:
    tokens = {new_trace_token() for _ in range(100)}
    assert len(tokens) == 100
    for t in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", t)
        assert len(base64.urlsafe_b64decode(t + "==")) == 16


def test_trace_hash_is_hex_sha256_of_the_token_text() -> None:
    token = "q4Zg3h0bN1Zl3mXv0y9aKw"
    assert trace_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", trace_hash(token))


def test_trace_url_keeps_the_token_in_the_fragment() -> None:
    url = trace_url("https://jf.example.cn/", "JF-330522-2026-7K3M9Q5", "tok_en-1")
    assert url == "https://jf.example.cn/t/JF-330522-2026-7K3M9Q5#k=tok_en-1"
