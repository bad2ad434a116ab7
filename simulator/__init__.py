"""Behaviour and load simulation (see the simulator issue)."""
