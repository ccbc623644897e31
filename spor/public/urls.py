from django.urls import path

from spor.public import views

# /ung/ is the young people's way in (Danish words: they read the address); staff pages
# live beside the other staff pages.
urlpatterns = [
    path("ung/", views.index, name="public_index"),
    path("ung/<slug:service_slug>/", views.page, name="public_page"),
    path("ung/<slug:service_slug>/snak/", views.talk, name="public_talk"),
    path("ung/<slug:service_slug>/snak/tak/", views.talk_thanks, name="public_talk_thanks"),
    path("ung/<slug:service_slug>/galleri/", views.gallery, name="public_gallery"),
    path("ung/<slug:service_slug>/galleri/del/", views.gallery_share,
         name="public_gallery_share"),
    path("ung/<slug:service_slug>/galleri/del/<str:kind>/", views.gallery_new,
         name="public_gallery_new"),
    path("ung/<slug:service_slug>/galleri/fjern/", views.gallery_remove,
         name="public_gallery_remove"),
    path("ung/<slug:service_slug>/galleri/<uuid:gallery_item>/<str:variant>",
         views.gallery_file, name="public_gallery_file"),
    path("ung/<slug:service_slug>/billede/<str:name>", views.picture, name="public_picture"),

    path("requests/", views.requests, name="talk_requests"),
    path("requests/count/", views.request_count, name="talk_request_count"),
    path("requests/<uuid:talk_request>/", views.request_detail, name="talk_request"),
    path("requests/<uuid:talk_request>/convert/", views.request_convert,
         name="talk_request_convert"),
    path("requests/<uuid:talk_request>/erase/", views.request_erase,
         name="talk_request_erase"),
    path("website/", views.page_edit, name="public_page_edit"),
    path("website/gallery/", views.gallery_review, name="gallery_review"),
    path("website/gallery/new/", views.gallery_staff_new, name="gallery_staff_new"),
    path("website/gallery/<uuid:gallery_item>/", views.gallery_decide, name="gallery_decide"),
    path("website/gallery/<uuid:gallery_item>/<str:variant>", views.gallery_staff_file,
         name="gallery_staff_file"),
]
