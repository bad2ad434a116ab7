"""Contract of the SMSPVA rent.php API: method registry, shapes per dialect, validators."""
from .registry import DIALECTS, METHODS, PATHS, Method, Param, data_schema, method, variant

__all__ = ["DIALECTS", "METHODS", "PATHS", "Method", "Param", "data_schema", "method", "variant"]
