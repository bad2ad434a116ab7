"""Write the generated documents into contracts/data/ (`python -m contracts.generate`); tests check they are current."""
from __future__ import annotations

import json
from pathlib import Path

from .openapi import account_openapi, json_schemas, openapi
from .registry import DIALECTS

DATA = Path(__file__).resolve().parent / "data"


def documents() -> dict[str, str]:
    """Relative path -> file text of every generated document."""
    out = {f"schemas/{name}": json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
           for name, doc in json_schemas().items()}
    for dialect in DIALECTS:
        out[f"openapi-{dialect}.json"] = json.dumps(openapi(dialect), indent=2, ensure_ascii=False) + "\n"
    out["openapi-account.json"] = json.dumps(account_openapi(), indent=2, ensure_ascii=False) + "\n"
    return out


def main() -> None:
    """Regenerate every document."""
    for rel, text in documents().items():
        path = DATA / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(documents())} files under {DATA}")


if __name__ == "__main__":
    main()
