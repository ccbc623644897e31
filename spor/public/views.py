from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.gzip import gzip_page

from spor.accounts.decorators import not_post, staff_required
from spor.accounts.models import User, works_in
from spor.audit.models import AccessLog, log_access
from spor.lib.dates import short
from spor.lib.ratelimit import over_limit
from spor.public import markup, media, pagecache
from spor.public.access import (
    get_gallery_item_for_user,
    get_page_for_editor,
    get_talk_request_for_user,
)
from spor.public.forms import GalleryForm, PageForm, RemovalForm, TalkRequestForm
from spor.public.models import (
    COUNSELLING,
    GalleryItem,
    Page,
    RequestAccessLog,
    TalkRequest,
    removal_hash,
)
from spor.public.pagecache import cached_public_view, public_view
from spor.public.uploads import SizeLimit

P = AccessLog.Purpose
CLIENT_ROLES = tuple(User.CLIENT_ROLES)
GALLERY_PER_PAGE = 12
MEDIA_MAX_AGE = 3600


# For young people: no login ---------------------------------------------------------
# Pages without a form are cached and compressed (a fifth of the bytes on a weak
# connection). Pages with a form are neither: they carry a CSRF token and what was typed,
# which compression could leak (BREACH).


def _published(request, slug) -> Page:
    """The page young people may see; staff of the service also see it unpublished."""
    page = get_object_or_404(Page.objects.select_related("service"), slug=slug)
    if not page.published and not (request.user.is_authenticated
                                   and request.user.service_id == page.service_id):
        raise Http404
    return page


def _ctx(request, page, **extra):
    """What every public template needs: the page's words in the address's language and
    the links that keep that language."""
    lang = request.LANGUAGE_CODE
    return {
        "page": page, "lang": lang,
        "q": "?lang=en" if lang == "en" else "",
        "other_lang_url": request.path + ("" if lang == "en" else "?lang=en"),
        "title": page.text("title") if page else "",
        **extra,
    }


def _to(name, request, **kwargs):
    url = reverse(name, kwargs=kwargs)
    return url + ("?lang=en" if request.LANGUAGE_CODE == "en" else "")


@gzip_page
@cached_public_view
def index(request):
    """/ung/: the one page of this installation, or the list of services' pages."""
    pages = list(Page.objects.filter(published=True).order_by("title"))
    if len(pages) == 1:
        return redirect(_to("public_page", request, service_slug=pages[0].slug))
    return render(request, "public/index.html", {**_ctx(request, None), "pages": pages})


@gzip_page
@cached_public_view
def page(request, service_slug):
    page = _published(request, service_slug)
    items = list(GalleryItem.objects.approved().filter(service_id=page.service_id)[:4])
    return render(request, "public/page.html", _ctx(
        request, page, items=items, intro=page.text("intro"),
        body=markup.render(page.text("body")),
        hours=markup.lines(page.text("opening_hours")),
        picture_alt=page.text("picture_alt")))


@never_cache
@public_view
def talk(request, service_slug):
    """Ask for a talk. Never cached: the form carries a CSRF token and a fresh time stamp.
    The answer is the same whether or not the service knows the nickname or number."""
    page = _published(request, service_slug)
    form = TalkRequestForm(request.POST or None, service=page.service)
    if request.method == "POST":
        if _over_limit(request, "talk"):
            return _too_many(request, page)
        if form.is_bot():
            return redirect(_to("public_talk_thanks", request, service_slug=page.slug))
        if form.is_valid():
            form.save()
            return redirect(_to("public_talk_thanks", request, service_slug=page.slug))
        form.fresh_stamp()
    return render(request, "public/talk.html", _ctx(
        request, page, form=form, hours=markup.lines(page.text("opening_hours")),
        guarantee=page.service.treatment_guarantee_days))


@gzip_page
@cached_public_view
def talk_thanks(request, service_slug):
    page = _published(request, service_slug)
    return render(request, "public/talk_thanks.html", _ctx(
        request, page, hours=markup.lines(page.text("opening_hours")),
        guarantee=page.service.treatment_guarantee_days))


