"""What an upload must be before the file store takes it (issue #10): a safe name that keeps its
extension, a type recognised by parsing the content (a PDF that opens as a PDF, an image that
decodes, an OOXML zip with its content types, text with nothing active anywhere in it) and
matching the name, and a clean virus scan when a scanner is configured. ``validate_upload`` is
the one entry point; ``qms.files.store_upload`` calls it."""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
from xml.etree.ElementTree import ParseError as ElementTreeError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

logger = logging.getLogger(__name__)

# Allowed types, recognised by content: MIME type -> the extensions a file of it may carry.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/tiff": (".tif", ".tiff"),
    "application/zip": (".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods"),
    "text/plain": (".txt", ".csv", ".log"),
    "application/x-ole-storage": (".doc", ".xls", ".msg"),
}
# Image types a browser shows inline (TIFF stays a download).
WEB_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_TEXT_EXTENSIONS = (".txt", ".csv", ".log")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()+-]")
_HTML_SNIFF = re.compile(rb"<\s*(!doctype|html|head|body|script|iframe|svg|object|meta)", re.I)
NAME_MAX = 150


def safe_filename(name: str) -> str:
    """Reduce an uploaded name to a plain base name: no folders, no control or odd characters;
    a long name is shortened in its stem so the extension survives."""
    base = os.path.basename(name.replace("\\", "/")).strip().strip(".")
    base = _UNSAFE_NAME.sub("_", base)
    stem, ext = os.path.splitext(base)
    if len(ext) > 10:  # not an extension, just a dot in a long name
        stem, ext = base, ""
    return (stem[: NAME_MAX - len(ext)] + ext) if base else "file"


