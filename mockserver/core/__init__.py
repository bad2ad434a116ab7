"""The domain: worlds, clocks, catalogue, accounts, orders; no web code, no system clock."""
