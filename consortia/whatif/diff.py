"""Compare two plan folders: who moved, which consortia split or merged, what changed in cost
and cover. Reads only the folders' ``assignments.csv`` and ``plan.yaml``.

A trust *moved* when it is in both plans and the set of trusts it shares a consortium with,
counting only trusts in both plans, differs (a consortium renamed from C03 to C05 with the same
members is not a move; a new trust joining is not a move of the others). This is the definition
``objective.moved`` prices. A trust that did not move but whose go-live changed is *retimed*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..costs import pounds
from ..planfolder import PlanFolder, read_plan_folder

__all__ = ["METRICS", "Move", "PlanDiff", "diff_plans", "diff_lines"]

METRICS = ("n_consortia", "n_standalone", "trusts_full_cover_pooled", "total_months_misaligned", "peak_market")


@dataclass(frozen=True)
class Move:
    """One trust whose co-members changed: where it was, where it is, who it left and joined."""

    trust: str
    consortium_a: str
    consortium_b: str
    left: tuple[str, ...]
    joined: tuple[str, ...]


@dataclass(frozen=True)
class PlanDiff:
    """The differences between plan ``a`` and plan ``b`` (``b`` minus ``a`` for numbers)."""

    a: PlanFolder
    b: PlanFolder
    moved: tuple[Move, ...] = ()
    retimed: tuple[tuple[str, str, str], ...] = ()
    only_a: tuple[str, ...] = ()
    only_b: tuple[str, ...] = ()
    split: tuple[tuple[str, tuple[str, ...]], ...] = ()
    merged: tuple[tuple[str, tuple[str, ...]], ...] = ()
    terms: dict[str, tuple[float, float]] = field(default_factory=dict)
    metrics: dict[str, tuple] = field(default_factory=dict)
    settings: dict[str, tuple] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()

    @property
    def objective(self) -> tuple[float | None, float | None]:
        return self.a.document.get("objective"), self.b.document.get("objective")

    @property
    def same(self) -> bool:
        """True when the two plans group and time every trust identically."""
        return not (self.moved or self.retimed or self.only_a or self.only_b)


def _flatten(data, prefix="") -> dict:
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): data}


def _changed_settings(a: dict, b: dict) -> dict[str, tuple]:
    """Scenario settings that differ between two plans (input paths and output folder aside)."""
    fa, fb = _flatten(a or {}), _flatten(b or {})
    skip = ("inputs.", "output.", "name", "baseline")
    return {k: (fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb))
            if fa.get(k) != fb.get(k) and not k.startswith(skip)}


def _regrouped(a: PlanFolder, b: PlanFolder, common: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Consortia of ``a`` whose common members are spread over two or more consortia of ``b``."""
    out = []
    for cid, members in sorted(a.members.items()):
        inside = members & common
        targets = sorted({b.consortium[t] for t in inside})
        if len(targets) > 1:
            out.append((cid, tuple(targets)))
    return out


def diff_plans(a: str | Path, b: str | Path) -> PlanDiff:
    """Compare plan folder ``a`` with plan folder ``b``."""
    pa, pb = read_plan_folder(a), read_plan_folder(b)
    common = set(pa.consortium) & set(pb.consortium)
    moved, retimed = [], []
    for trust in sorted(common):
        before, after = pa.co_members(trust) & common, pb.co_members(trust) & common
        if before != after:
            moved.append(Move(trust, pa.consortium[trust], pb.consortium[trust],
                              tuple(sorted(before - after)), tuple(sorted(after - before))))
        elif pa.go_live[trust] != pb.go_live[trust]:
            retimed.append((trust, pa.go_live[trust], pb.go_live[trust]))
    ta, tb = pa.document.get("terms") or {}, pb.document.get("terms") or {}
    ma, mb = pa.document.get("metrics") or {}, pb.document.get("metrics") or {}
    return PlanDiff(
        pa, pb, tuple(moved), tuple(retimed),
        tuple(sorted(set(pa.consortium) - common)), tuple(sorted(set(pb.consortium) - common)),
        split=tuple(_regrouped(pa, pb, common)), merged=tuple(_regrouped(pb, pa, common)),
        terms={k: (float(ta.get(k, 0.0)), float(tb.get(k, 0.0))) for k in list(ta) + [k for k in tb if k not in ta]},
        metrics={k: (ma.get(k), mb.get(k)) for k in METRICS if k in ma or k in mb},
        settings=_changed_settings(pa.document.get("settings"), pb.document.get("settings")),
        inputs=_changed_inputs(pa.document.get("inputs"), pb.document.get("inputs")))


