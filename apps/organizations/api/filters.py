import django_filters

from ..models import Facility, Staff, Vehicle


class FacilityFilter(django_filters.FilterSet):
    organization = django_filters.CharFilter(field_name="organization__code")

    class Meta:
        model = Facility
        fields = ["organization", "kind", "region_code"]


class StaffFilter(django_filters.FilterSet):
    organization = django_filters.CharFilter(field_name="organization__code")
    facility = django_filters.CharFilter(field_name="facility__code")

    class Meta:
        model = Staff
        fields = ["organization", "facility", "status"]


class VehicleFilter(django_filters.FilterSet):
    organization = django_filters.CharFilter(field_name="organization__code")

    class Meta:
        model = Vehicle
        fields = ["organization", "kind"]
