"""The IVS side: wire protocol, room client, control plane. Never imports textual."""
