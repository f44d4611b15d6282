"""The one error every evaluation write raises."""


class EvaluationError(Exception):
    """A refused write; `messages` are Chinese sentences naming the field."""

    def __init__(self, messages: list[str] | str, *, fields: dict | None = None):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.fields = fields or {}
        super().__init__("；".join(self.messages))
