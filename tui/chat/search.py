"""Search in the message list: what a query means, over plain data.

A query is words to find in the text, `from:name` for a sender, or both
("from:alice keyboard"). Words match case-insensitively (casefold, so "STRASSE" finds
"straße"). `from:` matches the start of a sender's name, folded the way the app server
tells names apart (`tui.common.matching.folding`, `name_key` and `name_shape`: case, width,
look-alike letters), so `from:ada` finds "Ada (demo bot)" and `from:tr0ll` finds every
`tr0ll_...` a raid sends; or a user id, whole. Matching runs over the scrollback's
`ChatMessage`s, never over drawn lines, so it costs one pass over strings however the
lines are wrapped or styled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.common.matching.folding import name_key, name_shape
from tui.ivs.events import ChatMessage

FROM: str = "from:"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    """Casefolded words to find in the message, as one phrase ("" matches any text)."""
    sender: str
    """Casefolded start of the sender's name, or their user id ("" matches anyone)."""
    _sender_looks: tuple[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sender_looks", _looks(self.sender) if self.sender else ("", ""))

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
        sender = self.sender
        if sender:
            key, shape = _looks(message.sender_name)
            wanted_key, wanted_shape = self._sender_looks
            if (
                not key.startswith(wanted_key)
                and not shape.startswith(wanted_shape)
                and sender != message.sender_id.casefold()
            ):
                return False
        return not self.text or self.text in message.content.casefold()

    def describe(self) -> str:
        parts = [f"from:{self.sender}"] if self.sender else []
        if self.text:
            parts.append(f"“{self.text}”")
        return " ".join(parts)


_LOOKS: dict[str, tuple[str, str]] = {}
_LOOKS_MAX = 10_000


def _looks(name: str) -> tuple[str, str]:
    """What the app server compares names by: `name_key`, and `name_shape` (a capital I
    for a small l, "AIice") here case-folded, as the query is; remembered, since a search
    looks at every message and names repeat."""
    looks = _LOOKS.get(name)
    if looks is None:
        if len(_LOOKS) >= _LOOKS_MAX:  # a raid of fresh names: start again, bounded
            _LOOKS.clear()
        looks = _LOOKS[name] = (name_key(name), name_shape(name).casefold())
    return looks


__all__ = ["SearchQuery"]
