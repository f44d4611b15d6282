"""Every candidate pair over all persons (a full run): one indexed GROUP BY per
block, the pairs within each block scored many at once."""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.db import connection

from ..models import DuplicateRule

# Columns of each block: persons agreeing on all of them are compared.
from .scoring import (
    BATCH,
    BLOCKS,
    MAX_BLOCK,
    Candidate,
    IdNumbers,
    Rows,
    _married,
    _not_empty,
    _reads,
    _rows_of,
    _table,
    active_rules,
    merged_away_ids,
    scores,
)


def _block_rows(block: str, reads: list[str]) -> tuple[Rows, np.ndarray, np.ndarray, int]:
    """The persons of every block of 2..MAX_BLOCK persons with the columns
    the rules read: (rows, each block's first row, each block's size, how
    many larger blocks were skipped). One GROUP BY over the block's index
    finds the blocks; the rows come ordered by block."""
    columns = BLOCKS[block]
    table, cols, not_empty = _table(), ", ".join(columns), _not_empty(columns)
    extra = [c for c in reads if c not in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {not_empty} "
            f"GROUP BY {cols} HAVING COUNT(*) > %s) big",
            [MAX_BLOCK],
        )
        skipped = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT person_id, {', '.join([*columns, *extra])} FROM {table} "
            f"WHERE {not_empty} AND ({cols}) IN (SELECT {cols} FROM {table} WHERE {not_empty} "
            f"GROUP BY {cols} HAVING COUNT(*) BETWEEN 2 AND %s) ORDER BY {cols}, person_id",
            [MAX_BLOCK],
        )
        fetched = cursor.fetchall()
    names = [*columns, *extra]
    values = {name: [row[i + 1] for row in fetched] for i, name in enumerate(names)}
    rows = Rows([row[0] for row in fetched], values)
    del fetched
    if not len(rows):
        return rows, np.zeros(0, np.int64), np.zeros(0, np.int64), skipped
    # A block starts where any of its columns changes (the rows are ordered by them).
    changed = np.zeros(len(rows), dtype=bool)
    changed[0] = True
    for column in columns:
        values = rows[column]
        changed[1:] |= values[1:] != values[:-1]
    starts = np.flatnonzero(changed)
    sizes = np.diff(np.append(starts, len(rows)))
    return rows, starts, sizes, skipped


_TRIANGLES: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _pairs_within(starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows inside each block (i before j), blocks of one size at a time."""
    firsts, seconds = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for size in np.unique(sizes):
        if size not in _TRIANGLES:
            _TRIANGLES[int(size)] = np.triu_indices(int(size), 1)
        i, j = _TRIANGLES[int(size)]
        at = starts[sizes == size][:, None]
        firsts.append((at + i).ravel())
        seconds.append((at + j).ravel())
    return np.concatenate(firsts), np.concatenate(seconds)


def _married_pairs() -> Iterator[tuple[int, int]]:
    """Same employer, one's name is the other's name after its first character
    (王李芳 / 李芳): the employer blocks miss these, the surname differing and
    the given name too."""
    table = _table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k1.person_id, k2.person_id FROM {table} k1 JOIN {table} k2 "
            "ON k2.employer = k1.employer AND k2.name = k1.given "
            "WHERE k1.employer <> '' AND k1.given <> '' AND k1.person_id <> k2.person_id"
        )
        yield from cursor


@dataclass
class Run:
    candidates: list[Candidate]
    skipped_blocks: dict[str, int]


class _Found:
    """The best pair per (a, b): the first rule (in the rules' order) that finds it."""

    def __init__(self, rules: list[DuplicateRule]):
        self.order = {rule.pk: position for position, rule in enumerate(rules)}
        self.pairs: dict[tuple[int, int], Candidate] = {}

    def add(self, rule, rows: Rows, ia, ib, ids, excluded: np.ndarray) -> None:
        a_ids, b_ids = rows.ids[ia], rows.ids[ib]
        keep = ~(np.isin(a_ids, excluded) | np.isin(b_ids, excluded))
        ia, ib, a_ids, b_ids = ia[keep], ib[keep], a_ids[keep], b_ids[keep]
        for start in range(0, len(ia), BATCH):
            part = slice(start, start + BATCH)
            values = scores(rule, rows, ia[part], ib[part], ids)
            for k in np.flatnonzero(values >= rule.threshold):
                a, b = int(a_ids[part][k]), int(b_ids[part][k])
                pair = (a, b) if a < b else (b, a)
                known = self.pairs.get(pair)
                if known is None or self.order[known.rule.pk] > self.order[rule.pk]:
                    self.pairs[pair] = Candidate(*pair, rule, round(float(values[k]), 2))


def find_all(rules: list[DuplicateRule] | None = None) -> Run:
    """Every candidate pair over all persons: the first rule that finds a pair names it."""
    rules = active_rules() if rules is None else rules
    excluded = np.array(sorted(merged_away_ids()), dtype=np.int64)
    found, ids = _Found(rules), IdNumbers()
    skipped: dict[str, int] = {}
    blocks = list(dict.fromkeys(block for rule in rules for block in rule.blocking))
    for block in blocks:
        users = [rule for rule in rules if block in rule.blocking]
        rows, starts, sizes, skipped[block] = _block_rows(block, _reads(users))
        ia, ib = _pairs_within(starts, sizes)
        for rule in users:
            found.add(rule, rows, ia, ib, ids, excluded)
        del rows, ia, ib
    married_rules = [rule for rule in rules if _married(rule)]
    if married_rules:
        pairs = list(_married_pairs())
        rows = _rows_of((pk for pair in pairs for pk in pair), _reads(married_rules))
        position = {int(pk): i for i, pk in enumerate(rows.ids)}
        ia = np.array([position[a] for a, _b in pairs], dtype=np.int64)
        ib = np.array([position[b] for _a, b in pairs], dtype=np.int64)
        for rule in married_rules:
            found.add(rule, rows, ia, ib, ids, excluded)
    candidates = sorted(found.pairs.values(), key=lambda c: (c.person_a, c.person_b))
    return Run(candidates, skipped)
