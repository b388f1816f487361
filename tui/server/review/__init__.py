"""Message review: the app server's one policy, applied to every message as it is sent.

The room's message review handler (IVS's `messageReviewHandler`: a Lambda on AWS that
forwards here, the local stack calling here directly) posts each message to
`POST /api/review` before anyone sees it; the answer is ALLOW or DENY with a fixed
`Reason`. The room keeper asks the same decision after delivery, as the second line.

- `decision.py`: the decision itself, pure (`decide`);
- `store.py`: what it reads and counts in the shared store (one query for the sender's
  standing, one upsert for a viewer's flood count);
- `reviewer.py`: the two together, for the route and the room keeper;
- `secret.py`: the secret the callers sign with, kept as the broadcaster key is;
- `route.py`: the route, thin.
"""