# Office formats are zip containers: the extension says which one, the content types say so too.
_ZIP_KINDS = frozenset(
    {
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
_OOXML_MAIN = {
    ".docx": "wordprocessingml.document.main+xml",
    ".xlsx": "spreadsheetml.sheet.main+xml",
    ".pptx": "presentationml.presentation.main+xml",
}
_ODF_MIMETYPE = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
# What a browser would take for markup or script, in text that should be neither.
_SCRIPT_SNIFF = re.compile(rb"<\s*[a-z!?/]|javascript:|\beval\s*\(|\balert\s*\(|document\.", re.I)
# Browsers sniff the first 512 bytes; twice that is checked for markup in every binary type.
_SNIFF_WINDOW = 1024


def sniff_type(head: bytes) -> str | None:
    """The MIME type the file's content shows, or None when it is not an allowed type."""
    import filetype

    kind = filetype.guess(head)
    if kind is not None:
        mime = "application/zip" if kind.mime in _ZIP_KINDS else kind.mime
        return mime if mime in ALLOWED_TYPES else None
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"
    if _HTML_SNIFF.search(head[:4096]):
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head[:-3].decode("utf-8")  # a multi-byte character cut at the end of the sample
        except UnicodeDecodeError:
            return None
    return "text/plain" if b"\x00" not in head else None


class ContentRefused(ValueError):
    """The file is of the type it claims at first sight but not when parsed."""


def _check_pdf(data: bytes) -> None:
    """A PDF that opens as a PDF with at least one page, with no markup where a browser sniffs
    or after its end (a PDF header followed by HTML is a polyglot, not a report)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if _HTML_SNIFF.search(data[:_SNIFF_WINDOW]):
        raise ContentRefused("markup at the start")
    end = data.rfind(b"%%EOF")
    if end < 0 or _SCRIPT_SNIFF.search(data[end + 5 :]):
        raise ContentRefused("no end, or data after it")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if len(reader.pages) < 1:
            raise ContentRefused("no pages")
        reader.pages[0].mediabox  # noqa: B018 - parses the first page
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise ContentRefused(f"does not open: {exc}") from exc


def _image_end(data: bytes, mime: str) -> int | None:
    """Where the image's own bytes end (PNG: after IEND; GIF: its trailer), when the format says."""
    if mime == "image/png":
        at = data.rfind(b"IEND")
        return at + 8 if at >= 0 else None
    if mime == "image/gif":
        return len(data.rstrip(b"\x00")) if data.rstrip(b"\x00").endswith(b";") else None
    if mime == "image/jpeg":
        at = data.rfind(b"\xff\xd9")
        return at + 2 if at >= 0 else None
    return len(data)


def _check_image(data: bytes, mime: str) -> None:
    """An image that decodes, with no markup or script where a browser sniffs, in its text
    metadata or after the image (PNG + HTML, GIF + JavaScript)."""
    from PIL import Image, UnidentifiedImageError

    if _HTML_SNIFF.search(data[:_SNIFF_WINDOW]) or _SCRIPT_SNIFF.search(data[:32]):
        raise ContentRefused("markup at the start")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > Image.MAX_IMAGE_PIXELS:
                raise ContentRefused("too many pixels")
            image.load()
            texts = [v for v in image.info.values() if isinstance(v, str | bytes)]
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ContentRefused(f"does not decode: {exc}") from exc
    for value in texts:
        if _SCRIPT_SNIFF.search(value.encode("utf-8", "replace") if isinstance(value, str) else value):
            raise ContentRefused("markup in its metadata")
    end = _image_end(data, mime)
    if end is None:
        raise ContentRefused("no end of image")
    trailing = data[end:]
    if _SCRIPT_SNIFF.search(trailing) or (mime in ("image/png", "image/gif") and len(trailing) > 16):
        raise ContentRefused("data after the image")


def _check_zip(data: bytes, ext: str) -> None:
    """A zip that opens; an Office document with the content types of its kind (any zip renamed
    .docx is not a Word document)."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if ext in _OOXML_MAIN:
            if "[Content_Types].xml" not in names:
                raise ContentRefused("no [Content_Types].xml")
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1 << 20:
                raise ContentRefused("content types too large")
            types = archive.read("[Content_Types].xml")
            if b"<!DOCTYPE" in types or b"<!ENTITY" in types:
                raise ContentRefused("entities in the content types")
            from xml.etree import ElementTree

            root = ElementTree.fromstring(types)  # noqa: S314 - no DTD or entities, checked above
            declared = [el.get("ContentType", "") for el in root if el.tag.endswith("Override")]
            if not any(t.endswith(_OOXML_MAIN[ext]) for t in declared):
                raise ContentRefused(f"not a {ext} document")
        elif ext in _ODF_MIMETYPE and (
            archive.namelist()[:1] != ["mimetype"] or archive.read("mimetype").strip() != _ODF_MIMETYPE[ext]
        ):
            raise ContentRefused(f"not a {ext} document")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise ContentRefused(f"does not open: {exc}") from exc
    except ElementTreeError as exc:
        raise ContentRefused(f"content types unreadable: {exc}") from exc


def _check_text(upload: UploadedFile) -> None:
    """The whole text, not its first pages: UTF-8, no NUL, no markup anywhere."""
    tail = b""
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    for chunk in upload.chunks():
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise ContentRefused("not UTF-8 text") from exc
        window = tail + chunk
        if b"\x00" in chunk or _HTML_SNIFF.search(window):
            raise ContentRefused("markup or binary data in the text")
        tail = window[-64:]
    upload.seek(0)


def check_content(upload: UploadedFile, mime: str, ext: str) -> None:
    """Parse the file as the type it claims; ContentRefused when it is not that (or more)."""
    if mime == "text/plain":
        _check_text(upload)
        return
    if mime == "application/x-ole-storage":
        return  # legacy Office files: recognised by their signature only
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if mime == "application/pdf":
        _check_pdf(data)
    elif mime in WEB_IMAGES or mime == "image/tiff":
        _check_image(data, mime)
    elif mime == "application/zip":
        _check_zip(data, ext)


def virus_scan(upload: UploadedFile, name: str) -> None:
    """Ask the virus scanner, when one is configured; a finding or a silent scanner refuses."""
    from . import virusscan

    if not virusscan.configured():
        return
    upload.seek(0)
    try:
        found = virusscan.scan(upload.chunks())
    except virusscan.ScanUnavailable as exc:
        logger.error("virus scan unavailable, upload %r refused: %s", name, exc)
        raise ValidationError(
            "The virus scanner did not answer, so the file was not accepted. Try again in a few "
            "minutes; if it keeps happening, tell the administrator."
        ) from None
    finally:
        upload.seek(0)
    if found:
        logger.warning("virus scan: upload %r refused, %s found", name, found)
        raise ValidationError(
            f"The virus scanner found {found} in this file, so it was not accepted. "
            "Do not open the original; tell the administrator."
        )


def validate_upload(upload: UploadedFile) -> tuple[str, str]:
    """Check name, size and content of an upload; return (safe name, MIME type) or raise."""
    raw_name = upload.name or ""
    if "/" in raw_name or "\\" in raw_name or ".." in raw_name or "\x00" in raw_name:
        raise ValidationError(
            "The file name must not contain folders or “..”. Rename the file and try again."
        )
    name = safe_filename(raw_name)
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"The file is {upload.size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB."
        )
    if upload.size == 0:
        raise ValidationError("The file is empty.")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    mime = sniff_type(head)
    ext = os.path.splitext(name)[1].lower()
    allowed_exts = sorted({e for exts in ALLOWED_TYPES.values() for e in exts})
    if mime is None:
        raise ValidationError(
            "This type of file is not accepted (its content is not one of: " + ", ".join(allowed_exts) + ")."
        )
    if ext not in ALLOWED_TYPES[mime]:
        raise ValidationError(
            f"The file's content does not match its name: “{name}” is not a {ext or 'known'} file."
        )
    if mime == "text/plain" and ext not in _TEXT_EXTENSIONS:
        raise ValidationError("Text content is only accepted in .txt, .csv or .log files.")
    try:
        check_content(upload, mime, ext)
    except ContentRefused as exc:
        logger.info("upload %r refused: %s", name, exc)
        raise ValidationError(
            f"The file's content does not match its name: “{name}” does not open as a {ext} file "
            "(it is damaged, or something else is hidden in it)."
        ) from None
    virus_scan(upload, name)
    return name, mime
