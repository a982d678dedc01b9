"""HTTP for the learned category model: list trained versions with their reports, train, publish.

Admins only (analysts may read the list).  Training takes seconds (scikit-learn on a few thousand
short texts); publishing is one row update that every process picks up on its next classification.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK
from sqlalchemy import select

from server.accounts.guards import roles, whole_area_admin
from server.accounts.principal import Principal
from server.db import Database
from server.http import ApiError
from server.routing import learning
from server.routing.models import CategoryModel
from server.routing.service import RoutingService


class ModelOut(msgspec.Struct):
    id: int
    version: str
    created_at: str
    published_at: str | None
    in_force: bool
    report: dict[str, Any]


def _out(row: CategoryModel, active: int | None) -> ModelOut:
    return ModelOut(
        row.id,
        row.version,
        row.created_at.isoformat(),
        row.published_at.isoformat() if row.published_at else None,
        row.id == active,
        row.report,
    )


@get(
    "/api/v1/rules/models",
    operation_id="listCategoryModels",
    guards=[roles("admin", "analyst")],
    tags=["routing"],
    sync_to_thread=True,
)
def list_models(db: NamedDependency[Database]) -> list[ModelOut]:
    """Trained model versions, newest first, each with its per-category change report."""
    with db.read_session() as s:
        active = learning.active_model_id(s)
        rows = s.scalars(select(CategoryModel).order_by(CategoryModel.id.desc()).limit(50))
        return [_out(r, active) for r in rows]


@post(
    "/api/v1/rules/models",
    operation_id="trainCategoryModel",
    guards=[whole_area_admin],
    tags=["routing"],
    sync_to_thread=True,
)
def train_model(
    request: Request[Principal, Any, Any],
    db: NamedDependency[Database],
    routing: NamedDependency[RoutingService],
) -> ModelOut:
    """Train a new (unpublished) model from the corpus and every correction / closing label."""
    with db.session() as s:
        row = learning.train_draft(s, routing.rules.current(s).rules, request.user.user_id)
        return _out(row, learning.active_model_id(s))


@post(
    "/api/v1/rules/models/{model_id:int}/publish",
    operation_id="publishCategoryModel",
    guards=[whole_area_admin],
    tags=["routing"],
    status_code=HTTP_200_OK,
    sync_to_thread=True,
)
def publish_model(
    request: Request[Principal, Any, Any], model_id: FromPath[int], db: NamedDependency[Database]
) -> ModelOut:
    """Put model ``model_id`` in force (publishing an older one rolls back); an unusable model is a
    ``ModelError`` (400)."""
    try:
        with db.session() as s:
            row = learning.publish(s, model_id, request.user.user_id)
            return _out(row, row.id)
    except LookupError:
        raise ApiError(404, f"没有编号为 {model_id} 的模型") from None


route_handlers = [list_models, train_model, publish_model]
