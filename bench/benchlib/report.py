"""Markdown tables: per row the median and min-max over rounds, and the ratio to
self-heal, both as the ratio of medians and as the median (min-max) of the ratios
taken round by round (the same round's measurements ran next to each other)."""
import statistics


class Samples:
    """Values of one row over the rounds; None marks a round the row could not run."""

    def __init__(self, name, does, unit):
        self.name, self.does, self.unit = name, does, unit
        self.values = []
        self.note = ""

    def add(self, value):
        self.values.append(value)

    def usable(self):
        return [v for v in self.values if v is not None]


def _fmt(v, unit):
    if v is None:
        return "-"
    if unit == "req/s" or unit == "fsync/s" or unit == "units/s":
        return f"{v:,.0f}"
    return f"{v:,.1f}" if v >= 10 else f"{v:.2f}"


def _ratio_text(row, ref):
    if ref is None or row is ref:
        return "1"
    pairs = [(a, b) for a, b in zip(row.values, ref.values) if a is not None and b]
    if not pairs:
        return "-"
    per_round = [a / b for a, b in pairs]
    of_medians = statistics.median(a for a, _ in pairs) / statistics.median(b for _, b in pairs)
    return (f"{of_medians:.3g}x (rounds {statistics.median(per_round):.3g}x, "
            f"{min(per_round):.3g}-{max(per_round):.3g})")


def table(title, workload, rows, unit, better, ref_name="self-heal"):
    """rows: Samples; better: 'higher' or 'lower'; unit None: each row in its own unit;
    ref_name None: no ratio column."""
    ref = next((r for r in rows if r.name == ref_name and r.usable()), None)
    ratio_head = f"row / {ref_name} ({better} is better)" if ref_name else "note"
    lines = [f"### {title}", "", workload, "",
             f"| row | per request | median {unit or ''} | min-max | n | {ratio_head} |",
             "|---|---|---:|---:|---:|---|"]
    for r in rows:
        xs = r.usable()
        if not xs:
            lines.append(f"| {r.name} | {r.does} | - | - | 0 | {r.note or 'not run'} |")
            continue
        u = r.unit
        suffix = "" if unit else f" {u}"
        spread = f"{_fmt(min(xs), u)}-{_fmt(max(xs), u)}{suffix}"
        ratio = _ratio_text(r, ref) if ref_name and r.unit == unit else "-"
        note = f" {r.note}" if r.note else ""
        lines.append(f"| {r.name} | {r.does}{note} | {_fmt(statistics.median(xs), u)}{suffix} | "
                     f"{spread} | {len(xs)} | {ratio} |")
    return "\n".join(lines) + "\n"
