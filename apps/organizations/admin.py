"""Admin for companies, facilities, staff and vehicles: scoped like the API; staff personal data only masked."""
from __future__ import annotations

from django import forms
from django.contrib import admin

from apps.common.admin import ScopedModelAdmin
from apps.common.admin.forms import UnechoedTextInput
from greenshield.identity import IdentityError, normalize_id_number, normalize_phone

from . import selectors
from .models import Facility, Organization, Staff, Vehicle
from .services import reference_delete, reference_save

REGION_CODE_HELP = "6-digit GB/T 2260 administrative division code, e.g. 310115 (Shanghai, Pudong New Area)."


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["code", "name", "license_no", "province"]
        labels = {"code": "Company code", "license_no": "Express business licence no."}
        help_texts = {
            "code": "Short upper-case code used everywhere in the API, e.g. ZTO.",
            "province": "The province whose postal administration (regulator) oversees this company.",
        }


@admin.register(Organization)
class OrganizationAdmin(ScopedModelAdmin):
    selector = staticmethod(selectors.organization_list)
    save_service = staticmethod(reference_save)
    delete_service = staticmethod(reference_delete)
    form = OrganizationForm
    list_display = ("code", "name", "province", "license_no")
    list_filter = ("province",)
    search_fields = ("code", "name")
    readonly_fields = ("created_at",)


class FacilityForm(forms.ModelForm):
    class Meta:
        model = Facility
        fields = ["code", "name", "kind", "organization", "region_code", "address"]
        labels = {"code": "Facility code", "kind": "Type", "organization": "Company", "region_code": "Region code"}
        help_texts = {
            "code": "Unique code used in scans and the API, e.g. SH-PD-01.",
            "kind": "Outlet (营业网点) accepts parcels, hub (分拨中心) sorts and screens them, station delivers.",
            "region_code": REGION_CODE_HELP,
        }


