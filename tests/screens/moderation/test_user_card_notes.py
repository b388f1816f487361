"""A moderator's user card: the offence count, the notes moderators share (newest first,
other people's words as text) and `n` to add one, a refusal reopening the note with its
words so nothing typed is lost. A viewer's card has none of it."""

from __future__ import annotations

from datetime import UTC

from textual.widgets import Input, Static

from tests.app_helpers import BOB, T0, chat_message, until
from tests.screens.moderation.host import Host
from tests.screens.moderation.notes_fakes import FakeNotes, FakeProfiles, Offences, bob_profile
from tui.screens.dialogs.note_input import NoteInput
from tui.screens.user_card import UserCard, offence_words


def card(notes: FakeNotes | None, *, moderator: bool = True) -> UserCard:
    return UserCard(
        chat_message(1, BOB, "GG"),
        lookup=FakeProfiles(),  # type: ignore[arg-type]
        scrollback=[chat_message(1, BOB, "GG")],
        now=T0,
        tz=UTC,
        moderator=moderator,
        broadcaster=False,
        notes=notes,  # type: ignore[arg-type]
    )


def text_of(app: Host, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def test_offences_in_words() -> None:
    assert offence_words(bob_profile()) == "3 offences (2 automatic, 1 manual)"
    assert offence_words(type("P", (), {"offences": Offences(0, 1)})()) == (
        "1 offence (0 automatic, 1 manual)"
    )
    assert offence_words(type("P", (), {"offences": Offences(0, 0)})()) == "no offences"
    assert offence_words(object()) == ""  # an older server: nothing said


async def test_a_moderators_card_shows_offences_and_notes() -> None:
    app = Host(card(FakeNotes()))
    async with app.run_test(size=(80, 24)):
        shown = app.screen
        assert isinstance(shown, UserCard)
        await until(lambda: shown.offences != "", "the profile")
        assert text_of(app, "#offences") == (
            "in the moderation log: 3 offences (2 automatic, 1 manual)"
        )
        await until(lambda: shown.notes_words.startswith("notes (2"), "the notes")
        notes = text_of(app, "#notes").splitlines()
        assert notes == [
            "notes (2, newest first):",
            "  11-27 20:30 Host: [@click=app.quit]second␛[2J warning",
            "  11-25 21:30 Mia: posted a scam link, warned",
        ]
        assert "n add note" in text_of(app, "#keys")


async def test_n_adds_a_note_and_the_card_shows_it() -> None:
    book = FakeNotes()
    app = Host(card(book))
    async with app.run_test(size=(80, 24)) as pilot:
        shown = app.screen
        await until(lambda: shown.notes_words.startswith("notes (2"), "the notes")
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, NoteInput), "the note dialog")
        await pilot.press(*"third strike", "enter")
        await until(lambda: book.added == [(BOB.user_id, "third strike")], "the note added")
        assert app.screen is shown
        await until(lambda: shown.notes_words.startswith("notes (3"), "the notes read again")
        assert "Host: third strike" in shown.notes_words


async def test_a_refused_note_reopens_with_what_was_typed() -> None:
    book = FakeNotes(refuse="a note is at most 500 characters")
    app = Host(card(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, NoteInput), "the note dialog")
        await pilot.press(*"too long", "enter")
        await until(
            lambda: isinstance(app.screen, NoteInput) and app.screen.error != "", "reopened"
        )
        dialog = app.screen
        assert dialog.query_one("#note", Input).value == "too long"
        assert text_of(app, "#error") == "could not add the note: a note is at most 500 characters"
        book.refuse = None
        await pilot.press("enter")
        await until(lambda: book.added == [(BOB.user_id, "too long")], "added the second time")


async def test_an_empty_note_is_not_sent() -> None:
    book = FakeNotes()
    app = Host(card(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, NoteInput), "the note dialog")
        await pilot.press("space", "enter")
        assert text_of(app, "#error") == "write the note first (esc cancels)"
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, UserCard), "back on the card")
    assert book.added == []


async def test_a_viewers_card_has_no_notes_and_no_note_key() -> None:
    app = Host(card(FakeNotes(), moderator=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.screen.query("#notes") and not app.screen.query("#keys")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, UserCard)
