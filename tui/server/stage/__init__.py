"""The stage: the control plane as the service sees it."""
