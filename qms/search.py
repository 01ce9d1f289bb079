"""A register's search box over columns of other tables, answered table by table.

``icontains`` over columns of several joined tables (a training record's person, competence and
provider) is one filter over the join: the database must join every row of the register before
it can test it, so a search that finds little reads the whole register with its joins. Here each
related table is searched on its own first (people, competences: small tables), and the register's
rows are chosen by foreign key among the ids found, with the register's own columns:

    SELECT id FROM training_file JOIN qms_user … WHERE UPPER(last_name) LIKE … OR …   -- 7, 12
    SELECT id FROM training_competence WHERE UPPER(title) LIKE …                     -- (none)
    … FROM training_record WHERE file_id IN (7, 12) OR UPPER(provider) LIKE …

The ids are sent as values, not as subqueries, so the planner knows how many rows each branch
finds: a search that finds little is read through the foreign-key and trigram indexes
(``search_index``) and sorted; one that finds much walks the register's order and stops at a page.
(With the ids behind a subquery the planner guessed, walked the whole register and tested every
row.) The rows found are exactly those the joined ``icontains`` finds: a row matches when any
field contains the text; a row whose foreign key is empty matches none of that relation's fields.

Query contract: one query per related table searched, whatever the number of rows. A search that
finds more than ``MAX_IDS`` rows of a related table tests that table's fields over the join instead,
as before: the same rows, without a statement of thousands of values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Model, Q

# The most ids of one related table sent as values; a search finding more is answered by the join.
MAX_IDS = 2000


def contains(model: type[Model], text: str, fields: Iterable[str]) -> Q:
    """Rows of ``model`` where any of ``fields`` contains ``text`` (case-insensitive), as
    ``Q(field__icontains=text) | …`` finds them. The fields behind one foreign key
    (``file__owner__last_name``, ``file__owner__username``) are searched in that table, in one
    query; a path through anything else (a reverse or many-to-many relation) is matched as it is."""
    own: list[str] = []
    across: dict[str, list[str]] = defaultdict(list)
    for path in fields:
        name, _, rest = path.partition("__")
        field = model._meta.get_field(name)
        if rest and field.concrete and (field.many_to_one or field.one_to_one):
            across[name].append(rest)
        else:
            own.append(path)
    condition = Q()
    for path in own:
        condition |= Q(**{f"{path}__icontains": text})
    for name, rests in across.items():
        field = model._meta.get_field(name)
        related = field.related_model
        matches = Q()
        for rest in rests:
            matches |= Q(**{f"{rest}__icontains": text})
        found = related._base_manager.filter(matches).values_list(field.target_field.attname, flat=True)
        ids = list(found.order_by()[: MAX_IDS + 1])
        if len(ids) > MAX_IDS:
            # Too broad to send as values (a search of "2" over ten years of lots): the joined
            # test, which finds the same rows, walking the register's order to a page.
            for rest in rests:
                condition |= Q(**{f"{name}__{rest}__icontains": text})
        else:
            # An empty list finds nothing (Django leaves the branch out of the OR).
            condition |= Q(**{f"{field.attname}__in": ids})
    return condition
