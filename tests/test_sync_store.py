"""One contract suite for every ``OpStore``: ``MemoryStore``, ``SqlStore`` on SQLite and on PostgreSQL.

Each test gets a store inside a unit of work (``Env.store``); ``Env.reopen()`` commits it and starts a
new one, so a value read after it has really been through the database (not the session's cache).
The semantics tested are the ones ``server/sync/store/base.py`` documents; the sync service relies on
nothing else.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.models import User
from server.db import Database
from server.sync.merge import RecordState, fold, materialize
from server.sync.ops import Change, Kind, Op
from server.sync.store import MemoryStore, OpStore, SqlStore, StoredRecord


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def backend(request: pytest.FixtureRequest) -> str:
    """Overrides conftest's ``backend``: this module also runs over ``MemoryStore``."""
    return str(request.param)


class Env:
    """A store in a unit of work, and the user ids the SQL foreign keys accept."""

    def __init__(self, db: Database | None) -> None:
        self.db = db
        self.memory = MemoryStore() if db is None else None
        self._unit: AbstractContextManager[Session] | None = None
        self.store: OpStore = self._open()
        self.users = ["u-alice", "u-bob"]
        if isinstance(self.store, SqlStore):
            self.users = list(self.store.s.scalars(select(User.id).order_by(User.id).limit(2)))
            assert len(self.users) == 2, "the demo database has users"

    def _open(self) -> OpStore:
        if self.db is None:
            assert self.memory is not None
            return self.memory
        self._unit = self.db.session()
        return SqlStore(self._unit.__enter__())

    def reopen(self) -> OpStore:
        """Commit this unit of work and start the next one."""
        self.close()
        self.store = self._open()
        return self.store

    def rollback(self) -> OpStore:
        """Abandon this unit of work (as a server error would) and start the next one."""
        if self._unit is not None:
            self._unit.__exit__(RuntimeError, RuntimeError("abandoned"), None)
            self._unit = None
        self.store = self._open()
        return self.store

    def close(self) -> None:
        if self._unit is not None:
            self._unit.__exit__(None, None, None)
            self._unit = None


@pytest.fixture
def env(backend: str, request: pytest.FixtureRequest) -> Iterator[Env]:
    if backend == "memory":
        yield Env(None)
        return
    db = Database(request.getfixturevalue("db_url"))
    e = Env(db)
    yield e
    e.close()
    db.dispose()


_n = iter(range(1, 10**9))


def op(key: str, kind: Kind = "put", field: str | None = "summary", value: Any = "x", **kw: Any) -> Op:
    n = next(_n)
    entity = kw.pop("entity", "case")
    return Op(
        f"storetest1:{n}",
        f"{1_763_779_200_000 + n:015d}:0000:storetest1",
        entity,
        key,
        kind,
        field,
        value,
        **kw,
    )


def change(o: Op, seq: int) -> Change:
    return Change(o.id, o.ts, o.entity, o.key, o.kind, o.field, o.value, o.seen, seq=seq)


# -- append, known_ids, max_seq ----------------------------------------------------------------


def test_append_gives_strictly_increasing_seqs_and_max_seq_follows(env: Env) -> None:
    s = env.store
    base = s.max_seq()
    s.lock_for_write()
    seqs = [s.append(op("k1"), "k1", env.users[0]) for _ in range(5)]
    assert seqs[0] > base
    assert all(a < b for a, b in itertools.pairwise(seqs))
    assert s.max_seq() == seqs[-1]
    s = env.reopen()
    assert s.max_seq() == seqs[-1]
    s.lock_for_write()
    later = s.append(op("k1", "intent", "transition", {"to": "accepted"}), "k1", None)
    assert later > seqs[-1]
    assert s.max_seq() == later


def test_known_ids_answers_only_for_stored_ops(env: Env) -> None:
    s = env.store
    a, b, never = op("k1"), op("k2", "create", None, {"case": "k1", "body": "hi"}, entity="message"), op("k3")
    s.append(a, "k1", None)
    s.append(b, "k1", None)
    assert s.known_ids([a.id, never.id, b.id]) == {a.id, b.id}
    assert s.known_ids([]) == set()
    assert env.reopen().known_ids([never.id, a.id]) == {a.id}


def test_a_unit_of_work_that_fails_leaves_no_op_behind(env: Env) -> None:
    if env.db is None:
        pytest.skip("MemoryStore has no transactions (the service never rolls one back)")
    s = env.store
    s.lock_for_write()
    kept = s.append(op("k1"), "k1", None)
    s = env.reopen()
    lost = op("k1")
    s.lock_for_write()
    s.append(lost, "k1", None)
    s = env.rollback()
    assert s.known_ids([lost.id]) == set()
    assert s.max_seq() == kept
    assert [c.seq for c in s.history(["k1"], 10**9)] == [kept]


