"""The team leader's FIT overview: per team, and per clinician for leaders.

A fixed number of queries for any number of courses and sessions: the session shares are
counted in SQL; the courses of the period are read once with their stored FIT state
(state.py, worked out by the same code as the clinicians' pages) and grouped here; the
active courses are only counted, in SQL.
"""

import dataclasses
from collections import Counter

from django.db.models import Count, Exists, OuterRef, Q

from spor.lib.numbers import percent
from spor.measures.fit import ChangeClass, effect
from spor.measures.models import Rating
from spor.measures.state import state_of

DROPOUT = ("client_ended", "no_contact")


@dataclasses.dataclass
class Figures:
    label: str
    sessions: int = 0
    with_outcome: int = 0
    with_alliance: int = 0
    with_parent: int = 0
    active: int = 0
    alarmed: int = 0
    ended: int = 0
    dropout: int = 0
    classes: Counter = dataclasses.field(default_factory=Counter)
    expected: int = 0  # ended courses with an expected course at their last rating
    reached: int = 0
    pairs: list = dataclasses.field(default_factory=list)
    triples: list = dataclasses.field(default_factory=list)
    parent_classes: Counter = dataclasses.field(default_factory=Counter)
    parent_pairs: list = dataclasses.field(default_factory=list)

    @staticmethod
    def share(part, whole):
        return percent(part, whole)

    @property
    def outcome_share(self):
        return self.share(self.with_outcome, self.sessions)

    @property
    def alliance_share(self):
        return self.share(self.with_alliance, self.sessions)

    @property
    def dropout_share(self):
        return self.share(self.dropout, self.ended)

    @property
    def reached_share(self):
        return self.share(self.reached, self.expected)

    @property
    def classified(self):
        return sum(self.classes.values())

    @property
    def class_rows(self):
        return [(c.label, self.classes[c], self.share(self.classes[c], self.classified))
                for c in ChangeClass]

    @property
    def parent_class_rows(self):
        total = sum(self.parent_classes.values())
        return [(c.label, self.parent_classes[c], self.share(self.parent_classes[c], total))
                for c in ChangeClass]

    @property
    def improved(self):
        """Courses that ended reliably improved or recovered."""
        return self.classes[ChangeClass.RECOVERED] + self.classes[ChangeClass.IMPROVED]

    @property
    def improved_share(self):
        return self.share(self.improved, self.classified)

    @property
    def parent_classified(self):
        return sum(self.parent_classes.values())

    @property
    def parent_improved(self):
        return (self.parent_classes[ChangeClass.RECOVERED]
                + self.parent_classes[ChangeClass.IMPROVED])

    @property
    def parent_improved_share(self):
        return self.share(self.parent_improved, self.parent_classified)

    @property
    def uses_fit(self) -> bool:
        """Anything to show: a team that rates nothing in the period is not a row of zeros."""
        return bool(self.with_outcome or self.with_alliance or self.with_parent or self.pairs
                    or self.classified or self.alarmed or self.parent_pairs)

    @property
    def effect_size(self):
        return effect(self.pairs)

    @property
    def adjusted_effect_size(self):
        return effect(self.triples, adjusted=True)

    @property
    def parent_effect_size(self):
        return effect(self.parent_pairs)


def figures(service, teams, start, end, clinicians=None) -> tuple[list, list]:
    """Figures per team, and per clinician when `clinicians` (users) is given, for
    sessions held and courses ended from `start` to `end`, and courses active now, of the
    service (or its key)."""
    from spor.treatment.models import Course, Session

    teams = list(teams)
    by_team = {t.pk: Figures(str(t)) for t in teams}
    by_clinician = {u.pk: Figures(str(u)) for u in clinicians or []}

    def rows_for(team_id, clinician_id):
        found = [by_team.get(team_id)]
        if clinicians is not None:
            found.append(by_clinician.get(clinician_id))
        return [f for f in found if f is not None]

    def rated(kind, rater):
        ratings = Rating.objects.filter(session=OuterRef("pk"), rater=rater)
        return Exists(getattr(ratings, kind)())

    sessions = (Session.objects.filter(course__client__service=service, course__team__in=teams,
                                       date__range=(start, end), attendance="attended")
                .annotate(has_o=rated("outcome", "client"), has_a=rated("alliance", "client"),
                          has_p=rated("outcome", "parent"))
                .values("course__team", "course__clinician")
                .annotate(n=Count("pk"), o=Count("pk", filter=Q(has_o=True)),
                          a=Count("pk", filter=Q(has_a=True)), p=Count("pk", filter=Q(has_p=True)))
                .order_by())
    for row in sessions:
        for f in rows_for(row["course__team"], row["course__clinician"]):
            f.sessions += row["n"]
            f.with_outcome += row["o"]
            f.with_alliance += row["a"]
            f.with_parent += row["p"]

    courses = Course.objects.filter(client__service=service, team__in=teams)
    # Active courses are only counted, with and without alarms: in SQL, however many.
    alarmed = Q(fit_state__isnull=False) & ~Q(fit_state__alarms=[])
    active = (courses.filter(end_date__isnull=True, start_date__isnull=False)
              .values("team", "clinician").annotate(n=Count("pk"),
                                                    alarmed=Count("pk", filter=alarmed))
              .order_by())
    for row in active:
        for f in rows_for(row["team"], row["clinician"]):
            f.active += row["n"]
            f.alarmed += row["alarmed"]
    ended = courses.filter(end_date__range=(start, end))
    for course in ended.select_related("fit_state").only(
            "team_id", "clinician_id", "end_date", "end_reason", "fit_state"):
        for f in rows_for(course.team_id, course.clinician_id):
            _count(f, course, state_of(course))
    return list(by_team.values()), list(by_clinician.values())


def _count(f: Figures, course, state) -> None:
    """One ended course's part of the figures."""
    f.ended += 1
    f.dropout += course.end_reason in DROPOUT
    if state.change:
        f.classes[ChangeClass(state.change)] += 1
    if state.outcome_count >= 2:
        first, last = state.outcome_first, state.outcome_latest
        f.pairs.append((first, last))
        if state.expected_mid is not None:
            f.expected += 1
            f.reached += last >= state.expected_mid
            f.triples.append((first, last, state.expected_mid))
    if state.parent_count >= 2:
        f.parent_pairs.append((state.parent_first, state.parent_latest))
        if state.parent_change:
            f.parent_classes[ChangeClass(state.parent_change)] += 1
