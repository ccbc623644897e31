import datetime

import time_machine
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from django.utils import translation

from spor.lib.dates import future_errors, not_in_future, short

TODAY = datetime.date(2026, 3, 16)


@time_machine.travel(datetime.datetime(2026, 3, 16, 12, tzinfo=datetime.UTC), tick=False)
class NotInTheFutureTests(SimpleTestCase):
    def test_it_accepts_today_and_refuses_tomorrow(self):
        not_in_future(TODAY)
        not_in_future(None)
        with self.assertRaises(ValidationError) as caught:
            not_in_future(TODAY + datetime.timedelta(days=1))
        self.assertEqual(caught.exception.code, "future")

    def test_it_names_each_field_after_today_or_after_the_day_given(self):
        tomorrow = TODAY + datetime.timedelta(days=1)
        self.assertEqual(list(future_errors(start=TODAY, end=tomorrow, none=None)), ["end"])
        with translation.override("en"):
            errors = future_errors(TODAY - datetime.timedelta(days=1), day=TODAY)
            self.assertEqual({k: str(v) for k, v in errors.items()},
                             {"day": "The date is in the future."})


class ShortDateTests(SimpleTestCase):
    def test_a_day_reads_day_month_year_in_both_languages(self):
        for language in ("da", "en"):
            with translation.override(language):
                self.assertEqual(short(datetime.date(2026, 8, 10)), "10.08.2026")
