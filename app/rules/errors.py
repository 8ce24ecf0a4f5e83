"""The one exception a rule raises."""
from __future__ import annotations


def N_(msgid: str) -> str:
    """Marks a message for translation; the view layer translates it when shown."""
    return msgid


class RuleViolation(Exception):
    """Input that a rule refuses. `msgid` is translated by the caller, with `params`."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        """The untranslated message with its parameters (logs), put together only when asked:
        the journal page makes a refusal for each locked lesson and shows its translation."""
        return self.msgid % self.params if self.params else self.msgid
