"""The engagement pages, by sub-domain.

Every record type (`kinds.KINDS`) has the same five pages, written once in
`records.py`; each type's module names them (`activities.activity_list`,
`trainings.training_detail`, …) and adds the pages with rules of their own.
`participants.py` holds the persons on an activity, training, cluster or
organisation; `invitations.py` the invitations; `common.py` what they share.
"""
