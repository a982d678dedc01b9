"""Accounts: staff login with lock-out, anonymous devices, bearer tokens, revocation."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.accounts.models import ROLES, Token, User
from server.accounts.passwords import hash_password, verify_password
from server.accounts.principal import Principal
from server.crossproc import announce
from server.refusals import StatusError
from server.registry.models import Mediator, Org
from server.settings import Settings


class AccountError(StatusError):
    """A refusal with an HTTP status and a message a person reads (Chinese)."""


def token_hash(token: str) -> str:
    """The SHA-256 of a bearer token, as 64 hex digits: only this is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(s: Session, user_id: str, kind: str) -> str:
    """A new random bearer token (43 URL-safe characters) for ``user_id``; ``kind`` is ``login`` (expires
    after ``token_ttl_days``) or ``device`` (does not). Only its hash is added to ``s``."""
    token = secrets.token_urlsafe(32)
    s.add(Token(token_hash=token_hash(token), user_id=user_id, kind=kind))
    return token


def create_user(
    s: Session,
    username: str,
    password: str,
    role: str,
    *,
    name: str = "",
    org_id: str | None = None,
    region: str | None = None,
    user_id: str | None = None,
) -> User:
    """Add a staff user with a hashed password (``name`` defaults to ``username``).

    Raises ``AccountError``: 400 for an unknown role, a password under 8 characters, an unknown
    ``org_id`` or an org-bound role (mediator, org admin, court clerk) without one; 409 when the
    username is taken. Messages are Chinese.
    """
    if role not in ROLES:
        raise AccountError(400, f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if len(password) < 8:
        raise AccountError(400, "密码至少 8 位")
    if s.scalar(select(User.id).where(User.username == username)):
        raise AccountError(409, f"用户名已存在：{username}")
    if org_id is not None and s.get(Org, org_id) is None:
        raise AccountError(400, f"未知机构：{org_id}")
    if role in {"mediator", "org_admin", "court_clerk"} and org_id is None:
        raise AccountError(400, f"角色 {role} 必须指定所属机构（--org）")
    user = User(
        id=user_id or f"u-{uuid.uuid4().hex[:16]}",
        username=username,
        password_hash=hash_password(password),
        role=role,
        name=name or username,
        org_id=org_id,
        region=region,
    )
    s.add(user)
    return user


def login(s: Session, username: str, password: str, now: datetime, settings: Settings) -> tuple[str, User]:
    """A token for a right username and password, else AccountError(401) (the same for an unknown
    user). Throttling is the caller's (``LoginBackoff`` per address and account): no lock here,
    so nobody can lock an account's owner out by guessing."""
    user = s.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or user.disabled:
        raise AccountError(401, "用户名或密码错误")
    return issue_token(s, user.id, "login"), user


def register_device(s: Session) -> tuple[str, User]:
    """An anonymous citizen user for a new phone, and its ``device`` token (never expires)."""
    user = User(id=f"d-{uuid.uuid4().hex[:16]}", role="citizen", name="")
    s.add(user)
    s.flush()
    return issue_token(s, user.id, "device"), user


def resolve(s: Session, token: str, now: datetime, settings: Settings) -> Principal | None:
    """Who holds ``token``, or None for an unknown or revoked token, a disabled user, or a login
    token older than ``settings.token_ttl_days`` at ``now`` (aware UTC)."""
    h = token_hash(token)
    row = s.execute(
        select(Token, User).join(User, User.id == Token.user_id).where(Token.token_hash == h)
    ).first()
    if row is None:
        return None
    tok, user = row
    if tok.revoked_at is not None or user.disabled:
        return None
    if tok.kind == "login" and tok.created_at < now - timedelta(days=settings.token_ttl_days):
        return None
    mediator_id = s.scalar(select(Mediator.id).where(Mediator.user_id == user.id))
    return Principal(
        user_id=user.id,
        role=user.role,
        name=user.name,
        org_id=user.org_id,
        region=user.region,
        mediator_id=mediator_id,
        token_hash=h,
    )


def revoke_token(s: Session, h: str, now: datetime) -> None:
    """Revoke one token; every server process forgets it when ``s`` commits (crossproc.py)."""
    s.execute(update(Token).where(Token.token_hash == h, Token.revoked_at.is_(None)).values(revoked_at=now))
    announce(s, f"token:{h}")


def revoke_user_tokens(s: Session, user_id: str, now: datetime) -> int:
    """Revoke all of a user's tokens (count returned); every process forgets them at commit."""
    res = s.execute(
        update(Token).where(Token.user_id == user_id, Token.revoked_at.is_(None)).values(revoked_at=now)
    )
    announce(s, f"user:{user_id}")
    return int(res.rowcount or 0)  # type: ignore[attr-defined]


def user_in_area(s: Session, user_id: str, prefix: str) -> bool:
    """True when the staff account ``user_id`` works inside the area ``prefix`` (its own region, or
    its organisation's); citizens and unbound accounts belong to no county and are False."""
    user = s.get(User, user_id)
    if user is None:
        return False
    region = user.region
    if region is None and user.org_id is not None:
        region = s.scalar(select(Org.region).where(Org.id == user.org_id))
    return bool(region) and str(region).startswith(prefix)
