"""Months of rental behaviour on a virtual clock (`rent-mock simulate`) and load on any server (`rent-mock load`)."""
