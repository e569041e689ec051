# Existing companies keep the waybills they have: their prefix is the one the server already used (the code,
# letters and digits only, at most 8 characters).

import re

from django.db import migrations


def backfill(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    for organization in Organization.objects.filter(waybill_prefix=""):
        organization.waybill_prefix = re.sub(r"[^A-Z0-9]", "", organization.code.upper())[:8]
        organization.save(update_fields=["waybill_prefix"])


class Migration(migrations.Migration):

    dependencies = [("organizations", "0003_waybill_prefix")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
