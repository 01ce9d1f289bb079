"""Management review (ISO 9001 9.3) and quality objectives (6.2): the objectives with their
monthly values (``objectives``), and the review meetings with their inputs, decisions and the
actions those decisions call for (``reviews``)."""

from .objectives import Objective, ObjectiveValue
from .reviews import Decision, Review, ReviewAction, ReviewInput

__all__ = ["Decision", "Objective", "ObjectiveValue", "Review", "ReviewAction", "ReviewInput"]
