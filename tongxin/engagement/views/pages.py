"""Each record type's pages, bound to its slug.

A type's module makes one of these (`activities.pages`,
`person_records.honours`, …) and urls.py routes to its methods under the
names the templates build (`<slug>_list`, `<slug>_detail`, …). The pages
themselves are written once: the five every type has in records.py, the
persons on a record in participants.py, invitations in invitations.py.
"""

from . import invitations, participants, records


class RecordPages:
    """The five pages every record type has: list, create, detail, edit, cancel.

    `extra(request, record)` adds the type's own context to its detail page.
    """

    def __init__(self, slug: str, *, extra=None):
        self.slug = slug
        self.extra = extra

    def list(self, request):
        return records.record_list(request, self.slug)

    def create(self, request):
        return records.record_create(request, self.slug)

    def detail(self, request, pk: int):
        return records.record_detail(request, self.slug, pk, extra=self.extra)

    def edit(self, request, pk: int):
        return records.record_edit(request, self.slug, pk)

    def cancel(self, request, pk: int):
        return records.record_cancel(request, self.slug, pk)


class MemberPages(RecordPages):
    """A record with persons on it (organisations): one withdrawn when added by mistake."""

    def withdraw(self, request, pk: int, row_pk: int):
        return participants.person_withdraw(request, self.slug, pk, row_pk)


class GroupPages(MemberPages):
    """Persons added in bulk from the person list, and the ticked ones withdrawn (clusters)."""

    def add_persons(self, request, pk: int):
        return participants.add_persons(request, self.slug, pk)

    def withdraw_chosen(self, request, pk: int):
        return participants.withdraw_chosen(request, self.slug, pk)


class EventPages(GroupPages):
    """An event the persons attend (activities, trainings): 全部出席 and invitations."""

    def attended(self, request, pk: int):
        return participants.mark_attended(request, self.slug, pk)

    def invite(self, request, pk: int):
        return invitations.invite(request, self.slug, pk)

    def invitation_withdraw(self, request, pk: int, invitation_pk: int):
        return invitations.invitation_withdraw(request, self.slug, pk, invitation_pk)