def test_writers_are_serialised_so_seq_order_is_commit_order(env: Env) -> None:
    if env.db is None:
        pytest.skip("MemoryStore serves one caller at a time")
    db = env.db
    first = env.store
    first.lock_for_write()
    first_seq = first.append(op("k1"), "k1", None)
    got: dict[str, int] = {}

    def second_writer() -> None:
        with db.session() as sess:
            store = SqlStore(sess)
            store.lock_for_write()
            got["seq"] = store.append(op("k2"), "k2", None)

    t = threading.Thread(target=second_writer)
    t.start()
    time.sleep(0.4)
    assert "seq" not in got, "a second writer must wait for the first to commit"
    env.reopen()
    t.join(timeout=30)
    assert got["seq"] > first_seq


# -- records --------------------------------------------------------------------------------------


def _tricky_ops() -> list[Op]:
    """Ops whose state exercises every part of a RecordState: puts of every JSON kind, sets with
    tombstones (seen and seen-less removes), a create with a non-object value, unicode."""
    k = "rt1"
    add1 = op(k, "add", "tags", "噪音")
    add2 = op(k, "add", "tags", "😀 emoji")
    return [
        op(k, "put", "summary", '邻居装修噪音扰民 "引号" \\ 反斜杠'),
        op(k, "put", "amount", 1.5),
        op(k, "put", "applicants", 3),
        op(k, "put", "category", None),
        op(k, "put", "org", {"id": "org-1", "levels": [1, 2.25, None, True], "名": "调委会"}),
        op(k, "put", "summary", "后来的摘要"),
        add1,
        add2,
        op(k, "add", "tags", {"b": 1, "a": [2]}),
        op(k, "remove", "tags", "噪音", seen=[add1.id]),
        op(k, "remove", "tags", "从未加过"),
        op(k, "add", "evidence", "ab" * 32),
        op(k, "create", None, ["a non-object created value", 7]),
    ]


def test_get_and_put_record_round_trip_a_state_exactly(env: Env) -> None:
    s = env.store
    ops = _tricky_ops()
    state = fold(ops)[("case", "rt1")]
    assert state.sets and state.created is not None and state.clock
    rec = StoredRecord("rt1", state, materialize(state), 42)
    s.put_record(("case", "rt1"), rec)
    s = env.reopen()
    got = s.get_record(("case", "rt1"))
    assert got == rec
    assert got is not None
    assert type(got.state.fields["amount"]) is float and type(got.state.fields["applicants"]) is int
    assert got.state.sets["tags"]['"噪音"'].removed == [ops[6].id]
    assert got.state.sets["tags"]['"从未加过"'].removed_before == ops[10].ts
    assert got.state.created == state.created
    assert got.view["tags"] == ["😀 emoji", {"a": [2], "b": 1}]  # by element_key: '"' < '{'
    assert s.get_record(("case", "never")) is None


def test_put_record_replaces_the_stored_record(env: Env) -> None:
    s = env.store
    first = fold([op("rp1", "put", "summary", "一")])[("case", "rp1")]
    s.put_record(("case", "rp1"), StoredRecord("rp1", first, materialize(first), 1))
    s = env.reopen()
    second = fold([op("rp1", "put", "summary", "二"), op("rp1", "add", "tags", "t")])[("case", "rp1")]
    s.put_record(("case", "rp1"), StoredRecord("rp1", second, materialize(second), 9))
    s = env.reopen()
    assert s.get_record(("case", "rp1")) == StoredRecord("rp1", second, {"summary": "二", "tags": ["t"]}, 9)


def test_put_record_stores_the_root_it_is_given(env: Env) -> None:
    s = env.store
    st = RecordState()
    s.put_record(("message", "m1"), StoredRecord("caseA", st, {}, 1))
    s = env.reopen()
    s.put_record(("message", "m1"), StoredRecord("caseB", st, {}, 2))
    s = env.reopen()
    assert s.get_record(("message", "m1")) == StoredRecord("caseB", st, {}, 2)
    assert s.records_of("caseA") == []
    assert s.records_of("caseB") == [("message", "m1")]


