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


def _change(values: list) -> str:
    """How a series moved over the run, said in words: '1,000,000 → 995,000 (−0.50%)'."""
    first, last = values[0], values[-1]
    relative = f" ({(last - first) / first:+.2%})".replace("-", "−") if first else ""
    return f"{first:,.0f} → {last:,.0f}{relative}"


def figures(summary: dict) -> list[tuple[str, object]]:
    """The plots as matplotlib figures, (file name, figure): axes start at 0 with plain numbers, legends outside."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    series = summary["series"]
    days = [p["day"] for p in series]
    stock = [p["stock"] for p in series]
    charts = [
        ("balances.png", "Balances", [("total", [float(p["balance_total"]) for p in series])],
         [("median renter", [float(p["balance_median"]) for p in series]),
          ("10th percentile renter", [float(p["balance_p10"]) for p in series])]),
        ("orders.png", "Orders", [("running", [p["live_orders"] for p in series]),
                                  ("online (state 1)", [p["active_orders"] for p in series])], []),
        ("stock.png", "Numbers in stock", [(f"stock: {_change(stock)}", stock)], []),
    ]
    made = []
    for name, title, left, right in charts:
        # constrained layout makes room for a legend outside the axes, so it never hides a line
        fig, ax = plt.subplots(figsize=(8, 4), dpi=100, layout="constrained")
        for label, values in left:
            ax.plot(days, values, label=label)
        ax.set_xlabel("day")
        ax.set_ylabel("count" if name != "balances.png" else "total")
        ax.set_title(f"{title} — {summary['scenario']} (seed {summary['seed']})")
        ax.grid(alpha=0.3)
        axes = [ax]
        if right:
            twin = ax.twinx()
            for (label, values), style in zip(right, ("--", ":")):
                twin.plot(days, values, style, label=label, color="tab:orange")
            twin.set_ylabel("per renter")
            axes.append(twin)
        handles, labels = [], []
        for each in axes:
            # an offset (×1e6) or a cut-off axis makes a 0.5% change look like a collapse: plain numbers from 0
            each.ticklabel_format(axis="y", style="plain", useOffset=False)
            each.set_ylim(0, max(each.get_ylim()[1], 1) * 1.08)  # headroom: a flat line must not hide in the frame
            more = each.get_legend_handles_labels()
            handles, labels = handles + more[0], labels + more[1]
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8, frameon=False)
        made.append((name, fig))
    return made


def plot(summary: dict, out: Path) -> list[Path]:
    """balances.png, orders.png and stock.png from the daily series."""
    import matplotlib.pyplot as plt

    paths = []
    for name, fig in figures(summary):
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