def _over_limit(request, scope: str) -> bool:
    """Posts per address per hour. A school or youth club shares one address: generous."""
    return bool(over_limit(request, f"public:{scope}", settings.SPOR_PUBLIC_POSTS_PER_HOUR,
                           3600))


def _too_many(request, page):
    response = render(request, "public/too_many.html", _ctx(request, page))
    response.status_code = 429
    return response


@gzip_page
@cached_public_view
def gallery(request, service_slug):
    page = _published(request, service_slug)
    items = GalleryItem.objects.approved().filter(service_id=page.service_id)
    paginator = Paginator(items, GALLERY_PER_PAGE)
    shown = paginator.get_page(request.GET.get("page"))
    return render(request, "public/gallery.html", _ctx(request, page, items=shown))


@gzip_page
@cached_public_view
def gallery_share(request, service_slug):
    page = _published(request, service_slug)
    return render(request, "public/gallery_share.html", _ctx(
        request, page, kinds=GalleryItem.Kind.choices))


def _share_heading(kind):
    return {GalleryItem.Kind.PHOTO: _("Share a photo"),
            GalleryItem.Kind.VIDEO: _("Share a video"),
            GalleryItem.Kind.SOUND: _("Share a sound or a song"),
            GalleryItem.Kind.TIP: _("Share a tip")}[kind]


def _kind(kind):
    if kind not in GalleryItem.Kind.values:
        raise Http404
    return kind


@csrf_exempt  # checked below, once the upload handler is in place
def gallery_new(request, service_slug, kind):
    """Share a post. A file over the size limit is dropped while it arrives, so an
    oversized upload never fills the disk."""
    limit = (settings.SPOR_PUBLIC_SOUND_MAX_MB if kind == GalleryItem.Kind.SOUND
             else settings.SPOR_PUBLIC_IMAGE_MAX_MB)
    request.upload_handlers.insert(0, SizeLimit(request, limit * 1024 * 1024))
    return _gallery_new(request, service_slug, kind)


@csrf_protect
@never_cache
@public_view
def _gallery_new(request, service_slug, kind):
    page = _published(request, service_slug)
    data, files = request.POST or None, request.FILES or None  # reads the upload
    form = GalleryForm(data, files, service=page.service, kind=_kind(kind),
                       too_large=getattr(request, "upload_too_large", False))
    if request.method == "POST":
        if _over_limit(request, "gallery"):
            return _too_many(request, page)
        if form.is_bot():
            # Look sent, keep nothing.
            return render(request, "public/gallery_thanks.html", _ctx(
                request, page, code=GalleryItem().give_removal_code()))
        if form.is_valid():
            with transaction.atomic():
                form.save()
            return render(request, "public/gallery_thanks.html", _ctx(
                request, page, code=form.code))
        form.fresh_stamp()
    return render(request, "public/gallery_form.html", _ctx(
        request, page, form=form, kind=kind,
        heading=_share_heading(kind),
        image_mb=settings.SPOR_PUBLIC_IMAGE_MAX_MB, sound_mb=settings.SPOR_PUBLIC_SOUND_MAX_MB))


@never_cache
@public_view
def gallery_remove(request, service_slug):
    """The young person removes their own post with the code they got: at once."""
    page = _published(request, service_slug)
    form = RemovalForm(request.POST or None)
    if request.method == "POST":
        if _over_limit(request, "remove"):
            return _too_many(request, page)
        if form.is_valid() and not form.is_bot():
            item = GalleryItem.objects.filter(
                service_id=page.service_id,
                removal_hash=removal_hash(form.cleaned_data["code"])).first()
            if item:
                with transaction.atomic():
                    item.erase()
                pagecache.bump(page.slug)
                return render(request, "public/gallery_removed.html", _ctx(request, page))
            form.add_error("code", _("We found no post with this code. Check the code, or "
                                     "call us and we will help."))
        form.fresh_stamp()
    return render(request, "public/gallery_remove.html", _ctx(request, page, form=form))


