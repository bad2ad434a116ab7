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

    def get(self, name: str, default: Any = None) -> Any:
        """A coerced parameter value, or `default` when absent."""
        return self.values.get(name, default)
