"""Markdown reference of rent.php generated from the registry (`python -m contracts.docs > docs/api.md`)."""
from __future__ import annotations

import json

from .registry import (ACCOUNT_METHODS, ACCOUNT_PARAMS, ACCOUNT_PATH, ACCOUNT_REFUSALS, DIALECTS, METHODS,
                       NUMBER_FORMS, Method, Param)


def _param(p: Param) -> str:
    kind = {"enum": " | ".join(p.choices), "csv": "comma list"}.get(p.type, p.type)
    bounds = ""
    if p.minimum is not None or p.maximum is not None:
        bounds = f", {p.minimum if p.minimum is not None else ''}..{p.maximum if p.maximum is not None else ''}"
    name = p.name if p.required else f"[{p.name}]"
    return f"`{name}` ({kind}{bounds})"


def _shape(schema: dict) -> str:
    return json.dumps(_skeleton(schema), ensure_ascii=False)


def _skeleton(schema: dict):
    """A compact picture of a schema: types in place of values."""
    if "const" in schema:
        return schema["const"]
    if schema == {"not": {}}:
        return "(no data)"
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        return {k: _skeleton(v) for k, v in schema["properties"].items()}
    if kind == "object":
        return {"<code>": _skeleton(schema.get("additionalProperties", {}))}
    if kind == "array":
        return [_skeleton(schema.get("items", {}))]
    return kind or "any"


def method_section(m: Method) -> str:
    """The Markdown section of one method."""
    lines = [f"### `{m.name}`", "", m.summary + ".", "",
             f"- apikey: **{m.apikey}**" + (" · spends money" if m.spends else ""),
             "- parameters: " + (", ".join(_param(p) for p in m.params) or "none")]
    for variant, schema in m.shapes.items():
        speakers = [d for d in DIALECTS if m.variant_for(d) == variant]
        where = f"{variant}; " + (f"dialects: {', '.join(speakers)}" if speakers else "override only")
        lines.append(f"- data ({where}): `{_shape(schema)}`")
    if m.numbered:
        forms = {form: [d for d in DIALECTS if NUMBER_FORMS[d] == form] for form in ("full", "national")}
        lines.append(f"- number form: {', '.join(forms['full'])}: `pnumber` the whole number, `ccode` `\"\"`; "
                     f"{', '.join(forms['national'])}: `pnumber` without its dial code, `ccode` `\"+<dial>\"` "
                     "(docs/evidence.md W17)")
    return "\n".join(lines) + "\n"


def render() -> str:
    """The whole reference page."""
    head = ("# rent.php methods\n\nGenerated from `contracts/registry.py` by `python -m contracts.docs`; "
            "do not edit by hand. `[name]` marks an optional parameter. Every answer is "
            "`{\"status\":1,\"data\":...}` or `{\"status\":0,\"msg\":...}`. Each data shape (variant) "
            "names the dialects that answer with it (`live`, the default, rests on docs/evidence.md); any variant "
            "can be chosen per method with a world's `overrides`. The service's own reference page rents in RU, which "
            "the live catalogue lacks: the mock's `live` dialect (the default) answers `Unknown country: RU`, "
            "`--dialect documented` keeps RU.\n\n")
    return head + "\n".join(method_section(m) for m in METHODS.values()) + "\n" + account_section()


def account_section() -> str:
    """The Markdown section of the account API beside rent.php."""
    lines = [f"## The account API: `{ACCOUNT_PATH}`", "",
             "Beside rent.php, on the same apikeys and worlds (also under `/w/<world>/`). Parameters: "
             + ", ".join(_param(p) for p in ACCOUNT_PARAMS) + ". Refusals are plain text (HTTP 200): "
             + ", ".join(f"`{t}`" for t in ACCOUNT_REFUSALS.values()) + ".", ""]
    for m in ACCOUNT_METHODS.values():
        params = "".join(f"; {_param(p)}" for p in m.params)
        lines.append(f"- `metod={m.name}`: {m.summary}{params}: `{_shape(m.shape)}`")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
