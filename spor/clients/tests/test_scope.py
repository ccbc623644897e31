from spor.clients.models import Client
from spor.lib.testing import PersonaTestCase


class VisibleToTests(PersonaTestCase):
    def visible(self, user):
        return set(Client.objects.visible_to(user))

    def test_a_clinician_sees_the_clients_of_their_team(self):
        self.assertEqual(self.visible(self.alice), {self.anon, self.ida})

    def test_a_clinician_of_another_team_sees_only_that_team(self):
        self.assertEqual(self.visible(self.bob), {self.dan})
        self.assertEqual(self.visible(self.tina), {self.dan})

    def test_a_course_in_my_team_makes_the_client_visible(self):
        self.ida_course.team = self.team_b
        self.ida_course.save()
        self.assertIn(self.ida, self.visible(self.bob))

    def test_a_leader_sees_the_whole_service(self):
        self.assertEqual(self.visible(self.lene), {self.anon, self.ida, self.dan})

    def test_analysts_administrators_and_other_services_see_nobody(self):
        for user in (self.ali, self.adam, self.olga):
            self.assertEqual(self.visible(user), set(), user)
