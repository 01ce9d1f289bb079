"""Where the file store keeps its bytes: ``FILE_STORE=local`` (the default) a private directory on
this machine, ``FILE_STORE=s3`` a bucket of any S3-compatible object store (AWS S3, MinIO, Ceph,
Garage, a cloud provider's object storage), so several web and worker machines share one store.

Either way the kernel reads and writes only through Django's storage API (``default_storage``, the
``FileField`` of every ``StoredFile``), objects are private (no public or signed URL is ever handed
out: every file leaves through the permission-checked download, ``qms.views.shared.serve_stored``),
and every read is checked against the SHA-256 recorded at upload (``qms.files.open_verified``).

Imported by the settings: no Django imports here.
"""

from __future__ import annotations

from typing import Any

LOCAL, S3 = "local", "s3"
S3_BACKEND = "storages.backends.s3.S3Storage"


class StoreConfigError(ValueError):
    """The environment does not describe a usable file store (the message says what to set)."""


def local_store(location: str) -> dict[str, Any]:
    """A private directory (never served by the web server)."""
    return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}


def s3_store(
    *,
    bucket: str,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    prefix: str = "",
    addressing_style: str | None = None,
    verify: bool | str | None = None,
    server_side_encryption: str | None = None,
) -> dict[str, Any]:
    """A bucket of an S3-compatible object store (django-storages with boto3). Without keys, boto3
    finds its credentials itself (an instance role, ``~/.aws``, ``AWS_*`` variables)."""
    object_parameters = {"ServerSideEncryption": server_side_encryption} if server_side_encryption else {}
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "location": prefix.strip("/"),
            "addressing_style": addressing_style or None,  # "path" for MinIO and most self-hosted stores
            "verify": verify,
            # Private objects, whatever the bucket's default; names are generated and never reused,
            # and a name already taken is never overwritten (the store picks another).
            "default_acl": "private",
            "file_overwrite": False,
            "object_parameters": object_parameters,
            # Never used to hand out a file; if anything ever asked for a URL it would be signed
            # and short-lived, never a public one.
            "querystring_auth": True,
            "querystring_expire": 60,
            # A download is spooled to disk past 1 MB while its SHA-256 is checked, not held in memory.
            "max_memory_size": 1024 * 1024,
        },
    }


def file_store(env, *, default_location: str) -> dict[str, Any]:
    """``STORAGES["default"]`` as the environment asks (``env`` is a django-environ ``Env``)."""
    kind = env("FILE_STORE", default=LOCAL).strip().lower()
    if kind == LOCAL:
        return local_store(env("ATTACHMENT_ROOT", default=default_location))
    if kind != S3:
        raise StoreConfigError(f"FILE_STORE is {kind!r}: it must be {LOCAL!r} or {S3!r}.")
    bucket = env("S3_BUCKET", default="")
    if not bucket:
        raise StoreConfigError("FILE_STORE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL unless it is AWS).")
    verify = env("S3_VERIFY", default="true")
    return s3_store(
        bucket=bucket,
        endpoint_url=env("S3_ENDPOINT_URL", default=None),
        region=env("S3_REGION", default=None),
        access_key=env("S3_ACCESS_KEY_ID", default=None),
        secret_key=env("S3_SECRET_ACCESS_KEY", default=None),
        prefix=env("S3_PREFIX", default=""),
        addressing_style=env("S3_ADDRESSING_STYLE", default=None),
        # "false" for a test store with a self-signed certificate; or the path of a CA bundle.
        verify={"true": None, "false": False}.get(verify.lower(), verify),
        server_side_encryption=env("S3_SERVER_SIDE_ENCRYPTION", default=None),
    )


def describe(storage) -> str:
    """The store in words an administrator recognises: its directory, or ``s3://bucket/prefix``."""
    bucket = getattr(storage, "bucket_name", None)
    if bucket:
        prefix = getattr(storage, "location", "")
        return f"s3://{bucket}/{prefix}".rstrip("/")
    return str(getattr(storage, "location", storage))
