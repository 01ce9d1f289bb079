"""``pk__any=[…]``: a list of ids sent as one array parameter (``id = ANY(%s)``)."""

from __future__ import annotations

from django.db.models import IntegerField, Lookup


@IntegerField.register_lookup
class AnyOf(Lookup):
    """``field = ANY(%s)`` with the list as one parameter, where ``__in`` writes a placeholder
    per value. PostgreSQL plans both alike (it reads an IN list as ``= ANY(ARRAY[…])``), but a
    person assigned rows across ten years of CAPAs sees hundreds of records through them
    (``qms.access.scope_q``): as an IN list each id was compiled, hashed, copied with every clone
    of the queryset and bound on its own, twice a register page (its count and its rows)."""

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [[int(v) for v in value]]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)
