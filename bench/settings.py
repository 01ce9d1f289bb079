"""Settings of the benchmarks: the product's own, with a fast password hasher accepted (the
archive's 2,000 people share an MD5-hashed password; new passwords are still hashed with the
default) and the file store of the archive."""

from qms.settings import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

# Static files as they lie in the source (a benchmark measures pages, not collectstatic's
# manifest), each address kept once found as the production storage keeps its own.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "qms.staticstorage.SourceStaticFilesStorage"}}  # noqa: F405
