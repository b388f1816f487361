"""The chat socket's plumbing: the link, read coalescing, request ids, the send budget, backoff."""
