"""Links to many rows of one kind, built with one `reverse()`.

A list page links each of its rows to that row's page. `{% url %}` per row
costs a full `reverse()` (≈ 16 µs, a quarter of the person list's row
rendering at 50 rows, docs/benchmarks.md); the path differs between rows
only in the key, so it is reversed once with a marker key and the marker
replaced per row.
"""

from collections.abc import Callable

from django.urls import reverse

# An integer no row has, so it cannot occur elsewhere in the path.
_MARKER = 9_876_543_210_123


def path_for_key(viewname: str) -> Callable[[int], str]:
    """`path(pk)` equal to `reverse(viewname, args=[pk])` for a route whose
    only argument is an integer key. Reversed when called (not at import),
    so a script prefix set for this request is honoured."""
    head, tail = reverse(viewname, args=[_MARKER]).split(str(_MARKER))
    return lambda pk: f"{head}{pk}{tail}"