def test_records_of_lists_the_records_of_one_root(env: Env) -> None:
    s = env.store
    empty = RecordState()
    for rid, root in [
        (("case", "ro1"), "ro1"),
        (("party", "p2"), "ro1"),
        (("party", "p1"), "ro1"),
        (("message", "m1"), "ro1"),
        (("case", "ro2"), "ro2"),
        (("party", "p3"), "ro2"),
    ]:
        s.put_record(rid, StoredRecord(root, empty, {}, 1))
    s = env.reopen()
    got = s.records_of("ro1")
    assert len(got) == len(set(got))
    assert sorted(got) == [("case", "ro1"), ("message", "m1"), ("party", "p1"), ("party", "p2")]
    assert s.records_of("nothing") == []


# -- scope ------------------------------------------------------------------------------------------


def test_set_members_makes_the_tags_exact_and_logs_enters_and_leaves(env: Env) -> None:
    s = env.store
    assert s.members("sm1") == set()
    s.set_members("sm1", {"user:a", "org:x"}, 10)
    assert s.members("sm1") == {"user:a", "org:x"}
    s.set_members("sm1", {"user:a", "org:y"}, 12)
    s.set_members("sm1", {"user:a", "org:y"}, 13)  # no change, nothing logged
    s = env.reopen()
    assert s.members("sm1") == {"user:a", "org:y"}
    tags = ["user:a", "org:x", "org:y"]
    assert s.scope_events(tags, 0, 10) == [("sm1", "enter"), ("sm1", "enter")]
    assert sorted(s.scope_events(tags, 10, 12)) == [("sm1", "enter"), ("sm1", "leave")]
    assert s.scope_events(["org:x"], 10, 12) == [("sm1", "leave")]
    assert s.scope_events(["org:y"], 10, 12) == [("sm1", "enter")]
    assert s.scope_events(["user:a"], 10, 100) == []
    assert s.scope_events(tags, 12, 100) == []
    s.set_members("sm1", set(), 20)
    assert s.members("sm1") == set()
    assert s.scope_events(["user:a", "org:y"], 12, 20) == [("sm1", "leave"), ("sm1", "leave")]


def test_scope_events_filter_by_tag_and_window_in_seq_order(env: Env) -> None:
    s = env.store
    # Writer.finish logs roots in key order, each at its own first seq: the log is not in seq order.
    s.set_members("se_b", {"org:x"}, 9)
    s.set_members("se_a", {"org:x", "user:u"}, 5)
    s.set_members("se_c", {"user:v"}, 7)
    s.set_members("se_a", {"user:u"}, 11)
    s = env.reopen()
    assert s.scope_events(["org:x"], 0, 100) == [("se_a", "enter"), ("se_b", "enter"), ("se_a", "leave")]
    assert s.scope_events(["org:x"], 5, 11) == [("se_b", "enter"), ("se_a", "leave")]  # since < seq <= upto
    assert s.scope_events(["org:x"], 4, 9) == [("se_a", "enter"), ("se_b", "enter")]
    assert s.scope_events(["user:u", "user:v"], 0, 100) == [("se_a", "enter"), ("se_c", "enter")]
    assert s.scope_events(["org:none"], 0, 100) == []
    assert s.scope_events([], 0, 100) == []


def test_in_scope_is_any_shared_tag(env: Env) -> None:
    s = env.store
    s.set_members("is1", {"user:a", "all"}, 1)
    s.set_members("is2", {"org:x", "all"}, 1)
    s.set_members("is3", {"user:b"}, 1)
    s = env.reopen()
    assert s.in_scope(["is1", "is2", "is3", "unknown"], ["user:a", "org:x"]) == {"is1", "is2"}
    assert s.in_scope(iter(["is1", "is1", "is3"]), ["user:b"]) == {"is3"}
    assert s.in_scope(["is1", "is2", "is3"], ["all"]) == {"is1", "is2"}
    assert s.in_scope(["is1"], []) == set()
    assert s.in_scope([], ["all"]) == set()


# -- reads for a pull --------------------------------------------------------------------------------


def _log(env: Env) -> tuple[OpStore, list[Change]]:
    """Ops on three roots, interleaved: ch1 and ch2 in org:x, ch3 only in user:z."""
    s = env.store
    s.lock_for_write()
    made: list[Change] = []
    for i in range(12):
        root = ["ch1", "ch2", "ch3"][i % 3]
        if i == 4:
            o = op("p1", "put", "case", "ch2", entity="party")
        elif i == 7:
            o = op("m1", "create", None, {"case": "ch2", "body": "留言"}, entity="message")
        elif i == 9:
            o = op(root, "remove", "tags", "t", seen=["storetest1:1", "storetest1:2"])
        else:
            o = op(root, "put", "summary", f"第 {i} 次")
        made.append(change(o, s.append(o, root, None)))
    s.set_members("ch1", {"org:x"}, made[0].seq)
    s.set_members("ch2", {"org:x", "user:y"}, made[1].seq)
    s.set_members("ch3", {"user:z"}, made[2].seq)
    return env.reopen(), made


