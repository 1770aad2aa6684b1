"""All models, imported here so Alembic and the app see one complete metadata."""
from .alerts import (
    AlertAudience,
    AlertReason,
    AlertRound,
    AlertStatus,
    AlertSubscription,
    CalendarFeed,
    CoachAlertSetting,
    CoachCompanyVisit,
    GrantAlert,
    GrantAlertItem,
)
from .assessment import (
    Answer,
    Assessment,
    AssessmentStatus,
    DimensionScore,
    QuestionnaireVersion,
)
from .base import Base, utcnow
from .catalogue import Grant, GrantChangeKind, GrantRevision, GrantSnapshot, GrantSync, SyncOutcome, Track, TrackFormat
from .coaching import (
    ACTIVE_STATUSES,
    AssignmentStatus,
    CoachAssignment,
    CoachProfile,
    Enrolment,
    EnrolmentStatus,
    Note,
)
from .company import Company, Consent, ConsentKind, SizeClass
from .matching import FeedbackSource, Match, MatchFeedback, MatchKind, RankerModel
from .programme import AuditEntry, Programme, ProgrammeTarget
from .territory import AtecoCode, Comune, Territory, ThematicArea, territory_comuni
from .training import (
    Attendance,
    AttendanceSource,
    Certificate,
    EditionStatus,
    Participant,
    Registration,
    RegistrationStatus,
    SkillsCheck,
    SkillsMoment,
    TrainingEdition,
    TrainingSession,
)
from .user import ApiToken, Role, User

__all__ = [
    "AlertAudience", "AlertReason", "AlertRound", "AlertStatus", "AlertSubscription", "CalendarFeed",
    "CoachAlertSetting", "CoachCompanyVisit", "GrantAlert", "GrantAlertItem",
    "ACTIVE_STATUSES", "Answer", "ApiToken", "Assessment", "AssessmentStatus", "AssignmentStatus",
    "AtecoCode", "AuditEntry", "Base", "CoachAssignment", "CoachProfile", "Company", "Comune", "Consent",
    "ConsentKind", "DimensionScore", "Enrolment", "EnrolmentStatus", "FeedbackSource", "Grant",
    "GrantChangeKind", "GrantRevision", "GrantSync", "Match",
    "GrantSnapshot",
    "MatchFeedback", "MatchKind", "Note", "Programme", "ProgrammeTarget", "QuestionnaireVersion",
    "RankerModel", "Role", "SizeClass", "SyncOutcome", "Territory", "ThematicArea", "Track", "TrackFormat", "User",
    "territory_comuni", "utcnow",
    "Attendance", "AttendanceSource", "Certificate", "EditionStatus", "Participant", "Registration",
    "RegistrationStatus", "SkillsCheck", "SkillsMoment", "TrainingEdition", "TrainingSession",
]
