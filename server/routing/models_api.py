"""HTTP for the learned category model: list trained versions with their reports, train, publish.

Admins only (analysts may read the list).  Training takes seconds (scikit-learn on a few thousand
short texts); publishing is one row update that every process picks up on its next classification.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK
from sqlalchemy import select

from server.accounts.guards import roles, whole_area_admin
from server.accounts.principal import Principal
from server.http import ApiError, app_state
from server.routing import learning
from server.routing.linear_model import ModelError
from server.routing.models import CategoryModel


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


def _routing(request: Request[Any, Any, Any]) -> Any:
    return app_state(request).services["routing"]


@get(
    "/api/v1/rules/models",
    operation_id="listCategoryModels",
    guards=[roles("admin", "analyst")],
    tags=["routing"],
    sync_to_thread=True,
)
def list_models(request: Request[Principal, Any, Any]) -> list[ModelOut]:
    """Trained model versions, newest first, each with its per-category change report."""
    with app_state(request).db.read_session() as s:
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
def train_model(request: Request[Principal, Any, Any]) -> ModelOut:
    """Train a new (unpublished) model from the corpus and every correction / closing label."""
    with app_state(request).db.session() as s:
        row = learning.train_draft(s, _routing(request).rules.current(s).rules, request.user.user_id)
        return _out(row, learning.active_model_id(s))


@post(
    "/api/v1/rules/models/{model_id:int}/publish",
    operation_id="publishCategoryModel",
    guards=[whole_area_admin],
    tags=["routing"],
    status_code=HTTP_200_OK,
    sync_to_thread=True,
)
def publish_model(request: Request[Principal, Any, Any], model_id: FromPath[int]) -> ModelOut:
    """Put model ``model_id`` in force (publishing an older one rolls back)."""
    try:
        with app_state(request).db.session() as s:
            row = learning.publish(s, model_id, request.user.user_id)
            return _out(row, row.id)
    except LookupError:
        raise ApiError(404, f"没有编号为 {model_id} 的模型") from None
    except ModelError as e:
        raise ApiError(400, f"模型有误，未发布：{e}") from None


route_handlers = [list_models, train_model, publish_model]
