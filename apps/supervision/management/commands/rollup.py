"""python manage.py rollup [--since YYYY-MM-DD] [--until YYYY-MM-DD]: recompute the supervision rollups of every day
in the range (default: from the first record to today), with a progress bar. Idempotent: rerunning a day gives the
same rows. Without --since and --until it does what the beat does: the days changed since the last run."""
from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.supervision import services


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a YYYY-MM-DD date.") from None


class Command(BaseCommand):
    help = "Recompute the supervision rollups (compliance counts, deliveries, risk factors) of a range of days."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_date, help="First day (China calendar day), YYYY-MM-DD.")
        parser.add_argument("--until", type=_date, help="Last day, YYYY-MM-DD (default: today).")
        parser.add_argument("--changed", action="store_true",
                            help="Only the days changed since the last run (what the beat does), then risk alerts.")

    def handle(self, *args, since=None, until=None, changed=False, **options):
        if changed:
            result = services.rollup_changed()
            self.stdout.write("Another rollup run holds the lock." if result is None else
                              f"{result['days']} days, {result['rows']} rows, {result['alerts']} risk alerts raised.")
            return
        until = until or services.china_today()
        since = since or services.first_record_day() or until
        if since > until:
            raise CommandError("--since is after --until.")
        days = services.days_between(since, until)
        with tqdm(total=len(days), unit="day", disable=options["verbosity"] == 0) as bar:
            def progress(day, rows):
                bar.set_postfix_str(f"{day} {rows} rows")
                bar.update(1)

            rows = services.rollup_days(days, progress=progress)
        raised = services.risk_alerts_update()
        self.stdout.write(f"Rolled up {len(days)} days ({since} – {until}): {rows} rows; {raised} risk alerts raised.")