def gallery_file(request, service_slug, gallery_item, variant):
    """Files of approved posts only: an unapproved file is not reachable from outside."""
    page = _published(request, service_slug)
    item = get_object_or_404(GalleryItem.objects.approved(), pk=gallery_item,
                             service_id=page.service_id)
    return media.serve(request, _variant(item, variant), item.content_type, MEDIA_MAX_AGE)


def _variant(item, variant):
    if variant == "small" and item.thumb:
        return item.thumb
    if variant in ("file", "small"):
        return item.file
    raise Http404


def picture(request, service_slug, name):
    page = _published(request, service_slug)
    stored = page.picture_file(name)
    if stored is None:
        raise Http404
    # Each new picture gets a new name, so the old one may be kept for long.
    return media.serve(request, stored, "image/jpeg", 30 * 24 * 3600)


# For staff -------------------------------------------------------------------------


@staff_required(*CLIENT_ROLES)
def requests(request):
    """New requests for the counselling team, oldest first: the guarantee counts from each
    one's date. Below, requests that became contacts while their details are kept."""
    user = request.user
    visible = TalkRequest.objects.visible_to(user).select_related("service")
    new = list(visible.new().order_by("created_at"))
    converted = list(visible.filter(status=TalkRequest.Status.CONVERTED,
                                    contact_erased_at__isnull=True)
                     .select_related("client", "converted_by").order_by("-converted_at"))
    log_access(user, [r.client for r in converted], gettext_noop("Requests for a talk"),
               P.CASELOAD)
    RequestAccessLog.write(user, new, gettext_noop("Requests for a talk"), P.CASELOAD)
    pending = (GalleryItem.objects.moderated_by(user).pending().count()
               if works_in(user, COUNSELLING) else 0)
    return render(request, "public/staff/requests.html", {
        "new": new, "converted": converted, "counsellor": works_in(user, COUNSELLING),
        "pending": pending, "page": Page.objects.filter(service_id=user.service_id).first()})


@staff_required(*CLIENT_ROLES)
def request_count(request):
    """The number in the menu, fetched after the page has loaded."""
    n = TalkRequest.objects.visible_to(request.user).new().count()
    return HttpResponse(format_html('<span class="tag warn">{}</span>', n) if n else "")


@staff_required(*CLIENT_ROLES)
def request_detail(request, talk_request):
    talk = get_talk_request_for_user(request.user, talk_request)
    if talk.client_id:
        log_access(request.user, talk.client, gettext_noop("Request for a talk"), P.TREATMENT)
    else:
        RequestAccessLog.write(request.user, talk, gettext_noop("Request for a talk"),
                               P.REGISTRATION)
    return render(request, "public/staff/request.html", {"talk": talk})


