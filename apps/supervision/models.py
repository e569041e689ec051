"""Rollups: what the records of one China calendar day (Asia/Shanghai) say, per facility and company, per route
between cities, and per risk subject. Derived data, recomputed a whole day at a time (delete + insert in one
transaction), so a rerun gives the same rows; statistics read them and never the events."""
from __future__ import annotations

from django.db import models

from apps.common.scoping import RestrictedQuerySet, Scope


class ComplianceCounts(models.Model):
    """The counts of issue 14 for one (period, facility, company). JSON objects hold counts by a name (refusal
    reason, alert kind, scan type, screening result); ``*_hist`` are duration histograms in log buckets
    (``greenshield.supervision``), mergeable over any range."""

    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    # Where it happened: the facility's province, else the company's (the regulator who sees it).
    province = models.CharField(max_length=6)
    acceptances = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    refusals = models.JSONField(default=dict)
    real_name_verified = models.PositiveIntegerField(default=0)
    inspection_passed = models.PositiveIntegerField(default=0)
    inspection_failed = models.PositiveIntegerField(default=0)
    screenings = models.JSONField(default=dict)
    screened_before_dispatch = models.PositiveIntegerField(default=0)
    dispatched_unscreened = models.PositiveIntegerField(default=0)
    holds = models.PositiveIntegerField(default=0)
    seizures = models.PositiveIntegerField(default=0)
    alerts = models.JSONField(default=dict)
    ack_hist = models.JSONField(default=dict)
    resolve_hist = models.JSONField(default=dict)
    scans = models.JSONField(default=dict)

    class Meta:
        abstract = True


FACILITY = {"to": "organizations.Facility", "on_delete": models.CASCADE, "null": True, "related_name": "+",
            "help_text": "Null: what a company did at no particular facility (an alert about the company as a whole)."}


class ComplianceDay(ComplianceCounts):
    scoped_by = Scope(facility="facility", territory=("province",))

    day = models.DateField()
    facility = models.ForeignKey(**FACILITY)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["day", "organization"], name="compliance_day_by_day")]

    def __str__(self):
        return f"{self.day} {self.organization_id}/{self.facility_id}"


class ComplianceMonth(ComplianceCounts):
    """The sum of a month's ComplianceDay rows per (facility, company): a year of statistics reads 12 of them per
    facility instead of 365."""

    scoped_by = Scope(facility="facility", territory=("province",))

    month = models.DateField(help_text="The first day of the month.")
    facility = models.ForeignKey(**FACILITY)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["month", "organization"], name="compliance_month_by_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.organization_id}/{self.facility_id}"


class ComplianceCompanyDay(ComplianceCounts):
    """A day's ComplianceDay rows summed per (company, province): what statistics by day, company or province read,
    a handful of rows a day however many facilities there are."""

    scoped_by = Scope(territory=("province",))

    day = models.DateField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["day", "organization"], name="compliance_company_day_by_day")]

    def __str__(self):
        return f"{self.day} {self.organization_id} in {self.province}"


class DeliveryDay(models.Model):
    """The parcels a company accepted on one day between two cities, and what became of them (as of the rollup):
    the inputs of the service-quality indicators. A regulator sees routes starting or ending in their province."""

    scoped_by = Scope(territory=("origin_province", "destination_province"))

    day = models.DateField(help_text="The acceptance day.")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    origin_city = models.CharField(max_length=6)
    destination_city = models.CharField(max_length=6)
    origin_province = models.CharField(max_length=6)
    destination_province = models.CharField(max_length=6)
    route_class = models.CharField(max_length=12)
    accepted = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    delivered_late = models.PositiveIntegerField(default=0, help_text="After the route class's promised limit.")
    within_12h = models.PositiveIntegerField(default=0)
    within_24h = models.PositiveIntegerField(default=0)
    damaged = models.PositiveIntegerField(default=0)
    lost_reported = models.PositiveIntegerField(default=0, help_text="An EXCEPTION scan with a lost reason.")
    duration_hist = models.JSONField(default=dict, help_text="Acceptance to delivery, seconds, log buckets.")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["day", "organization"], name="delivery_day_by_day")]

    def __str__(self):
        return f"{self.day} {self.origin_city}→{self.destination_city}"


class OpenParcelsDay(models.Model):
    """Parcels accepted on ``day`` still neither delivered, returned, seized nor reported lost, by the day of their
    last scan: at read time, those whose last scan is older than GREENSHIELD_LOST_AFTER_DAYS count as lost, so
    the answer follows the clock without recomputing anything."""

    scoped_by = Scope(territory=("origin_province", "destination_province"))

    day = models.DateField()
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    origin_province = models.CharField(max_length=6)
    destination_province = models.CharField(max_length=6)
    last_scan_day = models.DateField()
    parcels = models.PositiveIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["day", "organization"], name="open_parcels_by_day")]

    def __str__(self):
        return f"{self.day} last scan {self.last_scan_day}: {self.parcels}"


class RiskKind(models.TextChoices):
    SENDER = "sender", "Senders"
    OUTLET = "outlet", "Outlets, hubs and stations"
    STAFF = "staff", "Staff"
    ROUTE = "route", "Routes (origin city → destination city)"


class RiskDay(models.Model):
    """How often one risk factor was seen for one subject on one day within one company, where it happened.
    ``subject``: the sender's or staff member's id, the facility's id, or ``"<origin city>-<destination city>"``."""

    scoped_by = Scope(territory=("province",))

    day = models.DateField()
    kind = models.CharField(max_length=8, choices=RiskKind.choices)
    subject = models.CharField(max_length=64)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    province = models.CharField(max_length=6)
    factor = models.CharField(max_length=40)
    count = models.PositiveIntegerField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["kind", "day"], name="risk_day_by_kind")]

    def __str__(self):
        return f"{self.day} {self.kind} {self.subject} {self.factor}×{self.count}"


class RiskAlertState(models.Model):
    """Whether a subject's score (within one company) is above the threshold, and how many times it went above:
    crossing raises one alert per episode, however often the score is recomputed."""

    kind = models.CharField(max_length=8, choices=RiskKind.choices)
    subject = models.CharField(max_length=64)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    above = models.BooleanField(default=False)
    episode = models.PositiveIntegerField(default=0)
    score = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "subject", "organization"], name="one_risk_state")]

    def __str__(self):
        return f"{self.kind} {self.subject}: {'above' if self.above else 'below'}"


class RollupState(models.Model):
    """Where the incremental rollup stands: records recorded since ``watermark`` mark their days for recomputing."""

    name = models.CharField(max_length=32, primary_key=True)
    watermark = models.DateTimeField()
    last_run_at = models.DateTimeField()
    days_last_run = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.name} @ {self.watermark}"
