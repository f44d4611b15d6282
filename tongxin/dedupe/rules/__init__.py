"""Finding candidate pairs: block on indexed keys, then score with the rules.

A rule (models.DuplicateRule) names the blocks its candidates come from and
the comparisons it scores, each with a weight; a pair whose score reaches
the rule's threshold is a candidate. Blocking keeps it fast at a million
persons: each block is one indexed GROUP BY over PersonKey, and only
persons sharing a block are compared (CiviCRM's per-criterion queries over
the whole table are what makes its built-in dedupe slow at this scale).

Pairs are scored many at once: each comparison takes two arrays of row
positions (`Rows`) and answers an array of scores, equalities on object
arrays, similarities by rapidfuzz's `process.cpdist` in C++. The 1M benchmark
compares about 3 million pairs; one Python call per pair took most of a
quarter of an hour there (docs/benchmarks/dedupe.md).

By use: the blocks, comparisons and scores (`scoring.py`), a run over the
whole table (`scan.py`), lookups for records being entered (`lookup.py`).
Import from the package: `from tongxin.dedupe import rules`.
"""

from .lookup import entry_values, find_for, find_for_many
from .scan import Run, find_all
from .scoring import (
    BLOCKS,
    COMPARATORS,
    KEY_FIELDS,
    MAX_BLOCK,
    READS,
    Candidate,
    IdNumbers,
    Rows,
    active_rules,
    merged_away_ids,
    scores,
)

__all__ = [
    "BLOCKS",
    "COMPARATORS",
    "KEY_FIELDS",
    "MAX_BLOCK",
    "READS",
    "Candidate",
    "IdNumbers",
    "Rows",
    "Run",
    "active_rules",
    "entry_values",
    "find_all",
    "find_for",
    "find_for_many",
    "merged_away_ids",
    "scores",
]
