"""Load the 19 prohibited-item categories [R10] from fixtures/prohibited_items.json."""
import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "prohibited_items.json"


def load(apps, schema_editor):
    ProhibitedCategory = apps.get_model("parcels", "ProhibitedCategory")
    for category in json.loads(FIXTURE.read_text(encoding="utf-8"))["categories"]:
        ProhibitedCategory.objects.update_or_create(
            code=category["code"], defaults={"name": category["name"], "examples": category.get("examples", "")}
        )


class Migration(migrations.Migration):
    dependencies = [("parcels", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
