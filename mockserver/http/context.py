"""What a rent.php handler gets: the world, the caller's apikey, coerced values and the shape variant."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.world import World


@dataclass
class Call:
    """One rent.php call after dispatch and validation."""

    world: World
    apikey: str | None
    values: dict[str, Any]
    variant: str
    dialect: str = "documented"  # the world's dialect: number forms and texts follow it, shapes follow `variant`

    def get(self, name: str, default: Any = None) -> Any:
        """A coerced parameter value, or `default` when absent."""
        return self.values.get(name, default)
