"""Every table, imported in one place so Alembic and tests see the whole schema.

Importing a domain's models module registers its tables on `Base.metadata`; nothing here is used
by name, so the imports are whole modules (no second list of class names to keep in step).
"""
# ruff: noqa: F401

import server.accounts.models
import server.assessment.models
import server.audit.models
import server.cockpit.models
import server.consult.models
import server.notify.models
import server.ratelimit
import server.registry.models
import server.routing.models
import server.sync.models
from server.db import Base

__all__ = ["Base"]
