"""No suppressed value can be derived from what is shown (hypothesis property tests)."""

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from spor.reports.build import Formatter
from spor.reports.sections import OUTCOMES
from spor.reports.suppression import Table, suppress

THRESHOLD = st.integers(min_value=3, max_value=6)


def outcome_table(counts):
    cells = dict(zip(OUTCOMES, counts, strict=True))
    cells["n"] = sum(counts)
    cells["success"] = cells["stopped"] + cells["reduced"]
    return Table(cells, sums={"n": ["success", "unchanged", "increased", "unknown"],
                              "success": ["stopped", "reduced"]})


def category_table(counts):
    names = [f"c{i}" for i in range(len(counts))]
    cells = dict(zip(names, counts, strict=True))
    cells["n"] = sum(counts)
    return Table(cells, sums={"n": names})


def feasible(table, hidden, fixed, bound):
    """Is there an assignment of the hidden cells (each 1..bound, some fixed) that agrees
    with every shown cell and every sum?"""
    order = sorted(hidden - set(fixed))
    values = {name: count for name, count in table.cells.items() if name not in hidden}
    values.update(fixed)

    def consistent(partial):
        for total, parts in table.sums.items():
            group = [total, *parts]
            if all(name in partial for name in group):
                if partial[total] != sum(partial[p] for p in parts):
                    return False
            elif total in partial and all(p in partial or p in hidden for p in parts):
                known = sum(partial[p] for p in parts if p in partial)
                if known > partial[total]:
                    return False
        return True

    def search(i, partial):
        if not consistent(partial):
            return False
        if i == len(order):
            return True
        for value in range(1, bound + 1):
            partial[order[i]] = value
            if search(i + 1, partial):
                return True
            del partial[order[i]]
        return False

    return search(0, dict(values))


def assert_nothing_derivable(test, table, hidden):
    bound = max(table.cells.values()) + 3
    for name in hidden:
        test.assertGreater(table.cells[name], 0, f"{name}: a hidden cell is never empty")
        alternatives = [v for v in range(1, bound + 1) if v != table.cells[name]
                        and feasible(table, hidden, {name: v}, bound)]
        shown = {k: v for k, v in table.cells.items() if k not in hidden}
        test.assertTrue(alternatives, f"{name}={table.cells[name]} can be derived from {shown}")


class SuppressionPropertyTests(SimpleTestCase):
    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.integers(0, 12), min_size=5, max_size=5), THRESHOLD)
    def test_no_hidden_outcome_can_be_recomputed(self, counts, threshold):
        table = outcome_table(counts)
        hidden = suppress(table, threshold)
        assert_nothing_derivable(self, table, hidden)
        for name, count in table.cells.items():
            if 0 < count < threshold:
                self.assertIn(name, hidden)

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.integers(0, 10), min_size=2, max_size=6), THRESHOLD)
    def test_no_hidden_category_can_be_recomputed(self, counts, threshold):
        table = category_table(counts)
        hidden = suppress(table, threshold)
        assert_nothing_derivable(self, table, hidden)

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.integers(0, 12), min_size=5, max_size=5), THRESHOLD)
    def test_the_json_shows_no_hidden_count_or_percent(self, counts, threshold):
        table = outcome_table(counts)
        hidden = suppress(table, threshold)
        shown = Formatter(threshold).outcome(table)
        for name in OUTCOMES:
            if name in hidden:
                self.assertEqual(shown[name], {"count": None, "percent": None,
                                               "suppressed": True})
            else:
                self.assertEqual(shown[name]["count"], table.cells[name])
        if hidden & {"success", "n"}:
            self.assertIsNone(shown["success_percent"])


class SuppressionExampleTests(SimpleTestCase):
    def test_a_single_small_cell_takes_the_next_smallest_with_it(self):
        table = category_table([2, 7, 30, 0])
        self.assertEqual(suppress(table, 5), {"c0", "c1"})

    def test_two_small_cells_that_add_up_to_less_than_the_threshold_take_a_third(self):
        table = category_table([1, 1, 9, 30])
        self.assertEqual(suppress(table, 5), {"c0", "c1", "c2"})

    def test_zeros_and_large_cells_are_shown(self):
        self.assertEqual(suppress(category_table([0, 5, 30]), 5), set())

    def test_a_small_total_hides_the_whole_table(self):
        self.assertEqual(suppress(category_table([1, 2, 0]), 5), {"n", "c0", "c1"})
