"""The parent's follow-up survey behind a single-use link: no login, no names shown.

The link's token is the only key. It works once, expires after
ParentFollowup.LINK_DAYS days, and each address may open such links only so often, so
that tokens cannot be guessed by trying.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from spor.lib.ratelimit import over_limit
from spor.programmes.forms import survey_form_class
from spor.programmes.models import ParentFollowup
from spor.programmes.survey import PARENT_FOLLOWUP

# Requests per address within the window, counting page views and answers alike.
RATE_LIMIT = 20
RATE_WINDOW_SECONDS = 10 * 60


def _page(request, template, status=200, **ctx):
    return render(request, template, {"instrument": PARENT_FOLLOWUP, **ctx}, status=status)


@never_cache
def answer(request, token):
    if over_limit(request, "parent-survey", RATE_LIMIT, RATE_WINDOW_SECONDS):
        return _page(request, "programmes/public/limited.html", status=429)
    survey = ParentFollowup.by_token(token)
    if survey is None:
        return _page(request, "programmes/public/gone.html", status=404)
    form = survey_form_class(staff=False)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Lock and look again: the same link submitted twice is answered once.
            locked = (ParentFollowup.objects.select_for_update().open()
                      .filter(pk=survey.pk, token_hash=survey.token_hash).first())
            if locked is None:
                return _page(request, "programmes/public/gone.html", status=404)
            try:
                locked.record(form.cleaned_data, ParentFollowup.Source.PARENT_LINK)
            except ValidationError as e:
                for code, errors in e.message_dict.items():
                    form.add_error(code if code in form.fields else None, errors)
            else:
                locked.save()
                return redirect("parent_survey_thanks")
    return _page(request, "programmes/public/survey.html", form=form, survey=survey)


@never_cache
def thanks(request):
    return _page(request, "programmes/public/thanks.html")
