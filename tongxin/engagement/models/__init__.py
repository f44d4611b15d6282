"""Cultivation and use (培养使用): what the office does with the persons in the registry.

Every record belongs to a region (the person's, or the organiser's) and follows the
same access rules as persons (see access.py). Nothing is deleted: a record that
should no longer count is cancelled (status 已撤销) and keeps its history.

By sub-domain: what every record is (`base.py`), clusters and organisations
(`organisations.py`), trainings, secondments, activities and bulk additions
(`activities.py`), positions, nominations and honours (`positions.py`),
invitations (`invitations.py`). Import from the package:
`from tongxin.engagement.models import Activity`."""

from .activities import (
    Activity,
    ActivityAttachment,
    ActivityParticipant,
    ActivityType,
    Attendance,
    ParticipantBatch,
    Secondment,
    Training,
    TrainingParticipant,
    _attachment_path,  # migration 0001 names the upload path by this module's name
)
from .base import PersonRecord, RecordStatus, RegionRecord
from .invitations import Invitation
from .organisations import Cluster, ClusterMembership, Organisation, OrganisationMember
from .positions import (
    LEVELLED_TYPES,
    NEXT_STAGE,
    Honour,
    Nomination,
    NominationStage,
    Position,
    PositionLevel,
    PositionType,
    current_positions_q,
)

__all__ = [
    "_attachment_path",
    "Activity",
    "ActivityAttachment",
    "ActivityParticipant",
    "ActivityType",
    "Attendance",
    "Cluster",
    "ClusterMembership",
    "Honour",
    "Invitation",
    "LEVELLED_TYPES",
    "NEXT_STAGE",
    "Nomination",
    "NominationStage",
    "Organisation",
    "OrganisationMember",
    "ParticipantBatch",
    "PersonRecord",
    "Position",
    "PositionLevel",
    "PositionType",
    "RecordStatus",
    "RegionRecord",
    "Secondment",
    "Training",
    "TrainingParticipant",
    "current_positions_q",
]
