"""The proxy's summary as a terminal table."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table


def print_summary(summary: dict, console: Console | None = None) -> None:
    """Calls per method with the dialects their answers fit, then facts, spending and differences."""
    console = console or Console()
    table = Table(title=f"rent-mock proxy: {summary['total']} calls")
    for column in ("method", "calls", "fits (dialect: answers)", "broke the reference"):
        table.add_column(column)
    for method, count in sorted(summary["calls"].items()):
        fits = ", ".join(f"{d}: {n}" for d, n in sorted(summary["dialects"].get(method, {}).items())) or "-"
        broken = "; ".join(summary["reference_broken"].get(method, {})) or "-"
        table.add_row(method, str(count), fits, broken[:120])
    console.print(table)
    for fact, n in summary["new_facts"].items():
        console.print(f"new fact ({n}×): {fact}")
    for kind, n in summary["upstream_errors"].items():
        console.print(f"upstream {kind} ({n}×)")
    refused = sum(summary["spend_refused"].values())
    cap = summary.get("cap")
    if cap:
        spent = f"spent: {summary['spent']} counted against the cap of {cap}"
    elif summary.get("mode") == "spy":
        spent = f"spent on the upstream: {summary['spent']} (spending calls answered by the shadow mock)"
    else:
        spent = f"spent: {summary['spent']} (no --allow-spend: spending calls are refused)"
    console.print(f"{spent} (balance change measured: {summary.get('measured_spend', '0')}); "
                  f"spending calls refused: {refused}")
    if summary.get("charged_over_estimates", "0") not in ("0", "0.00"):
        console.print(f"the upstream charged {summary['charged_over_estimates']} more than the prices it showed "
                      f"just before")
    if summary.get("recording_write_errors"):
        console.print(f"recording: {summary['recording_write_errors']} lines could not be written")
    if summary["diffs"]["known"] or summary["diffs"]["unknown"]:
        console.print(f"differences from the shadow mock: {summary['diffs']['unknown']} unexplained, "
                      f"{summary['diffs']['known']} known")
        for d in summary["diff_samples"][:20]:
            console.print(f"  {d['method']} {d['path']} ({d['kind']}): upstream {d['upstream']!r}, "
                          f"mock {d['shadow']!r}")
