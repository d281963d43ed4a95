"""Small inline SVG charts, generated in Python: no network, no JavaScript library, no CDN.

Each function takes display-ready series (floats for geometry, strings for labels) and returns one
`<svg>` element. Geometry is the only arithmetic here; every figure comes from the document.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import cast

from llmcost.report._fmt import escape_html as escape

W, H = 560, 260
PAD_L, PAD_R, PAD_T, PAD_B = 64, 16, 16, 44
PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#84cc16", "#ec4899")


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    out, v = [], start
    while v <= hi + step * 0.5:
        out.append(round(v, 10))
        v += step
    return out


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _open(title: str, cls: str = "chart", w: int = W, h: int = H) -> list[str]:
    return [
        f'<svg class="{cls}" role="img" aria-label="{escape(title)}" viewBox="0 0 {w} {h}" '
        f'width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]


def _yaxis(ticks: list[float], y: Callable[[float], float], fmt: Callable[[float], str], w: int = W) -> list[str]:
    out = []
    for t in ticks:
        yy = y(t)
        out.append(f'<line x1="{PAD_L}" x2="{w - PAD_R}" y1="{yy:.1f}" y2="{yy:.1f}" class="grid"/>')
        out.append(f'<text x="{PAD_L - 6}" y="{yy + 4:.1f}" text-anchor="end" class="tick">{escape(fmt(t))}</text>')
    return out


def _value_frame(title: str, top: float, yfmt: Callable[[float], str]) -> tuple[list[str], Callable[[float], float]]:
    """A chart's opening and value axis from 0 to `top` rounded up to a nice tick, and its y scale."""
    ticks = nice_ticks(0.0, top or 1.0)
    high = ticks[-1]

    def y(v: float) -> float:
        return H - PAD_B - (H - PAD_T - PAD_B) * (v / high if high else 0)

    return _open(title) + _yaxis(ticks, y, yfmt), y


def empty(title: str, message: str) -> str:
    parts = _open(title)
    parts.append(f'<rect x="1" y="1" width="{W - 2}" height="{H - 2}" class="empty"/>')
    parts.append(f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" class="msg">{escape(message)}</text>')
    return "\n".join([*parts, "</svg>"])


def line_fan(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    fan: Sequence[tuple[str, float, float, float, float, float]] = (),
    yfmt: Callable[[float], str],
    y_max: float | None = None,
    color: str = PALETTE[0],
    no_values: str = "no data",
) -> str:
    """A daily line (None = no data) followed by a forecast fan: (label, p50, lo80, hi80, lo95, hi95).
    With no value at all (every day unknown) the chart says `no_values` instead of drawing $0."""
    xs = list(labels) + [f[0] for f in fan]
    vals = [v for v in values if v is not None] + [f[5] for f in fan] + [f[1] for f in fan]
    if not xs or not vals:
        return empty(title, "no data" if not xs else no_values)
    parts, y = _value_frame(title, y_max if y_max is not None else (max(vals) if vals else 1.0), yfmt)
    n = len(xs)

    def x(i: float) -> float:
        return PAD_L + (W - PAD_L - PAD_R) * (i / max(n - 1, 1))

    if fan:
        i0 = len(labels)
        for cls, lo_k, hi_k in (("fan95", 4, 5), ("fan80", 2, 3)):
            up = " ".join(f"{x(i0 + j):.1f},{y(cast(float, f[hi_k])):.1f}" for j, f in enumerate(fan))
            down = " ".join(f"{x(i0 + j):.1f},{y(cast(float, f[lo_k])):.1f}" for j, f in reversed(list(enumerate(fan))))
            parts.append(f'<polygon points="{up} {down}" class="{cls}"><title>{cls[3:]}% interval</title></polygon>')
        med = " ".join(f"{x(i0 + j):.1f},{y(f[1]):.1f}" for j, f in enumerate(fan))
        parts.append(f'<polyline points="{med}" class="median" fill="none"/>')
    seg: list[str] = []
    segs = []
    for i, v in enumerate(values):
        if v is None:
            if seg:
                segs.append(seg)
            seg = []
        else:
            seg.append(f"{x(i):.1f},{y(v):.1f}")
    if seg:
        segs.append(seg)
    for s in segs:
        parts.append(f'<polyline points="{" ".join(s)}" fill="none" stroke="{color}" stroke-width="1.6"/>')
    for i, v in enumerate(values):
        if v is not None:
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="1.6" fill="{color}">'
                f"<title>{escape(xs[i])}: {escape(yfmt(v))}</title></circle>"
            )
    step = max(1, n // 6)
    for i in range(0, n, step):
        parts.append(
            f'<text x="{x(i):.1f}" y="{H - PAD_B + 16}" text-anchor="middle" class="tick">{escape(xs[i])}</text>'
        )
    return "\n".join([*parts, "</svg>"])


def hbars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    vfmt: Callable[[float], str],
    notes: Sequence[str] | None = None,
    color: str = PALETTE[0],
) -> str:
    """Horizontal bars, one per label, value printed at the end of each bar."""
    if not labels:
        return empty(title, "no data")
    left = 250
    row = 24
    h = PAD_T + row * len(labels) + 12
    top = max(values) if values and max(values) > 0 else 1.0
    parts = _open(title, w=W, h=h)
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        yy = PAD_T + i * row
        bw = (W - left - 90) * (v / top)
        parts.append(
            f'<text x="{left - 6}" y="{yy + 15}" text-anchor="end" class="label">{escape(_short(lab, 36))}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{yy + 3}" width="{max(bw, 0.5):.1f}" height="{row - 8}" '
            f'fill="{PALETTE[i % len(PALETTE)] if color == "cycle" else color}">'
            f"<title>{escape(lab)}: {escape(vfmt(v))}</title></rect>"
        )
        note = notes[i] if notes else vfmt(v)
        parts.append(f'<text x="{left + bw + 6:.1f}" y="{yy + 15}" class="value">{escape(note)}</text>')
    return "\n".join([*parts, "</svg>"])


