"""Search in the message list (issue 11 §4): what a query means, over plain data.

A query is words to find in the text, `from:name` for a sender, or both
("from:alice keyboard"). Matching is case-insensitive (casefold, so "STRASSE" finds
"straße") and runs over the scrollback's `ChatMessage`s, never over drawn lines, so it
costs one pass over strings however the lines are wrapped or styled.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.ivs.events import ChatMessage

FROM: str = "from:"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    """Casefolded words to find in the message, as one phrase ("" matches any text)."""
    sender: str
    """Casefolded name (or user id) of the sender ("" matches anyone)."""

    @classmethod
    def parse(cls, typed: str) -> SearchQuery | None:
        """The query typed in the search box; None when there is nothing to look for."""
        sender = ""
        words: list[str] = []
        for word in typed.split():
            if word.casefold().startswith(FROM) and len(word) > len(FROM) and not sender:
                sender = word[len(FROM) :].removeprefix("@").casefold()
            else:
                words.append(word)
        text = " ".join(words).casefold()
        if not text and not sender:
            return None
        return cls(text, sender)

    def matches(self, message: ChatMessage) -> bool:
        if self.sender and self.sender not in (
            message.sender_name.casefold(),
            message.sender_id.casefold(),
        ):
            return False
        return not self.text or self.text in message.content.casefold()

    def describe(self) -> str:
        parts = [f"from:{self.sender}"] if self.sender else []
        if self.text:
            parts.append(f"“{self.text}”")
        return " ".join(parts)


__all__ = ["SearchQuery"]
