from django.conf import settings

from .modules import menu


def shell(request):
    """What the base layout needs on every page: the module navigation."""
    return {"nav_modules": menu(), "BASE_URL": settings.BASE_URL}