@admin.register(Facility)
class FacilityAdmin(ScopedModelAdmin):
    selector = staticmethod(selectors.facility_list)
    save_service = staticmethod(reference_save)
    delete_service = staticmethod(reference_delete)
    form = FacilityForm
    list_display = ("code", "name", "kind", "organization", "region_code")
    list_filter = ("kind", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name")
    autocomplete_fields = ("organization",)
    readonly_fields = ("created_at",)


RETYPE_NOTE = "For privacy, what you type is not shown again if the form has errors: type it again."
PERSONAL_DATA_INPUTS = (("new_name", "name"), ("new_id_number", "id_number"), ("new_phone", "phone"))


class StaffAdminForm(forms.ModelForm):
    """Operators type a staff member's name, ID number and phone in clear. They are validated and normalised
    here, encrypted by the fields at save, and never rendered back: on edit the boxes start empty and an
    empty box keeps the stored value."""

    new_name = forms.CharField(label="Name", max_length=64, required=False, widget=UnechoedTextInput)
    new_id_number = forms.CharField(label="ID number", max_length=64, required=False, widget=UnechoedTextInput)
    new_phone = forms.CharField(label="Phone", max_length=32, required=False, widget=UnechoedTextInput)

    class Meta:
        model = Staff
        fields = ["employee_no", "organization", "facility", "id_type", "status"]
        labels = {"employee_no": "Employee no.", "organization": "Company", "id_type": "ID document type"}
        help_texts = {
            "employee_no": "The company's staff number, used in scans and the API (e.g. E1001).",
            "facility": "The outlet, hub or station where this person works; it must belong to the company.",
            "status": "Suspended or departed staff cannot accept or screen parcels.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        adding = self.instance._state.adding
        for form_field, _ in PERSONAL_DATA_INPUTS:
            field = self.fields.get(form_field)
            if field is None:
                continue
            field.widget.attrs["autocomplete"] = "off"
            if adding:
                field.required = True
                field.help_text = "Stored encrypted. " + RETYPE_NOTE
            else:
                field.widget.attrs["placeholder"] = "leave blank to keep"
                field.help_text = "Stored encrypted; the current value is shown masked above. Leave blank to keep " \
                                  "it. " + RETYPE_NOTE

    def clean_new_name(self):
        return " ".join(self.cleaned_data["new_name"].split())

    def clean_new_phone(self):
        raw = self.cleaned_data["new_phone"]
        if not raw:
            return raw
        try:
            return normalize_phone(raw)
        except IdentityError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None

    def clean(self):
        cleaned = super().clean()
        id_type = cleaned.get("id_type")
        if not id_type:
            return cleaned
        raw = cleaned.get("new_id_number")
        if raw:
            try:
                cleaned["new_id_number"] = normalize_id_number(id_type, raw)
            except IdentityError as exc:
                self.add_error("new_id_number", forms.ValidationError(exc.detail, code=exc.code))
        elif not self.instance._state.adding and id_type != self.instance.id_type and self.instance.id_number:
            try:
                normalize_id_number(id_type, self.instance.id_number)
            except IdentityError:
                self.add_error("new_id_number", forms.ValidationError(
                    "The stored ID number is not valid for the new document type; enter the number again.",
                    code="invalid_id_number"))
        return cleaned

    def save(self, commit=True):
        instance = super().save(commit=False)
        for form_field, attribute in PERSONAL_DATA_INPUTS:
            value = self.cleaned_data.get(form_field)
            if value:
                setattr(instance, attribute, value)
        if commit:
            instance.save()
            self._save_m2m()
        return instance


@admin.register(Staff)
class StaffAdmin(ScopedModelAdmin):
    """Staff with name, ID number and phone only ever shown masked; search is by employee number only,
    because encrypted columns cannot (and must not) be searched."""

    selector = staticmethod(selectors.staff_list)
    save_service = staticmethod(reference_save)
    delete_service = staticmethod(reference_delete)
    form = StaffAdminForm
    list_display = ("employee_no", "masked_name", "organization", "facility", "status")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "status")
    search_fields = ("employee_no",)
    search_help_text = "Search by employee no. (names, ID numbers and phones are encrypted and not searchable)."
    autocomplete_fields = ("organization", "facility")

    @admin.display(description="name (masked)")
    def masked_name(self, obj):
        return obj.masked_name

    @admin.display(description="ID number (masked)")
    def masked_id_number(self, obj):
        return obj.masked_id_number

    @admin.display(description="phone (masked)")
    def masked_phone(self, obj):
        return obj.masked_phone

    def get_fieldsets(self, request, obj=None):
        staff_member = (None, {"fields": ("employee_no", "organization", "facility", "status")})
        masked = ("masked_name", "masked_id_number", "masked_phone")
        if obj is None:
            identity = ("id_type", "new_name", "new_id_number", "new_phone")
        elif self.has_change_permission(request, obj):
            identity = ("id_type", *masked, "new_name", "new_id_number", "new_phone")
        else:
            identity = ("id_type", *masked)
        fieldsets = [staff_member, ("Identity (stored encrypted, shown masked)", {"fields": identity})]
        if obj is not None:
            fieldsets.append(("Record", {"fields": ("created_at",)}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ("masked_name", "masked_id_number", "masked_phone", "created_at") if obj is not None else ()


class VehicleForm(forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = ["plate", "organization", "kind"]
        labels = {"plate": "Plate number", "organization": "Company"}
        help_texts = {"plate": "Chinese licence plate, e.g. 沪A12345; spaces and lower case are normalised."}


@admin.register(Vehicle)
class VehicleAdmin(ScopedModelAdmin):
    selector = staticmethod(selectors.vehicle_list)
    save_service = staticmethod(reference_save)
    delete_service = staticmethod(reference_delete)
    form = VehicleForm
    list_display = ("plate", "organization", "kind")
    list_filter = ("kind", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("plate",)
    autocomplete_fields = ("organization",)
    readonly_fields = ("created_at",)
