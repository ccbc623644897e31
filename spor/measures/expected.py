"""Fitting and loading a service's expected course (see fit.py for the models)."""

import dataclasses

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from spor.measures.fit import LogLinear, fit_binned
from spor.measures.models import ExpectedCourse
from spor.measures.progress import course_fits


@dataclasses.dataclass
class Outcome:
    expected: ExpectedCourse
    doubtful: int = 0
    kept_file_model: bool = False


def refit(service, replace_file_model: bool = False) -> Outcome:
    """Learn the expected course from the service's closed courses and store it.

    Courses whose outcome zig-zags are left out. A model loaded from a file is kept unless
    `replace_file_model`: a licensed model is a deliberate choice of the service.
    """
    from spor.treatment.models import Course

    current = ExpectedCourse.objects.filter(service=service).first()
    if current is not None and current.from_file and not replace_file_model:
        return Outcome(current, kept_file_model=True)
    closed = Course.objects.filter(client__service=service, end_date__isnull=False)
    fits = course_fits(closed.select_related("client"), service, scope=closed)
    series, doubtful = [], 0
    for fit in fits.values():
        own = fit.own
        if len(own) < 2:
            continue
        if fit.doubtful:
            doubtful += 1
            continue
        intake = own[0].number
        series.append([(p.number - intake + 1, float(p.total)) for p in own])
    model = fit_binned(series, min_per_cell=settings.SPOR_EXPECTED_MIN_PER_CELL,
                       max_session=settings.SPOR_EXPECTED_MAX_SESSION,
                       percentiles=(settings.SPOR_EXPECTED_LOW_PERCENTILE,
                                    settings.SPOR_EXPECTED_HIGH_PERCENTILE))
    with transaction.atomic():
        expected, _created = ExpectedCourse.objects.update_or_create(service=service, defaults={
            "kind": ExpectedCourse.Kind.BINNED, "params": model.params(),
            "n_courses": model.n_courses, "name": "", "source": "", "fitted_at": timezone.now()})
    return Outcome(expected, doubtful=doubtful)


def load(service, params) -> ExpectedCourse:
    """Use a licensed trajectory model from a file's content (validated, see docs/fit.md)."""
    params = LogLinear.validate(params)
    with transaction.atomic():
        expected, _created = ExpectedCourse.objects.update_or_create(service=service, defaults={
            "kind": ExpectedCourse.Kind.LOGLINEAR, "params": params,
            "n_courses": params.get("n_courses", 0), "name": params["name"],
            "source": params["source"], "fitted_at": timezone.now()})
    return expected
