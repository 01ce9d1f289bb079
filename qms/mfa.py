"""Two-factor sign-in: a time-based code from an authenticator app (TOTP, django-otp) or a
one-time recovery code. Anyone may turn it on; ``REQUIRE_MFA_FOR_ROLES`` makes it compulsory for
some roles (the access middleware sends them to enrol before anything else)."""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import RecoveryCode

if TYPE_CHECKING:
    from .models import User

RECOVERY_CODES = 10
# Session key: this session passed a second factor (or the user has none).
VERIFIED = "qms_mfa_verified"


def device_of(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def required(user: User) -> bool:
    return user.role in settings.REQUIRE_MFA_FOR_ROLES


def pending_device(user: User) -> TOTPDevice:
    """The not yet confirmed device an enrolment shows as a QR code (one per user)."""
    device = device_of(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def qr_data_uri(device: TOTPDevice) -> str:
    """The enrolment QR code as an inline SVG image (no external service sees the secret)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, for typing into an app that cannot scan."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def recovery_codes_new(user: User) -> list[str]:
    """Replace the user's recovery codes with fresh ones; returns them in plain text, once."""
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=make_password(code)) for code in codes
        )
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def confirm(device: TOTPDevice, code: str) -> list[str] | None:
    """Finish an enrolment with the first code from the app: the device counts from now on and
    the recovery codes are returned (to be shown once). None when the code is wrong."""
    if not device.verify_token(_normalise(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return recovery_codes_new(device.user)


def check_code(user: User, code: str) -> str | None:
    """Which second factor ``code`` is ("app" or "recovery"), or None when it is neither. A
    recovery code is used up."""
    code = _normalise(code)
    if not code:
        return None
    device = device_of(user)
    # A recovery code is ten hex digits, an app's code six digits: told apart by length, since one
    # recovery code in a hundred is digits only.
    if code.isdigit() and len(code) != 10 and device is not None:
        return "app" if device.verify_token(code) else None
    if len(code) == 10:
        for stored in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
            if check_password(code, stored.code_hash):
                stored.used_at = timezone.now()
                stored.save(update_fields=["used_at"])
                return "recovery"
    return None


def disable(user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def unused_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
