from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from spor.lib.forms import ModelForm
from spor.public import uploads
from spor.public.models import GalleryItem, Page, TalkRequest
from spor.public.spam import SpamChecked


class TalkRequestForm(SpamChecked, ModelForm):
    """Ask for a talk. Short, with big touch targets; only what the counsellor needs."""

    class Meta:
        model = TalkRequest
        fields = ["nickname", "age", "reach", "phone", "email", "discreet", "message",
                  "parents"]
        widgets = {
            "nickname": forms.TextInput(attrs={"autocomplete": "nickname"}),
            "age": forms.NumberInput(attrs={"inputmode": "numeric", "min": 10, "max": 30}),
            "reach": forms.RadioSelect,
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel",
                                            "inputmode": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "message": forms.Textarea(attrs={"rows": 4}),
            "parents": forms.RadioSelect,
        }

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service
        self.fields["age"].widget.attrs.update(min=10, max=30)


class GalleryForm(SpamChecked, ModelForm):
    """One form for the four kinds; the kind comes from the address and decides which
    fields are shown."""

    upload = forms.FileField(label=_("file"), required=False)
    link = forms.URLField(label=_("link to the video"), max_length=300, required=False,
                          assume_scheme="https",
                          widget=forms.URLInput(attrs={"placeholder": "https://"}))
    permission = forms.BooleanField(
        label=_("I made this myself, and everyone who can be recognised in it has said yes "
                "to showing it."))

    FIELDS = {
        GalleryItem.Kind.PHOTO: ["nickname", "title", "upload", "text"],
        GalleryItem.Kind.VIDEO: ["nickname", "title", "link", "text"],
        GalleryItem.Kind.SOUND: ["nickname", "title", "upload", "text"],
        GalleryItem.Kind.TIP: ["nickname", "title", "text"],
    }

    class Meta:
        model = GalleryItem
        fields = ["nickname", "title", "link", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, service, kind, staff=False, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.instance.service, self.instance.kind = service, kind
        keep = set(self.FIELDS[kind]) | {"website", "stamp", "permission"}
        if staff:  # staff post on a young person's behalf: no spam checks
            keep -= {"website", "stamp"}
            self.fields["permission"].label = _(
                "The young person made this, and everyone who can be recognised in it has "
                "said yes to showing it.")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.staff = staff
        labels = {GalleryItem.Kind.PHOTO: _("photo"), GalleryItem.Kind.SOUND: _("sound file")}
        if "upload" in self.fields:
            self.fields["upload"].required = True
            self.fields["upload"].label = labels[kind]
            self.fields["upload"].widget.attrs["accept"] = (
                "image/*" if kind == GalleryItem.Kind.PHOTO else ".mp3,.wav,audio/mpeg,audio/wav")
        if kind != GalleryItem.Kind.TIP:
            self.fields["text"].label = _("a few words about it (you choose)")
        else:
            self.fields["text"].label = _("your tip")
            self.fields["text"].required = True

    def clean(self):
        if self.staff:
            data = super(SpamChecked, self).clean()
        else:
            data = super().clean()
        upload = data.get("upload")
        if self.too_large:
            sound = self.instance.kind == GalleryItem.Kind.SOUND
            mb = settings.SPOR_PUBLIC_SOUND_MAX_MB if sound else settings.SPOR_PUBLIC_IMAGE_MAX_MB
            self.errors.pop("upload", None)
            self.add_error("upload", _("The file is too large: at most %(mb)s MB.") % {"mb": mb})
        elif upload:
            try:
                if self.instance.kind == GalleryItem.Kind.PHOTO:
                    self.processed = uploads.process_image(upload)
                else:
                    self.processed = uploads.check_sound(upload)
            except ValidationError as e:
                self.add_error("upload", e)
        return data

    def save(self, commit=True):
        item = super().save(commit=False)
        processed = getattr(self, "processed", None)
        if isinstance(processed, uploads.Processed):
            item.store(processed.large, "image/jpeg", "jpg", thumb=processed.small)
            item.width, item.height = processed.width, processed.height
        elif processed:
            item.store(*processed)
        self.code = item.give_removal_code()
        if commit:
            item.save()
        return item


class RemovalForm(SpamChecked, forms.Form):
    code = forms.CharField(label=_("your removal code"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "autocapitalize": "characters"}))


class PageForm(ModelForm):
    new_picture = forms.FileField(label=_("picture"), required=False,
                                  widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
                                  help_text=_("A JPEG or PNG. Camera and place data are "
                                              "removed."))
    remove_picture = forms.BooleanField(label=_("remove the picture"), required=False)

    class Meta:
        model = Page
        fields = ["published", "slug", "title", "intro", "body", "new_picture",
                  "remove_picture", "picture_alt", "opening_hours", "phone", "email",
                  "address", "title_en", "intro_en", "body_en", "opening_hours_en",
                  "picture_alt_en"]
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 14}),
            "opening_hours": forms.Textarea(attrs={"rows": 4}),
            "intro_en": forms.Textarea(attrs={"rows": 3}),
            "body_en": forms.Textarea(attrs={"rows": 14}),
            "opening_hours_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service
        if not self.instance.picture:
            del self.fields["remove_picture"]

    def clean(self):
        data = super().clean()
        upload = data.get("new_picture")
        if upload:
            try:
                self.processed = uploads.process_image(upload)
            except ValidationError as e:
                self.add_error("new_picture", e)
        return data

    def save(self, commit=True):
        page = super().save(commit=False)
        if getattr(self, "processed", None):
            page.set_picture(self.processed)
        elif self.cleaned_data.get("remove_picture"):
            page.delete_picture()
        if commit:
            page.save()
        return page
