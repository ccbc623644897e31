"""Pie and bar charts of the statistics, as inline SVG for the page and the PDF."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 10})
COLOURS = ["#23695a", "#7fb8a4", "#e0a23b", "#c4553a", "#8c8c8c", "#4a7fb5", "#b58bc2",
           "#d9c46c", "#5b6670"]


def _svg(fig, title):
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", transparent=True)
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    return svg.replace(">", f' role="img" aria-label="{title}">', 1)


def pie(title, labels, values):
    """A pie with each slice's share written beside it; empty slices are left out."""
    pairs = [(label, value) for label, value in zip(labels, values, strict=True) if value]
    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    if pairs:
        total = sum(v for _label, v in pairs)
        ax.pie([v for _l, v in pairs], colors=COLOURS[:len(pairs)], startangle=90,
               counterclock=False, wedgeprops={"linewidth": 1, "edgecolor": "white"},
               labels=[f"{label}\n{round(100 * v / total)} %" for label, v in pairs],
               labeldistance=1.15, textprops={"fontsize": 8})
    ax.set_title(title, fontsize=10)
    ax.axis("equal")
    return _svg(fig, title)


def bars(title, labels, values):
    fig, ax = plt.subplots(figsize=(4.2, 2.8))
    shown = [v or 0 for v in values]
    ax.bar(range(len(labels)), shown, color=COLOURS[0])
    ax.set_xticks(range(len(labels)), labels, fontsize=8, rotation=20, ha="right")
    for x, value in enumerate(values):
        ax.annotate("–" if value is None else str(value), (x, shown[x]), ha="center",
                    va="bottom", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, fontsize=10)
    return _svg(fig, title)
