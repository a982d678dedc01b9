"""HTTP: regions and organisations (public: the PWA caches them for offline filing)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from sqlalchemy import select

from server.accounts.guards import own_org
from server.accounts.principal import Principal
from server.db import Database
from server.registry.models import Mediator, Org, Region


class RegionOut(msgspec.Struct):
    code: str
    name: str
    parent: str | None
    level: str
    population: int


class OrgOut(msgspec.Struct):
    id: str
    name: str
    level: str
    kind: str
    region: str
    categories: list[str]
    online: bool
    in_person: bool
    hotline: str | None


class MediatorOut(msgspec.Struct):
    id: str
    name: str
    specialities: list[str]
    capacity: int
    open_cases: int


class RegistryController(Controller):
    path = "/api/v1"
    tags = ("registry",)

    @get("/regions", operation_id="listRegions", sync_to_thread=True, cache=300)
    def regions(self, db: NamedDependency[Database]) -> list[RegionOut]:
        with db.session() as s:
            rows = s.scalars(select(Region).order_by(Region.code))
            return [RegionOut(r.code, r.name, r.parent, r.level, r.population) for r in rows]

    @get("/orgs", operation_id="listOrgs", sync_to_thread=True, cache=300)
    def orgs(self, db: NamedDependency[Database]) -> list[OrgOut]:
        with db.session() as s:
            rows = s.scalars(select(Org).order_by(Org.id))
            return [
                OrgOut(
                    o.id, o.name, o.level, o.kind, o.region, o.categories, o.online, o.in_person, o.hotline
                )
                for o in rows
            ]

    @get(
        "/orgs/{org_id:str}/mediators", operation_id="listOrgMediators", guards=[own_org], sync_to_thread=True
    )
    def mediators(
        self, request: Request[Principal, Any, Any], org_id: FromPath[str], db: NamedDependency[Database]
    ) -> list[MediatorOut]:
        """An organisation's mediators with their load, for its own staff or an admin of its area.

        403 for an admin bound to another county or city (names and workloads are staff data)."""
        prefix = request.user.area_prefix() if request.user.role == "admin" else None
        with db.session() as s:
            if prefix is not None:
                region = s.scalar(select(Org.region).where(Org.id == org_id))
                if region is not None and not region.startswith(prefix):
                    raise PermissionDeniedException("只能查看本区域的机构")
            rows = s.scalars(select(Mediator).where(Mediator.org_id == org_id).order_by(Mediator.id))
            return [MediatorOut(m.id, m.name, m.specialities, m.capacity, m.open_cases) for m in rows]