def grouped_bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    yfmt: Callable[[float], str],
) -> str:
    """Vertical bars grouped by label, one colour per series, with a legend."""
    if not labels:
        return empty(title, "no data")
    parts, y = _value_frame(title, max((v for _, vs in series for v in vs), default=1.0) or 1.0, yfmt)
    gw = (W - PAD_L - PAD_R) / len(labels)
    bw = gw * 0.8 / len(series)
    for i, lab in enumerate(labels):
        for k, (name, vs) in enumerate(series):
            v = vs[i]
            bx = PAD_L + i * gw + gw * 0.1 + k * bw
            parts.append(
                f'<rect x="{bx:.1f}" y="{y(v):.1f}" width="{bw:.1f}" height="{y(0) - y(v):.1f}" '
                f'fill="{PALETTE[k]}"><title>{escape(lab)} {escape(name)}: {escape(yfmt(v))}</title></rect>'
            )
        parts.append(
            f'<text x="{PAD_L + (i + 0.5) * gw:.1f}" y="{H - PAD_B + 16}" text-anchor="middle" '
            f'class="tick">{escape(lab)}</text>'
        )
    for k, (name, _) in enumerate(series):
        lx = PAD_L + 8 + k * 150
        parts.append(f'<rect x="{lx}" y="{H - 16}" width="10" height="10" fill="{PALETTE[k]}"/>')
        parts.append(f'<text x="{lx + 14}" y="{H - 7}" class="tick">{escape(name)}</text>')
    return "\n".join([*parts, "</svg>"])


def stacked_share(title: str, rows: Sequence[tuple[str, Sequence[tuple[str, float]]]]) -> str:
    """One 100% stacked bar per row: (row label, [(part label, share 0..1)])."""
    if not rows or not any(parts for _, parts in rows):
        return empty(title, "no data")
    left, row = 130, 46
    h = PAD_T + row * len(rows) + 40
    out = _open(title, h=h)
    names: list[str] = []
    for _, parts in rows:
        for n, _v in parts:
            if n not in names:
                names.append(n)
    for i, (lab, parts) in enumerate(rows):
        yy = PAD_T + i * row
        out.append(f'<text x="{left - 6}" y="{yy + 22}" text-anchor="end" class="label">{escape(lab)}</text>')
        x0 = float(left)
        for n, v in parts:
            w = (W - left - PAD_R) * max(v, 0.0)
            c = PALETTE[names.index(n) % len(PALETTE)]
            out.append(
                f'<rect x="{x0:.1f}" y="{yy + 6}" width="{w:.1f}" height="{row - 14}" fill="{c}">'
                f"<title>{escape(lab)} {escape(n)}: {v * 100:.1f}%</title></rect>"
            )
            if w > 40:
                out.append(
                    f'<text x="{x0 + w / 2:.1f}" y="{yy + 26}" text-anchor="middle" class="inbar">'
                    f"{escape(n)} {v * 100:.0f}%</text>"
                )
            x0 += w
    for k, n in enumerate(names):
        lx = left + k * 120
        out.append(f'<rect x="{lx}" y="{h - 22}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>')
        out.append(f'<text x="{lx + 14}" y="{h - 13}" class="tick">{escape(n)}</text>')
    return "\n".join([*out, "</svg>"])


def intervals(
    title: str,
    labels: Sequence[str],
    mids: Sequence[float],
    los: Sequence[float | None],
    his: Sequence[float | None],
    *,
    yfmt: Callable[[float], str],
) -> str:
    """Bars with 80% interval whiskers, side by side (scenarios)."""
    if not labels:
        return empty(title, "no data")
    parts, y = _value_frame(title, max([*mids, *(h for h in his if h is not None)]) or 1.0, yfmt)
    gw = (W - PAD_L - PAD_R) / len(labels)
    for i, lab in enumerate(labels):
        cx = PAD_L + (i + 0.5) * gw
        bw = gw * 0.5
        parts.append(
            f'<rect x="{cx - bw / 2:.1f}" y="{y(mids[i]):.1f}" width="{bw:.1f}" '
            f'height="{y(0) - y(mids[i]):.1f}" fill="{PALETTE[i % len(PALETTE)]}">'
            f"<title>{escape(lab)}: {escape(yfmt(mids[i]))}</title></rect>"
        )
        lo, hi = los[i], his[i]
        if lo is not None and hi is not None:
            parts.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(lo):.1f}" y2="{y(hi):.1f}" class="whisker"/>')
            for v in (lo, hi):
                parts.append(
                    f'<line x1="{cx - 8:.1f}" x2="{cx + 8:.1f}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="whisker"/>'
                )
        parts.append(
            f'<text x="{cx:.1f}" y="{H - PAD_B + 16}" text-anchor="middle" class="tick">{escape(lab[:22])}</text>'
        )
    return "\n".join([*parts, "</svg>"])
