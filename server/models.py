"""Every table, imported in one place so Alembic and tests see the whole schema."""

from server.accounts.models import Token, User
from server.assessment.models import Rating
from server.audit.models import PersonalDataAccess
from server.cockpit.models import CaseCount
from server.consult.models import Consultation, GuidanceSet
from server.db import Base
from server.notify.models import PushDelivery, PushSubscriptionRow, SmsDelivery, VapidKeyRow
from server.ratelimit import RateBucket
from server.registry.models import Mediator, Org, Region
from server.routing.models import (
    CategoryCorrection,
    CategoryExample,
    CategoryModel,
    HolidayYear,
    RuleSet,
    Timer,
)
from server.sync.models import (
    Blob,
    BlobRef,
    CaseRow,
    Follow,
    OpRow,
    RecordRow,
    ReplicaOwner,
    ScopeLogRow,
    ScopeMember,
)

__all__ = [
    "Base",
    "Blob",
    "BlobRef",
    "CaseCount",
    "CaseRow",
    "CategoryCorrection",
    "CategoryExample",
    "CategoryModel",
    "Consultation",
    "Follow",
    "GuidanceSet",
    "HolidayYear",
    "Mediator",
    "OpRow",
    "Org",
    "PersonalDataAccess",
    "PushDelivery",
    "PushSubscriptionRow",
    "RateBucket",
    "Rating",
    "RecordRow",
    "Region",
    "ReplicaOwner",
    "RuleSet",
    "ScopeLogRow",
    "ScopeMember",
    "SmsDelivery",
    "Timer",
    "Token",
    "User",
    "VapidKeyRow",
]
