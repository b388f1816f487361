"""The local stack's IVS Chat: the control plane, the messaging socket, fan-out and the
review handler.
"""
