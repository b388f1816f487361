"""The raid tools' models, no Textual: the held-for-review queue (`held.py`), the
moderators' news (`news.py`: shield mode, the held count, offences, approvals) and
deletions said together (`deletions.py`: a purge is one line)."""
