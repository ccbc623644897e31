from django.shortcuts import render

from spor.accounts.decorators import staff_required
from spor.accounts.models import works_in
from spor.lib.dates import today
from spor.programmes.figures import consultancy_year, outreach_year
from spor.programmes.models import DayTeamEnrolment, ParentCourse, ParentFollowup
from spor.programmes.views.base import CLIENT_ROLES, DAY_TEAM, OUTREACH, PARENTS


@staff_required(*CLIENT_ROLES)
def index(request):
    """The four programmes with this year's numbers; no names on this page."""
    user, day = request.user, today()
    service = user.service
    ctx = {"year": day.year, "capacity": service.day_team_capacity,
           "places_taken": DayTeamEnrolment.objects.of_service(service).active_on(day).count(),
           "in_day_team": works_in(user, DAY_TEAM),
           "consultancy": consultancy_year(service, day.year)}
    if works_in(user, PARENTS):
        courses = ParentCourse.objects.visible_to(user)
        ctx["parents"] = {
            "running": courses.filter(start_date__lte=day, end_date__gte=day).count(),
            "planned": courses.filter(start_date__gt=day).count(),
            "surveys_due": ParentFollowup.objects.visible_to(user).due(day).count(),
        }
    if works_in(user, OUTREACH):
        ctx["outreach"] = outreach_year(service, day.year)
    return render(request, "programmes/index.html", ctx)
