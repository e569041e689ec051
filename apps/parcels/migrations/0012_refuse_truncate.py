"""PostgreSQL refuses TRUNCATE of the acceptance, inspection, parcel and chain-link tables (evidence)."""
from django.db import migrations

from apps.common.evidence_guards import guard_operations

forwards, backwards = guard_operations(truncate_only=[
    "parcels_acceptancerecord", "parcels_acceptanceitem", "parcels_inspection", "parcels_parcel",
    "tracking_checkpointevent"])


class Migration(migrations.Migration):
    dependencies = [("parcels", "0011_event_organization_required")]
    operations = [migrations.RunPython(forwards, backwards)]
