"""Small-cell suppression with complementary suppression.

A table is a set of counted cells tied together by sums that a reader can see: the total
of the table, and derived cells such as "success" (stopped + reduced). A cell counting
fewer than `threshold` persons, but more than none, is suppressed (primary). Then, for
every sum of which some part is hidden, more parts are hidden until the hidden parts of
that sum are at least two cells that add up to at least `threshold` and to more than their
number: a reader who knows the sum and the shown parts learns only the total of the hidden
ones, which can then be split between them in more than one way.

Zeros are shown: a cell with nobody in it says nothing about a person.
"""

import dataclasses


@dataclasses.dataclass
class Table:
    """Counts keyed by cell name, and the sums a reader sees: {sum_cell: [part, ...]}."""

    cells: dict[str, int]
    sums: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def suppress(table: Table, threshold: int) -> set[str]:
    """The names of the cells to hide."""
    cells = table.cells
    hidden = {name for name, count in cells.items() if 0 < count < threshold}
    changed = True
    while changed:
        changed = False
        for total, parts in table.sums.items():
            group = [total, *parts]
            hidden_here = [name for name in group if name in hidden]
            if not hidden_here:
                continue
            if total in hidden:
                hidden_parts = [p for p in parts if p in hidden]
                # The total is hidden: the parts alone must not give it away.
                shown_parts = [p for p in parts if p not in hidden and cells[p] > 0]
                if not hidden_parts and shown_parts:
                    hidden.add(_smallest(shown_parts, cells))
                    changed = True
                continue
            hidden_parts = [p for p in parts if p in hidden]
            if _safe(hidden_parts, table, hidden, threshold):
                continue
            shown_parts = [p for p in parts if p not in hidden and cells[p] > 0]
            if shown_parts:
                hidden.add(_smallest(shown_parts, cells))
            else:
                hidden.add(total)
            changed = True
    return hidden


def _safe(hidden_parts, table, hidden, threshold):
    """Hidden parts of a shown sum are safe when there are two or more, their total is at
    least the threshold, and it exceeds the least they could add up to: then a unit can
    move between them, and none of them can be worked out."""
    cells = table.cells
    nonzero = [p for p in hidden_parts if cells[p] > 0]
    total = sum(cells[p] for p in hidden_parts)
    least = sum(_least(p, table, hidden) for p in hidden_parts)
    return len(nonzero) >= 2 and total >= threshold and total > least


def _least(name, table, hidden):
    """The smallest value a reader can be sure a hidden cell has: 1, or for a hidden sum,
    its shown parts plus the least of its hidden parts."""
    parts = table.sums.get(name)
    if not parts:
        return 1
    return sum(table.cells[p] if p not in hidden else _least(p, table, hidden)
               for p in parts)


def _smallest(names, cells):
    return min(names, key=lambda name: (cells[name], name))
