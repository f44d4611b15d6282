"""The evaluation pages, by sub-domain: indicator systems (`systems.py`),
rounds and their results (`rounds.py`), a draft round's persons and
evaluators (`round_drafts.py`), evaluators' sheets (`sheets.py`)."""
