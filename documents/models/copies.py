"""The print log: every copy of a revision file that left the system, who took it and when, and
what its stamp said. It answers "who holds a copy of rev B?" (ISO 9001 7.5.3.2 c, d)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .revisions import Revision, RevisionFile


class IssuedCopy(models.Model):
    """One download of a revision file: a stamped copy (controlled, superseded, draft), the
    unstamped original the quality manager or an auditor took, or a file that cannot carry a stamp
    (uncontrolled when printed). Written once, never changed."""

    class Kind(models.TextChoices):
        CONTROLLED = "controlled", "Controlled copy"
        SUPERSEDED = "superseded", "Stamped superseded – not for use"
        DRAFT = "draft", "Stamped draft – not approved"
        ORIGINAL = "original", "Unstamped original"
        UNCONTROLLED = "uncontrolled", "Uncontrolled (no stamp possible)"

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="issued_copies")
    # The file, while the revision keeps it: a draft's file removed after someone took a copy (a
    # drawing rejected in review) leaves the copy in the log by its name.
    file = models.ForeignKey(RevisionFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField("file", max_length=255, blank=True, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The revision's status when the copy was taken ("effective", "superseded" …).
    revision_status = models.CharField(max_length=12, choices=Revision.Status.choices)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = "issued copy"
        indexes = [models.Index(fields=["revision", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.revision} to {self.user} at {self.issued_at:%Y-%m-%d %H:%M}"
