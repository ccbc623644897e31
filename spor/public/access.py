"""Object access for the staff views of the public page (see clients.access)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from spor.accounts.models import works_in
from spor.public.models import COUNSELLING, GalleryItem, Page, TalkRequest


def get_talk_request_for_user(user, pk) -> TalkRequest:
    return get_object_or_404(
        TalkRequest.objects.visible_to(user).select_related("service", "client", "course",
                                                            "converted_by"), pk=pk)


def get_gallery_item_for_user(user, pk) -> GalleryItem:
    if not works_in(user, COUNSELLING):
        raise PermissionDenied
    return get_object_or_404(GalleryItem.objects.moderated_by(user), pk=pk)


def get_page_for_editor(user) -> Page:
    """The page of the editor's own service; a new, unsaved one before the first save."""
    page = Page.objects.filter(service_id=user.service_id).first()
    if page is None:
        from django.utils.text import slugify

        base = slugify(user.service.name)[:30] or "ung"
        slug, n = base, 1
        while Page.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        page = Page(service=user.service, slug=slug, title=user.service.name)
    return page
