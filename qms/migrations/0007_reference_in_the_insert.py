"""The next reference number as a database function, so a record's INSERT takes its number itself
(``qms.models.records.NextReference``) instead of asking for it in a round trip of its own. The
same counter row, the same lock until commit, the same ``PREFIX-YEAR-NNNN``."""

from django.db import migrations

CREATE = """
CREATE FUNCTION qms_next_reference(prefix text, year integer) RETURNS text
LANGUAGE sql VOLATILE AS $$
    INSERT INTO qms_referencecounter AS counter (prefix, year, last) VALUES ($1, $2, 1)
    ON CONFLICT (prefix, year) DO UPDATE SET last = counter.last + 1
    RETURNING $1 || '-' || $2 || '-' || lpad(counter.last::text, greatest(4, length(counter.last::text)), '0')
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("qms", "0006_audit_pack_requests")]

    operations = [migrations.RunSQL(CREATE, "DROP FUNCTION qms_next_reference(text, integer);")]
