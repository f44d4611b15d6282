"""Records about one person (positions, honours, secondments): their pages
(`positions`, `honours`, `secondments`) and the person's timeline panel."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from tongxin.people.access import person_for_user

from ..panels import timeline_context
from .common import require_reader
from .pages import RecordPages

# --- the person's timeline ---------------------------------------------------------------


@require_GET
def person_timeline_panel(request, pk: int):
    require_reader(request.user)
    person = person_for_user(request.user, pk)
    return render(
        request, "engagement/_timeline.html", {"panel": timeline_context(request, person)}
    )


# --- the pages of the records about one person --------------------------------------------

positions = RecordPages("positions")
honours = RecordPages("honours")
secondments = RecordPages("secondments")