def _changed_inputs(a, b) -> tuple[str, ...]:
    """Input kinds (trusts, rosters, ...) whose file contents differ between two plans."""
    a, b = a or {}, b or {}
    return tuple(sorted(k for k in set(a) | set(b)
                        if (a.get(k) or {}).get("sha256") != (b.get(k) or {}).get("sha256")))


def _round(x) -> str:
    """A number as people read it: whole numbers plain, others to 2 decimals."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _delta(a, b, unit: str = "") -> str:
    if unit == "GBP" and isinstance(a, (int, float)) and isinstance(b, (int, float)):
        change = b - a
        sign = "+" if change > 0 else ("-" if change < 0 else "\u00b1")
        return f"{pounds(a)} -> {pounds(b)} ({sign}{pounds(abs(change))})"
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        change = b - a
        sign = "+" if change > 0 else ("-" if change < 0 else "\u00b1")
        tail = f" {unit}" if unit else ""
        return f"{_round(a)} -> {_round(b)}{tail} ({sign}{_round(abs(change))})"
    return f"{a} -> {b}"


METRIC_WORDS = {"n_consortia": ("consortia", ""), "n_standalone": ("standalone trusts", ""),
                "trusts_full_cover_pooled": ("trusts with seven-day cover in their consortium", ""),
                "total_months_misaligned": ("months misaligned in total", "months"),
                "peak_market": ("most procurements to market in one period", "")}


def diff_lines(d: PlanDiff) -> list[str]:
    """The comparison as plain lines of text."""
    lines = [f"A: {d.a.path} ({d.a.document.get('status')}), B: {d.b.path} ({d.b.document.get('status')})"]
    for key, (x, y) in d.settings.items():
        lines.append(f"setting {key}: {x} -> {y}")
    if d.inputs:
        lines.append(f"input files changed: {' '.join(d.inputs)}")
    if d.same:
        lines.append("the plans group and time every trust identically")
    lines.append(f"{len(d.moved)} trust(s) moved" + (":" if d.moved else ""))
    for m in d.moved:
        change = []
        if m.left:
            change.append("left " + " ".join(m.left))
        if m.joined:
            change.append("joined " + " ".join(m.joined))
        lines.append(f"  {m.trust}: {m.consortium_a} -> {m.consortium_b} ({'; '.join(change)})")
    for trust, x, y in d.retimed:
        lines.append(f"  {trust}: same consortium, go-live {x} -> {y}")
    for label, codes in (("only in A", d.only_a), ("only in B", d.only_b)):
        if codes:
            lines.append(f"{label}: {' '.join(codes)}")
    for cid, parts in d.split:
        lines.append(f"split: A's {cid} -> B's {' + '.join(parts)}")
    for cid, parts in d.merged:
        lines.append(f"merged: A's {' + '.join(parts)} -> B's {cid}")
    oa, ob = d.objective
    ua, ub = (str(p.document.get("objective_unit") or "weighted units") for p in (d.a, d.b))
    if ua != ub:
        lines.append(f"objectives not comparable: A's is in {ua}, B's in {ub}")
    elif oa is not None and ob is not None:
        what, unit = ("cost over the term", "GBP") if ua == "GBP" else ("score (lower is better)", "points")
        lines.append(f"{what} {_delta(oa, ob, unit)}")
        for key, (x, y) in d.terms.items():
            lines.append(f"  {key} {_delta(x, y, unit)}")
    for key, (x, y) in d.metrics.items():
        words, unit = METRIC_WORDS.get(key, (key, ""))
        lines.append(f"{words}: {_delta(x, y, unit)}")
    return lines
