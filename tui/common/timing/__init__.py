"""Time, standard library only: the clock, RFC 3339 times, durations as moderators type and
read them.
"""
