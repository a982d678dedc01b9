"""Who sees and who writes which record: the one place scope rules live (DESIGN.md §2).

Visibility is by *tags*. A root record (a case, or a notification) carries tags; a principal reads
the roots carrying any of its tags (``Principal.scope_tags``):

| role        | reads                                           | its tags                   |
|-------------|-------------------------------------------------|----------------------------|
| citizen     | cases it filed; of cases it follows by QR token | user:ID                    |
|             | only their ``trace`` record (the public view)   |                            |
| grid_worker | cases it filed, and its village's               | user:ID, region:VILLAGE    |
| mediator    | cases assigned to its organisation              | user:ID, org:ORG           |
| org_admin   | its organisation's cases                        | user:ID, org:ORG           |
| court_clerk | cases sent to its court                         | user:ID, org:COURT         |
| analyst     | no personal records (aggregates via the cockpit)| –                          |
| admin       | everything, or its county's / city's cases      | user:ID, all / area:PREFIX |

Writing is narrower than reading: followers and a grid worker reading their village are read-only.

**Follow = trace view.** A QR follower never joins a case's own scope. Each followed case has a
second root, ``t:{case key}``, holding one server-written record ``("trace", case key)`` whose
``view`` field is the masked public trace (``server/qr/trace.py``: status, masked parties,
organisation, deadlines, timeline labels). Followers are the tags of that root only, so a
follower's pull carries the trace record and nothing of the case's parties, messages or free text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from server.accounts.principal import Principal
from server.vocabulary import CLOSED_STATES

FILER_ROLES = frozenset({"citizen", "grid_worker", "mediator", "org_admin", "admin"})
STAFF_ROLES = frozenset({"mediator", "org_admin", "court_clerk"})
# Roles with a personal scope (a ``user:ID`` tag): they can read what they follow. An analyst reads
# no record at all, so following would only write a follower row it can never use.
FOLLOW_ROLES = ("citizen", "grid_worker", "mediator", "org_admin", "court_clerk", "admin")

# Case fields the filer owns; ``code`` and ``trace_hash`` are fixed once set (they are in the QR).
FILER_FIELDS = frozenset(
    {"code", "summary", "description", "region", "channel", "amount", "applicants", "category", "trace_hash"}
)
WRITE_ONCE = frozenset({"code", "trace_hash"})


TRACE_ENTITY = "trace"
TRACE_PREFIX = "t:"


def root_kind(entity: str) -> str:
    """Which kind of root an op of ``entity`` belongs to: ``case``, ``notification`` or ``trace``."""
    return entity if entity in ("notification", TRACE_ENTITY) else "case"


def trace_root(case_key: str) -> str:
    """The root of a case's public trace record (what its QR followers read)."""
    return f"{TRACE_PREFIX}{case_key}"


def case_tags(view: Mapping[str, Any]) -> set[str]:
    """Who reads the whole case: its filer, its region's grid worker, its organisation and court."""
    tags = {"all"}
    if filer := view.get("filer"):
        tags.add(f"user:{filer}")
    if region := view.get("region"):
        tags.add(f"region:{region}")
        if isinstance(region, str) and len(region) == 12:
            # What an admin bound to a county or a city reads (Principal.scope_tags).
            tags.add(f"area:{region[:6]}")
            tags.add(f"area:{region[:4]}")
    for f in ("org", "court_org"):
        if org := view.get(f):
            tags.add(f"org:{org}")
    return tags


def trace_tags(followers: Iterable[str]) -> set[str]:
    """Who reads a case's trace record: the principals following it by QR (and nobody else)."""
    return {f"user:{u}" for u in followers}


def notification_tags(view: Mapping[str, Any]) -> set[str]:
    """Only its recipient reads a notification — not even an admin (it names cases and people)."""
    return {f"user:{view['user']}"} if view.get("user") else set()


def is_filer(p: Principal, case_view: Mapping[str, Any]) -> bool:
    """Whether ``p`` filed this case (its ``filer`` is ``p``'s user id)."""
    return bool(case_view.get("filer")) and case_view.get("filer") == p.user_id


def admin_covers(p: Principal, case_view: Mapping[str, Any]) -> bool:
    """An admin whose area (whole deployment, or its county/city) contains the case's region."""
    if p.role != "admin":
        return False
    prefix = p.area_prefix()
    return prefix is None or str(case_view.get("region") or "").startswith(prefix)


def reads_case(p: Principal, case_view: Mapping[str, Any]) -> bool:
    """Whether ``p`` reads this case by sync (shares a scope tag with it). Someone who does not is
    refused an intent with the same ``forbidden`` whatever the case's state, so a guessed key tells
    them nothing about the case."""
    return not case_tags(case_view).isdisjoint(p.scope_tags())


def is_handling_staff(p: Principal, case_view: Mapping[str, Any]) -> bool:
    """Staff of the organisation (or court) the case is with, or an admin of the case's area."""
    if p.role == "admin":
        return admin_covers(p, case_view)
    return (
        p.role in STAFF_ROLES
        and p.org_id is not None
        and p.org_id in (case_view.get("org"), case_view.get("court_org"))
    )


def is_routed(view: Mapping[str, Any]) -> bool:
    """Whether routing has placed the case (any status past ``submitted``): from then on its
    category is the mediator's and its village is fixed."""
    return view.get("status") not in (None, "submitted")


def may_write_case_field(p: Principal, view: Mapping[str, Any], field: str, kind: str) -> str | None:
    """None when allowed, else a rejection code (messages in ``MESSAGES``)."""
    if kind in ("add", "remove"):
        return None if is_filer(p, view) or is_handling_staff(p, view) else "forbidden"
    if not is_filer(p, view):
        return "forbidden"
    if field in WRITE_ONCE and view.get(field) not in (None, ""):
        return "write_once"
    if field == "category" and is_routed(view):
        return "category_locked"
    if field == "region" and is_routed(view):
        # Routing, the county's admins and court, deadlines and grid workers all follow the
        # region: moving a routed case would hand it to another county's staff behind its back.
        return "region_locked"
    if view.get("status") in CLOSED_STATES:
        return "case_closed"
    return None


def may_write_child(p: Principal, case_view: Mapping[str, Any]) -> str | None:
    """Parties, messages: the filer or the handling staff."""
    if is_filer(p, case_view) or is_handling_staff(p, case_view):
        return None
    return "forbidden"


MESSAGES = {
    "forbidden": "无权修改此案件",
    "write_once": "案件编号和二维码凭证一经生成不能修改",
    "category_locked": "案件已分派，类别请由调解员更正",
    "region_locked": "案件已分派，所在村（社区）不能再修改；如填错了请联系调解员",
    "case_closed": "案件已结束，不能再修改",
    "unknown_parent": "找不到所属案件，请先同步案件本身",
    "not_filer_role": "当前账号不能提交纠纷",
    "code_invalid": "案件编号校验位不正确",
    "code_taken": "案件编号与已有案件重复",
    "not_supported": "服务器暂不支持此操作",
    "not_yours": "只能修改自己的通知",
    "replica_taken": "此设备编号属于另一个账号，本批修改未保存；请重新打开应用后再同步",
    "id_conflict": "该操作编号已用于另一项内容，本条修改未保存",
}
