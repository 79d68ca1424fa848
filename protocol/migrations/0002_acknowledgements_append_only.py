"""On PostgreSQL, the database itself refuses to change or delete an acknowledgement."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION protocol_acknowledgement_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Acknowledgements are append-only and cannot be changed or deleted.';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER protocol_acknowledgement_append_only
    BEFORE UPDATE OR DELETE ON protocol_acknowledgement
    FOR EACH ROW EXECUTE FUNCTION protocol_acknowledgement_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS protocol_acknowledgement_append_only ON protocol_acknowledgement;
DROP FUNCTION IF EXISTS protocol_acknowledgement_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("protocol", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
