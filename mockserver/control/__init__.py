"""The control plane under /_mock/.

Every module of operations is imported here, so whoever imports anything of the control plane (the
routes, or the log replay before any route exists) sees the complete registry `ops.OPS`.
"""
from . import catalogue_ops, diagnostics, ops, scenario_ops, snapshots  # noqa: F401  (each registers its operations)
