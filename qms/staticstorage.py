"""The static files' storage in production: whitenoise's compressed manifest storage, with each
file's address looked up once per process."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import StaticFilesStorage as PlainStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's storage, each file's address (its hashed name, from the manifest) kept once
    found: every page's layout asks for the same stylesheets and scripts, each a manifest lookup,
    an unquote, a split and a join (a seventh of a register page's template). Kept for one
    manifest: a new one (collectstatic run in the same process) starts afresh."""

    def url(self, name, force=False):
        if force or settings.DEBUG:
            return super().url(name, force)
        if getattr(self, "_urls_of", None) is not self.hashed_files:
            self._urls_of, self._urls = self.hashed_files, {}
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found


class SourceStaticFilesStorage(PlainStorage):
    """The files as they lie in the source, without ``collectstatic``'s manifest, each address
    kept once found as the production storage keeps its own: for the benchmarks, which measure a
    page's layout as it is served (each address a lookup), not a path joined and quoted seven
    times per page. Not for ``DEBUG``, where an added file must be found without a restart."""

    def url(self, name):
        urls = self.__dict__.setdefault("_urls", {})
        found = urls.get(name)
        if found is None:
            found = urls[name] = super().url(name)
        return found
