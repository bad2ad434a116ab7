"""Outputs of a simulation: summary JSON, PNG plots (matplotlib) and a one-page HTML report."""
from __future__ import annotations

import html
import json
from pathlib import Path


def write_summary(summary: dict, out: Path) -> Path:
    """summary.json (deterministic for a seed)."""
    path = out / "summary.json"
    path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def plot(summary: dict, out: Path) -> list[Path]:
    """balances.png, orders.png and stock.png from the daily series."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    series = summary["series"]
    days = [p["day"] for p in series]
    charts = [
        ("balances.png", "Balances", [("total", [float(p["balance_total"]) for p in series])],
         [("median renter", [float(p["balance_median"]) for p in series]),
          ("10th percentile renter", [float(p["balance_p10"]) for p in series])]),
        ("orders.png", "Orders", [("running", [p["live_orders"] for p in series]),
                                  ("online (state 1)", [p["active_orders"] for p in series])], []),
        ("stock.png", "Numbers in stock", [("stock", [p["stock"] for p in series])], []),
    ]
    paths = []
    for name, title, left, right in charts:
        fig, ax = plt.subplots(figsize=(8, 3.6), dpi=100)
        for label, values in left:
            ax.plot(days, values, label=label)
        ax.set_xlabel("day")
        ax.set_ylabel(left[0][0] if not right else "total")
        ax.set_title(f"{title} — {summary['scenario']} (seed {summary['seed']})")
        ax.grid(alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        if right:
            twin = ax.twinx()
            for (label, values), style in zip(right, ("--", ":")):
                twin.plot(days, values, style, label=label, color="tab:orange")
            twin.set_ylabel("per renter")
            more = twin.get_legend_handles_labels()
            handles, labels = handles + more[0], labels + more[1]
        ax.legend(handles, labels, loc="upper left", fontsize=8)
        fig.tight_layout()
        path = out / name
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


def _rows(mapping: dict) -> str:
    return "".join(f"<tr><th scope='row'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in mapping.items())


def write_html(summary: dict, timing: dict, out: Path) -> Path:
    """report.html showing the figures and the plots."""
    a = summary["activation"]
    sections = [
        ("Money by kind", summary["money"]), ("Rentals", summary["rentals"]),
        ("Refused calls", summary["refused"] or {"none": 0}),
        ("Activation", {"requests": a["requests"], "online when checked": a["online_when_checked"],
                        **{f"wait {k} (s)": v for k, v in a["wait_seconds"].items()}}),
        ("SMS", summary["sms"]), ("Restores by outcome", summary["restores"] or {"none": 0}),
        ("Numbers", summary["numbers"]), ("Run", {"events": summary["events"], **timing}),
        ("Top spenders", {f"{s['renter']} ({s['apikey']})": s["spent"] for s in summary.get("top_spenders", [])}),
    ]
    tables = "".join(f"<section><h2>{html.escape(t)}</h2><table>{_rows(m)}</table></section>" for t, m in sections)
    images = "".join(f"<figure><img src='{n}' alt='{html.escape(alt)}'><figcaption>{html.escape(alt)}</figcaption>"
                     "</figure>" for n, alt in (("balances.png", "Balances over time"),
                                                ("orders.png", "Running and online orders over time"),
                                                ("stock.png", "Numbers in stock over time")))
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Simulation: {html.escape(summary['scenario'])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
main{{display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:1rem}}
table{{border-collapse:collapse;width:100%}}th,td{{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:left}}
td{{text-align:right}}img{{max-width:100%}}</style></head>
<body><h1>Simulation: {html.escape(summary['scenario'])}</h1>
<p>{summary['renters']} renters, {summary['days']} virtual days, seed {summary['seed']}.</p>
<main>{tables}</main>{images}</body></html>
"""
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