def test_changes_returns_ops_of_roots_in_scope_ascending(env: Env) -> None:
    s, made = _log(env)
    head = made[-1].seq
    base = made[0].seq - 1
    in_x = [c for i, c in enumerate(made) if i % 3 != 2]
    got = s.changes(["org:x"], base, head, 1000)
    assert got == in_x  # every field of every op, including None fields, values and seen
    assert [c.seq for c in got] == sorted(c.seq for c in got)
    assert s.changes(["user:z"], base, head, 1000) == made[2::3]
    assert s.changes(["user:y", "user:z"], base, head, 1000) == [c for i, c in enumerate(made) if i % 3]
    assert s.changes([], base, head, 1000) == []
    assert s.changes(["org:none"], base, head, 1000) == []


def test_changes_is_bounded_by_since_upto_and_limit(env: Env) -> None:
    s, made = _log(env)
    in_x = [c for i, c in enumerate(made) if i % 3 != 2]
    since, upto = made[3].seq, made[10].seq
    window = [c for c in in_x if since < c.seq <= upto]
    assert s.changes(["org:x"], since, upto, 1000) == window
    assert s.changes(["org:x"], since, upto, 2) == window[:2]
    assert s.changes(["org:x"], since, upto, 0) == []
    assert s.changes(["org:x"], upto, upto, 1000) == []
    assert s.changes(["org:x"], made[-1].seq, made[-1].seq + 100, 1000) == []


def test_changes_follow_the_current_scope_not_the_scope_when_written(env: Env) -> None:
    s, made = _log(env)
    s.set_members("ch1", set(), made[-1].seq)  # left org:x
    s.set_members("ch3", {"user:z", "org:x"}, made[-1].seq)  # entered it
    s = env.reopen()
    got = s.changes(["org:x"], 0, made[-1].seq, 1000)
    assert got == [c for i, c in enumerate(made) if i % 3 != 0]


def test_history_is_every_op_of_the_roots_up_to_a_seq(env: Env) -> None:
    s, made = _log(env)
    assert s.history(["ch3"], made[-1].seq) == made[2::3]
    assert s.history(["ch1", "ch3"], made[6].seq) == [c for i, c in enumerate(made[:7]) if i % 3 != 1]
    assert s.history(["ch2"], made[0].seq) == []
    assert s.history([], made[-1].seq) == []
    s.set_members("ch3", set(), made[-1].seq)  # history ignores scope: it is asked for named roots
    assert env.reopen().history(["ch3"], made[-1].seq) == made[2::3]


# -- follows and the case projection ---------------------------------------------------------------


def _case_view(env: Env, key: str, code: str) -> dict[str, Any]:
    return {
        "filer": env.users[0],
        "status": "submitted",
        "summary": "摘要",
        "code": code,
        "region": "330522001008",
    }


def test_add_follower_is_idempotent(env: Env) -> None:
    s = env.store
    s.project_case("fo1", _case_view(env, "fo1", "JF-330522-2026-0000001"))
    assert s.followers("fo1") == set()
    assert s.add_follower("fo1", env.users[1]) is True
    assert s.add_follower("fo1", env.users[1]) is False
    s = env.reopen()
    assert s.add_follower("fo1", env.users[1]) is False
    assert s.add_follower("fo1", env.users[0]) is True
    assert env.reopen().followers("fo1") == set(env.users)
    assert env.store.followers("other") == set()


def test_project_case_keeps_find_code_in_step(env: Env) -> None:
    from server import casecode

    code1 = casecode.make_code("330522", 2026, b"\x00\x00\x01\x00")
    code2 = casecode.make_code("330522", 2026, b"\x00\x00\x02\x00")
    s = env.store
    assert s.find_code(code1) is None
    s.project_case("pc1", _case_view(env, "pc1", code1))
    s.project_case("pc1", _case_view(env, "pc1", code1))  # projecting again changes nothing
    s = env.reopen()
    assert s.find_code(code1) == "pc1"
    s.project_case("pc1", {**_case_view(env, "pc1", code2), "tags": ["x"]})
    s = env.reopen()
    assert s.find_code(code2) == "pc1"
    assert s.find_code(code1) is None, "a code the case no longer holds finds nothing"
    s.project_case("pc2", {"status": "submitted", "summary": "还没有编号"})
    assert env.reopen().find_code("") is None
