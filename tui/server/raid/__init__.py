"""Raid tools in the app server: shield mode, the held-for-review queue, approvals, the
moderators' news stream; purge, shared notes and offence counts.

- `shield.py`: shield mode's state in the shared store, and each viewer's slow-mode slot;
- `held.py`: the queue of messages held for review, in the shared store;
- `approval.py`: the one-time signed marker an approved message carries, and sending it
  as its sender;
- `review.py`: what the message review asks of the three (`RaidReview`);
- `desk.py`: the calls behind the routes (`RaidDesk`), and the upkeep that ends shield
  mode and expires held messages;
- `events.py`: `GET /api/moderation/events`, the moderators' news;
- `routes.py`: the shield, held and news routes, thin;
- `purge.py`, `notes.py`, `notes_routes.py`, `offences.py`: purge, the notes moderators
  share about a user, offence counts.
"""
