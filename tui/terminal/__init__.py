"""What reaches the terminal and comes from it: output pacing, SGR compaction, the link
gate, key bursts, untrusted text.
"""