@staff_required(*CLIENT_ROLES)
def request_convert(request, talk_request):
    """One action: an anonymous client waiting for an anonymous counselling course that
    counts from the request's date. Logged against the new client."""
    talk = get_talk_request_for_user(request.user, talk_request)
    if (refused := not_post(request)) is not None:
        return refused
    if talk.status != TalkRequest.Status.NEW:
        messages.info(request, _("This request is already an anonymous contact."))
        return redirect("talk_request", talk_request=talk.pk)
    try:
        course = talk.convert(request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("talk_request", talk_request=talk.pk)
    if course is None:
        messages.info(request, _("Someone else made this request an anonymous contact a "
                                 "moment ago."))
        return redirect("talk_request", talk_request=talk.pk)
    log_access(request.user, course.client, gettext_noop("Anonymous contact from a request"),
               P.REGISTRATION)
    messages.success(request, _(
        "%(name)s is now an anonymous contact waiting to start. The contact details stay "
        "here, not on the young person, until %(day)s.") % {
        "name": talk.nickname, "day": short(talk.erase_on)})
    return redirect("talk_request", talk_request=talk.pk)


@staff_required(*CLIENT_ROLES)
def request_erase(request, talk_request):
    """A new request: erase it (spam, or nobody to help). A converted one: erase its
    contact details now that they are not needed."""
    talk = get_talk_request_for_user(request.user, talk_request)
    if (refused := not_post(request)) is not None:
        return refused
    with transaction.atomic():
        if talk.status == TalkRequest.Status.NEW:
            talk.delete()
            messages.success(request, _("The request is erased."))
            return redirect("talk_requests")
        talk.erase_contact()
        log_access(request.user, talk.client, gettext_noop("Request contact details erased"),
                   P.REGISTRATION)
    messages.success(request, _("The contact details are erased."))
    return redirect("talk_request", talk_request=talk.pk)


@staff_required(User.Role.LEADER, User.Role.ADMIN)
def page_edit(request):
    page = get_page_for_editor(request.user)
    old_slug = page.slug if page.pk else ""
    form = PageForm(request.POST or None, request.FILES or None, instance=page,
                    service=request.user.service)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            page = form.save(commit=False)
            page.updated_by = request.user
            page.save()
        pagecache.bump(old_slug, page.slug)
        messages.success(request, _("The page is saved."))
        return redirect("public_page_edit")
    return render(request, "public/staff/page_form.html", {"form": form, "page": page})


def _moderator(request):
    if not works_in(request.user, COUNSELLING):
        raise PermissionDenied


@staff_required(*CLIENT_ROLES)
def gallery_review(request):
    _moderator(request)
    items = GalleryItem.objects.moderated_by(request.user).select_related("reviewed_by")
    return render(request, "public/staff/gallery.html", {
        "pending": list(items.pending().order_by("created_at")),
        "approved": list(items.approved()[:60]),
        "kinds": GalleryItem.Kind.choices,
        "page": Page.objects.filter(service_id=request.user.service_id).first()})


@staff_required(*CLIENT_ROLES)
def gallery_decide(request, gallery_item):
    """Approve shows a post; reject or remove erases it and its files."""
    item = get_gallery_item_for_user(request.user, gallery_item)
    if (refused := not_post(request)) is not None:
        return refused
    action = request.POST.get("action")
    if action == "approve" and item.status == GalleryItem.Status.PENDING:
        item.approve(request.user)
        messages.success(request, _("“%(title)s” is shown on the page.") % {"title": item})
    elif action in ("reject", "remove"):
        with transaction.atomic():
            item.erase()
        messages.success(request, _("“%(title)s” is erased.") % {"title": item})
    else:
        messages.error(request, _("Choose approve, reject or remove."))
        return redirect("gallery_review")
    slug = Page.objects.filter(service_id=item.service_id).values_list("slug", flat=True)
    pagecache.bump(*slug)
    return redirect("gallery_review")


@staff_required(*CLIENT_ROLES)
def gallery_staff_file(request, gallery_item, variant):
    """Staff look at and listen to a post before they approve it."""
    item = get_gallery_item_for_user(request.user, gallery_item)
    return media.serve(request, _variant(item, variant), item.content_type, 0)


@staff_required(*CLIENT_ROLES)
def gallery_staff_new(request):
    """Staff post on a young person's behalf; it is shown at once."""
    _moderator(request)
    kind = request.GET.get("kind", "")
    form = GalleryForm(request.POST or None, request.FILES or None,
                       service=request.user.service, kind=_kind(kind), staff=True)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            item = form.save(commit=False)
            item.submitted_by = request.user
            item.save()
            item.approve(request.user)
        pagecache.bump(*Page.objects.filter(service_id=item.service_id)
                       .values_list("slug", flat=True))
        return render(request, "public/staff/gallery_code.html", {"item": item,
                                                                  "code": form.code})
    return render(request, "public/staff/gallery_form.html", {
        "form": form, "heading": _share_heading(kind)})
