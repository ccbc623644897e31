from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from django.utils import translation

from spor.measures import instruments


class ParentFollowUpDefinitionTests(SimpleTestCase):
    survey = instruments.get("PARENT_FOLLOWUP")

    def test_it_keeps_not_answered_apart_from_dont_know(self):
        cleaned = self.survey.clean({"child_use": "dont_know"})
        self.assertEqual(cleaned, {"child_use": "dont_know", "uses_new_options": None,
                                   "comment": None})

    def test_it_names_the_item_of_a_bad_answer_and_rejects_unknown_items(self):
        with self.assertRaises(ValidationError) as caught:
            self.survey.clean({"child_use": "much", "colour": "blue"})
        self.assertEqual(set(caught.exception.message_dict), {"child_use", "colour"})

    def test_its_form_speaks_danish_by_default_and_english_on_request(self):
        with translation.override("da"):
            self.assertIn("Blevet mindre", str(self.survey.form_class()()["child_use"]))
        with translation.override("en"):
            self.assertIn("Smaller", str(self.survey.form_class()()["child_use"]))
