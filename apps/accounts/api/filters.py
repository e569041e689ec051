import django_filters

from ..models import Device


class DeviceFilter(django_filters.FilterSet):
    organization = django_filters.CharFilter(field_name="organization__code")
    facility = django_filters.CharFilter(field_name="facility__code")

    class Meta:
        model = Device
        fields = ["organization", "facility", "is_active"]
