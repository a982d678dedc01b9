"""The demo year, planned: which fictitious cases are filed when, by whom, and how each one ends.

Pure (a seeded ``random.Random``, no database): ``make_plan`` returns the plans that
``server/demo/cases.py`` runs through the real sync and routing path. The planted risk patterns
(a 拖欠工资 spike in 夹浦镇, a repeated respondent, two group disputes) are planned here.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from server import casecode
from server.registry.demo_data import DEMO_VILLAGE

Progress = Callable[[str, int, int], None]  # (stage, done, total), as server/registry/seed.py

SPIKE_TOWN = "330522103000"  # 夹浦镇
REPEAT_RESPONDENT = "钱国良"
REPEAT_PHONES = ("13905728866", "+86-139-0572-8866", "139-0572-8866", "13905728866")
KEY_PREFIX = "demo-"
EVENTS_PER_TRANSACTION = 150

# Rough shares of a county's people's mediation caseload (demo figures).
_CATEGORY_WEIGHTS: dict[str, float] = {
    "neighbor": 14,
    "marriage_family": 12,
    "private_lending": 9,
    "homestead_housing": 7,
    "property_management": 7,
    "labor": 5,
    "wage_arrears": 5,
    "traffic_accident": 6,
    "contract": 5,
    "tenancy": 4,
    "consumer": 4,
    "land_forest": 3,
    "inheritance": 3,
    "personal_injury": 3,
    "property_damage": 3,
    "village_affairs": 3,
    "construction": 2,
    "requisition_demolition": 2,
    "medical": 2,
    "environment": 1.5,
    "business": 1.5,
    "finance_insurance": 1,
    "company": 0.5,
    "intellectual_property": 0.5,
    "other": 2,
}
_SURNAMES = "王陈张李周吴徐沈朱钱杨金胡蒋孙姚施顾潘许俞郑马费钟丁范方汪叶邱蔡宋严章褚邵陆倪唐毛夏程谢姜"
_GIVEN_TEXT = (
    "建国 建华 国强 卫东 志刚 志强 伟 芳 丽华 军 敏 静 磊 海燕 红 林峰 春梅 志荣 国庆 晓东 立新 雪琴 佳琪 "
    "浩宇 子涵 欣怡 俊杰 一鸣 思远 宏伟 德福 永康 凤英 彩霞 金水 根宝 惠芬 益民 秀英 桂兰 玉珍 美华"
)
_GIVEN = tuple(_GIVEN_TEXT.split())
_COMPANIES = ("纺织厂", "服装厂", "建材公司", "物业公司", "装修公司", "电器商行", "汽修厂", "家具厂")
_AGREEMENTS = (
    "双方自愿达成调解协议，被申请人于十五日内一次性支付款项",
    "双方握手言和，约定互相谅解、恢复正常往来",
    "被申请人当场赔礼道歉并赔偿损失，申请人放弃其他请求",
    "双方同意分三期履行，逾期由村委会督促",
)
_FAIL_REASONS = ("双方分歧较大，经多次调解未能达成一致", "被申请人拒不到场参加调解", "赔偿数额差距过大")


@dataclass
class DemoReport:
    """What a demo run made: counts, its duration in seconds and one sample case to open."""

    cases: int = 0
    moves: int = 0
    rejected: int = 0
    skipped: int = 0  # planned moves left out: the case was declined with no level left to take it
    seconds: float = 0.0
    sample_code: str = ""
    sample_token: str = ""  # open /t/{code}#k={token} to see a demo case's trace


@dataclass
class Plan:
    """One demo case as planned before it is filed: facts, people and dated moves (UTC)."""

    key: str
    at: datetime
    region: str
    summary: str
    category: str | None  # the filer's own choice; None lets the classifier decide
    amount: float | None
    applicants: int
    channel: str
    filer: str  # user id
    filer_role: str
    applicant: tuple[str, str, str]  # name, phone, id number
    respondent: tuple[str, str]  # name, phone
    moves: list[tuple[datetime, str]] = field(default_factory=list)  # (time, move)
    code: str = ""
    token: str = ""


# -- the plan (pure, from the seed) -----------------------------------------------------------------
def _texts() -> dict[str, list[str]]:
    raw = resources.files("server.demo").joinpath("demo_texts.json").read_text("utf-8")
    texts: dict[str, list[str]] = json.loads(raw)["texts"]
    return texts


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17")) + f"{rng.randrange(10**9):09d}"


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(rng: random.Random, region: str) -> str:
    """A fictitious 18-character resident ID (GB 11643 check character) for the demo."""
    born = datetime(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    body = f"{region[:6]}{born:%Y%m%d}{rng.randrange(1000):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]
    return body + check


def _moves(rng: random.Random, filed: datetime, now: datetime) -> list[tuple[datetime, str]]:
    """The path of one case after filing, cut off at ``now`` (a case filed lately is still open)."""
    t = filed
    out: list[tuple[datetime, str]] = []

    def step(lo_h: float, hi_h: float, move: str) -> bool:
        nonlocal t
        t = t + timedelta(hours=rng.uniform(lo_h, hi_h))
        if t >= now - timedelta(minutes=5):
            return False
        out.append((t, move))
        return True

    r = rng.random()
    if r < 0.05:  # withdrawn before anyone accepted it
        step(2, 72, "withdrawn")
        return out
    if r < 0.09 and not step(2, 48, "declined"):  # declined: the system escalates it a level
        return out
    if not step(1, 60, "accepted"):
        return out
    r = rng.random()
    if r < 0.05:
        step(24, 240, "withdrawn")
    elif r < 0.76:
        if step(24, 600, "resolved") and rng.random() < 0.25 and step(24, 240, "confirmation_requested"):
            step(24, 240, "confirmed")
    elif (
        step(48, 700, "failed")
        and rng.random() < 0.45
        and step(24, 300, "filing_requested")
        and rng.random() < 0.6
    ):
        step(48, 300, "filed")
    return out


def _when(rng: random.Random, now: datetime, lo_days: float, hi_days: float) -> datetime:
    t = now - timedelta(days=rng.uniform(lo_days, hi_days))
    return t.replace(microsecond=0)


def make_plan(
    n: int,
    seed: int,
    now: datetime,
    villages: dict[str, list[str]],
    town_pop: dict[str, int],
    citizens: list[str],
    grid: tuple[str, str] | None,
) -> list[Plan]:
    """``n`` cases: the planted patterns first (up to 20), the rest spread over the past year."""
    rng = random.Random(seed)
    texts = _texts()
    cats = [c for c in _CATEGORY_WEIGHTS if c in texts]
    weights = [_CATEGORY_WEIGHTS[c] for c in cats]
    towns = sorted(t for t in town_pop if villages.get(t))
    pops = [max(town_pop[t], 1) for t in towns]
    plans: list[Plan] = []

    def add(at: datetime, town: str, category: str | None, text_cat: str, **kw: Any) -> Plan:
        region = rng.choice(villages[town])
        filer, role = rng.choice(citizens), "citizen"
        if grid is not None and region == grid[1] and rng.random() < 0.5:
            filer, role = grid[0], "grid_worker"
        applicant = (_name(rng), _phone(rng), _id_number(rng, region) if rng.random() < 0.5 else "")
        if rng.random() < 0.15:
            respondent = (
                f"{rng.choice(_SURNAMES)}{rng.choice('鑫盛达丰源泰')}{rng.choice(_COMPANIES)}",
                "",
            )
        else:
            respondent = (_name(rng), _phone(rng))
        amount = None
        if text_cat in ("private_lending", "wage_arrears", "contract", "traffic_accident", "construction"):
            amount = float(rng.choice((3000, 8000, 12000, 20000, 45000, 80000)))
        p = Plan(
            key=f"{KEY_PREFIX}{len(plans) + 1:05d}",
            at=at,
            region=region,
            summary=rng.choice(texts[text_cat]),
            category=category,
            amount=amount,
            applicants=1,
            channel="in_person" if rng.random() < 0.08 else "online",
            filer=filer,
            filer_role=role,
            applicant=applicant,
            respondent=respondent,
        )
        for k, v in kw.items():
            setattr(p, k, v)
        plans.append(p)
        return p

    planted = 0
    if n >= 12 and SPIKE_TOWN in villages:
        # A spike: unpaid wages at 夹浦镇's textile mills in the last 6 days (6 cases; few before).
        for _ in range(6):
            p = add(_when(rng, now, 0.2, 6), SPIKE_TOWN, "wage_arrears", "wage_arrears")
            p.moves = [(p.at + timedelta(hours=2), "accepted")] if rng.random() < 0.5 else []
        # One respondent in 4 cases across two towns in the last 80 days.
        towns2 = [t for t in towns if t != SPIKE_TOWN][:2] or towns
        for i, phone in enumerate(REPEAT_PHONES):
            p = add(
                _when(rng, now, 10 + 17 * i, 12 + 17 * i),
                towns2[i % len(towns2)],
                "private_lending",
                "private_lending",
                respondent=(REPEAT_RESPONDENT if i != 2 else f" {REPEAT_RESPONDENT} ", phone),
            )
            p.moves = _moves(rng, p.at, now)
        # Two group disputes, still open.
        for apps, cat, town in (
            (12, "requisition_demolition", "330522110000"),
            (8, "construction", towns[0]),
        ):
            town = town if town in villages else towns[0]
            p = add(_when(rng, now, 8, 20), town, cat, cat, applicants=apps)
            p.moves = [(p.at + timedelta(hours=5), "accepted")]  # open: in mediation
        # Fresh work for the demo logins: open cases of the last days in the demo village (the
        # `village_mediator` and `grid` inboxes) and a large one at its township (`mediator`).
        demo_town = DEMO_VILLAGE[:9] + "000"
        if demo_town in villages:
            for i, (cat, hours) in enumerate(
                (
                    ("neighbor", 3),
                    ("property_damage", 20),
                    ("homestead_housing", 44),
                    ("neighbor", 60),
                    ("village_affairs", 70),
                )
            ):
                p = add(now - timedelta(hours=hours), demo_town, None, cat)
                p.region = DEMO_VILLAGE
                p.moves = [(p.at + timedelta(hours=1), "accepted")] if i >= 3 else []
            p = add(_when(rng, now, 1, 2), demo_town, "private_lending", "private_lending", amount=150000.0)
            p.moves = []
        planted = len(plans)
    for _ in range(max(n - planted, 0)):
        # Filings grow a little over the year and dip around the Spring Festival (Feb).
        while True:
            at = _when(rng, now, 0.01, 364)
            growth = 0.75 + 0.25 * (1 - (now - at).days / 365)
            if at.month == 2:
                growth *= 0.6
            if rng.random() < growth:
                break
        town = rng.choices(towns, pops)[0]
        cat = rng.choices(cats, weights)[0]
        if town == SPIKE_TOWN and cat == "wage_arrears" and (now - at).days < 70:
            cat = "labor"  # keep the planted spike the only one in its cell
        chosen = cat if rng.random() < 0.3 else None
        apps = rng.choice((1, 1, 1, 1, 1, 2, 2, 3))
        p = add(at, town, chosen, cat, applicants=apps)
        p.moves = _moves(rng, p.at, now)
    for p in plans:
        # The county of the case's village: a 德清县 case is JF-330521-….
        p.code = casecode.make_code(p.region[:6], p.at.astimezone(UTC).year, rng.randbytes(4))
        p.token = base64.urlsafe_b64encode(rng.randbytes(16)).rstrip(b"=").decode("ascii")
    return plans[:n] if n < len(plans) else plans


def transition_value(move: str, rng: random.Random) -> dict[str, Any]:
    """The intent value of a planned move: its target state and the text that move must carry."""
    value: dict[str, Any] = {"to": move}
    if move == "resolved":
        value["agreement"] = rng.choice(_AGREEMENTS)
    elif move in ("failed", "declined"):
        value["reason"] = rng.choice(_FAIL_REASONS) if move == "failed" else "不属于本村调委会受理范围"
    elif move == "withdrawn":
        value["reason"] = "双方已自行和解"
    elif move == "confirmed":
        value["ruling"] = f"(2026)浙0522民特{rng.randrange(100, 999)}号"
    elif move == "filed":
        value["docket_no"] = f"(2026)浙0522民初{rng.randrange(1000, 9999)}号"
    return value
