"""The names evaluations/views.py calls, from where they now live.

The writes were split by sub-domain (issue 19): systems.py (指标体系),
rounds.py (批次), sheets.py (评分表), results.py (结果与出库建议), errors.py.
New code imports from those modules; this index stays only until the view
split moves evaluations/views.py onto them, and then goes.
"""

from .errors import EvaluationError
from .results import proposal_decide, round_close, round_results_export
from .rounds import (
    draft_refusal,
    persons_not_in_round,
    round_candidates,
    round_create,
    round_evaluator_remove,
    round_evaluators_add,
    round_open,
    round_person_remove,
    round_persons_add,
    round_update,
)
from .sheets import sheet_save, sheets_save_grid
from .systems import (
    indicator_system_save,
    indicator_system_set_active,
    system_is_used,
    system_with_tree,
    tree_of,
    weight_refusal,
)

__all__ = [
    "EvaluationError",
    "draft_refusal",
    "indicator_system_save",
    "indicator_system_set_active",
    "persons_not_in_round",
    "proposal_decide",
    "round_candidates",
    "round_close",
    "round_create",
    "round_evaluator_remove",
    "round_evaluators_add",
    "round_open",
    "round_person_remove",
    "round_persons_add",
    "round_results_export",
    "round_update",
    "sheet_save",
    "sheets_save_grid",
    "system_is_used",
    "system_with_tree",
    "tree_of",
    "weight_refusal",
]
