"""Broken variants of the mock and the script that measures conform against them."""
