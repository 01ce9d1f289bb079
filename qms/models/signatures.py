"""Electronic signatures, the same for every module: a revision approved, an effectiveness check
judged, minutes signed, a lot released, a deviation accepted."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime


class Signature(models.Model):
    """Who signed (and their printed name), when, what the signature means, and the SHA-256 of
    exactly the content signed. A signature whose hash no longer matches the content is void."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    signed_object = GenericForeignKey("content_type", "object_id")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=60, help_text="What the signature means: Approved, Reviewed …")
    signed_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)
    reason = models.TextField(blank=True, help_text="Why, where a signature needs one (signed early).")

    class Meta:
        ordering = ["signed_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        # How a record's history names it (a review step's signature): in the company's time, as
        # the page dates everything else. The signature keeps its fields, not this text; pages
        # for the technically minded and the audit pack print ``signed_at`` in UTC themselves.
        when = date_format(localtime(self.signed_at), "j M Y H:i")
        return f"{self.meaning} by {self.printed_name} at {when}"

    def is_valid_for(self, content_hash: str | None) -> bool:
        return content_hash is not None and content_hash == self.content_hash
