from django.conf import settings

from .registry import modules


def shell(request):
    """What the base layout needs on every page: the module navigation."""
    return {"nav_modules": modules(), "BASE_URL": settings.BASE_URL}
