"""The AWS Lambda that IVS calls as the room's message review handler. It forwards each
review to the app server's `POST /api/review`, signed, and hands back the server's answer.
It runs on Lambda's Python runtime with the standard library only; `package.py` builds its
zip, `cli.py` is `ivs-chat-tui review-handler`."""
