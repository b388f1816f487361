"""Stage page assets (CSS, scripts), served inline under a CSP nonce."""
