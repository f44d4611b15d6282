"""The nomination stage rule as a property: whatever stages are asked for, in
whatever order, the stages that get recorded always follow 推荐 → 考察 → 决定 →
任职, with 未通过 only as an ending from an open stage."""

from hypothesis import given
from hypothesis import strategies as st

from tongxin.engagement.models import Nomination, RecordStatus
from tongxin.engagement.services import stage_error

Stage = Nomination.Stage
PATH = [Stage.RECOMMENDED, Stage.INSPECTED, Stage.DECIDED, Stage.APPOINTED]


@given(st.lists(st.sampled_from([s.value for s in Stage]), max_size=12))
def test_recorded_stages_always_follow_the_order(requests):
    nomination = Nomination(stage=Stage.RECOMMENDED, status=RecordStatus.ACTIVE)
    recorded = [Stage.RECOMMENDED]
    for stage in requests:
        if stage_error(nomination, stage) is None:
            nomination.stage = stage
            recorded.append(Stage(stage))
    if recorded[-1] == Stage.REJECTED:
        assert recorded[:-1] == PATH[: len(recorded) - 1]
        assert len(recorded) - 1 <= 3  # rejected from 推荐, 考察 or 决定, never after 任职
    else:
        assert recorded == PATH[: len(recorded)]


@given(st.sampled_from([s.value for s in Stage]))
def test_a_closed_or_cancelled_nomination_never_moves(stage):
    for closed in (Stage.APPOINTED, Stage.REJECTED):
        assert stage_error(Nomination(stage=closed, status=RecordStatus.ACTIVE), stage)
    cancelled = Nomination(stage=Stage.INSPECTED, status=RecordStatus.CANCELLED)
    assert stage_error(cancelled, stage) == "该提名已撤销。"
