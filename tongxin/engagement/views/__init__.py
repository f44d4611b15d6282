"""The engagement pages, by sub-domain.

Every record type (`kinds.KINDS`) has the same five pages, written once in
`records.py`; `pages.py` binds them to a type's slug (`RecordPages`, and for
the types with persons on them `MemberPages`, `GroupPages`, `EventPages`),
and each type's module holds its binding (`activities.pages`,
`person_records.honours`, …), which urls.py routes to, and the pages with
rules of their own. `participants.py` holds the persons on an activity,
training, cluster or organisation; `invitations.py` the invitations;
`common.py` what they share.
"""
