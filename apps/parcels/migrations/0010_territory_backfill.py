# Territorial jurisdiction for the rows already stored: each link's company (for per-company exactly-once), the
# provinces each parcel's and vehicle's links happened in, and the blind index of the phone given at each
# acceptance. Set-based SQL for the first three; the phone index needs each value decrypted, in batches.

from django.db import migrations

EVENTS = "tracking_checkpointevent"


def organizations_of_events(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {EVENTS} AS e SET organization_id = p.organization_id FROM parcels_parcel AS p "
                           "WHERE p.id = e.parcel_id AND e.organization_id IS NULL")
        else:
            cursor.execute(f"UPDATE {EVENTS} SET organization_id = (SELECT organization_id FROM parcels_parcel AS p "
                           f"WHERE p.id = {EVENTS}.parcel_id) WHERE organization_id IS NULL")


def territories(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO parcels_parcelterritory (parcel_id, province) "
            "SELECT DISTINCT e.parcel_id, f.province FROM tracking_checkpointevent AS e "
            "JOIN organizations_facility AS f ON f.id = e.facility_id WHERE true "
            "ON CONFLICT (parcel_id, province) DO NOTHING")
        cursor.execute(
            "INSERT INTO parcels_parcelterritory (parcel_id, province) "
            "SELECT p.id, f.province FROM parcels_parcel AS p JOIN organizations_facility AS f ON f.id = p.outlet_id "
            "WHERE true ON CONFLICT (parcel_id, province) DO NOTHING")
        cursor.execute(
            "INSERT INTO parcels_vehicleterritory (vehicle_id, province) "
            "SELECT DISTINCT e.vehicle_id, f.province FROM tracking_checkpointevent AS e "
            "JOIN organizations_facility AS f ON f.id = e.facility_id "
            "WHERE e.vehicle_id IS NOT NULL AND e.type IN ('LOADED', 'DEPARTED', 'UNLOADED') "
            "ON CONFLICT (vehicle_id, province) DO NOTHING")


PURPOSE = "parcels.acceptancerecord.given_sender_phone"


def phone_indexes(apps, schema_editor):
    """Decrypt each given phone (bound to its row) and store its blind index, in keyset batches of plain SQL."""
    from greenshield import crypto

    connection = schema_editor.connection
    keyring = crypto.current_keyring()
    last = "00000000-0000-0000-0000-000000000000"
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, given_sender_phone FROM parcels_acceptancerecord WHERE id > %s "
                           "AND given_sender_phone IS NOT NULL AND given_sender_phone_index IS NULL ORDER BY id "
                           "LIMIT 5000", [last])
            rows = cursor.fetchall()
            if not rows:
                return
            values = []
            for pk, ciphertext in rows:
                row_id = str(pk) if connection.vendor == "postgresql" else str(__import__("uuid").UUID(str(pk)))
                phone = crypto.decrypt(keyring, ciphertext, purpose=PURPOSE, row_id=row_id)
                values.append((crypto.blind_index(keyring, phone, index="phone"), pk))
            if connection.vendor == "postgresql":
                from psycopg2.extras import execute_values

                execute_values(cursor.cursor, "UPDATE parcels_acceptancerecord AS a SET given_sender_phone_index = "
                               "v.index FROM (VALUES %s) AS v(index, id) WHERE a.id = v.id::uuid", values,
                               page_size=5000)
            else:
                cursor.executemany("UPDATE parcels_acceptancerecord SET given_sender_phone_index = %s WHERE id = %s",
                                   values)
            last = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ("organizations", "0002_accountability_and_territory"),
        ("parcels", "0009_accountability_and_territory"),
    ]

    operations = [
        migrations.RunPython(organizations_of_events, migrations.RunPython.noop),
        migrations.RunPython(territories, migrations.RunPython.noop),
        migrations.RunPython(phone_indexes, migrations.RunPython.noop),
    ]
