"""Django fields for personal data, on the crypto core in ``greenshield.crypto``.

``EncryptedTextField`` stores only ciphertext bound to (model, field, row). Reading the attribute decrypts
lazily; assigning plain text marks it for encryption at save. Its ORM lookups raise (only ``isnull``, and
``exact`` against a stored ``Ciphertext`` for compare-and-swap, are allowed), and nothing but ciphertext can
reach the database through it: ``QuerySet.update(name="张三")`` raises ``PlaintextWriteError``.

Every ``save()`` writes a value in today's format under the primary key: a stored ciphertext under another key
(or in the old ``gs1`` format) is decrypted and sealed again, even when the field was not assigned. So an
instance loaded before ``rotate_keys`` rewrote its row can never write the old key's ciphertext back over the
rotated row, and retiring the old key afterwards loses nothing.

``BlindIndexField`` is the searchable companion: a truncated HMAC of the normalised plaintext, recomputed
at every save under the primary key.
"""
from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull, StartsWith

from greenshield import crypto


class Ciphertext(str):
    """A value known to be stored ciphertext (read from the database or produced by encryption)."""

    __slots__ = ()


class PlaintextWriteError(FieldError):
    """Something tried to write a non-ciphertext value into an encrypted column."""


class EncryptedLookupError(FieldError):
    """Encrypted columns cannot be filtered on; use the blind index."""


_PLAIN_CACHE = "_gs_plaintext"


def row_id(instance) -> str:
    if instance.pk is None:
        raise crypto.CryptoError(
            f"{type(instance).__name__} needs an app-generated primary key before personal data is encrypted."
        )
    return str(instance.pk)


class EncryptedDescriptor:
    def __init__(self, field: EncryptedTextField):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        if self.field.attname not in instance.__dict__:  # deferred (only()/defer()): load it like Django would
            instance.refresh_from_db(fields=[self.field.attname])
        value = instance.__dict__.get(self.field.attname)
        if not isinstance(value, Ciphertext):
            return value
        cache = instance.__dict__.setdefault(_PLAIN_CACHE, {})
        cached = cache.get(self.field.attname)
        if cached is not None and cached[0] is value:
            return cached[1]
        plain = crypto.decrypt(crypto.current_keyring(), value, purpose=self.field.purpose, row_id=row_id(instance))
        cache[self.field.attname] = (value, plain)
        return plain

    def __set__(self, instance, value):
        if value == "":
            value = None
        instance.__dict__[self.field.attname] = value


class CiphertextExact(Exact):
    """``field=Ciphertext(...)``: compare stored ciphertext (compare-and-swap during key rotation)."""

    def __init__(self, lhs, rhs):
        if not isinstance(rhs, Ciphertext):
            raise EncryptedLookupError("Encrypted fields cannot be searched by value; use the blind index.")
        super().__init__(lhs, rhs)


class CurrentUnder(StartsWith):
    """``field__current_under="k2"``: rows whose stored value is in today's format under that key (rotation)."""

    lookup_name = "current_under"

    def get_prep_lookup(self):
        return f"{crypto.CIPHERTEXT_PREFIX}${self.rhs}$"

    def get_rhs_op(self, connection, rhs):
        return connection.operators["startswith"] % rhs  # LIKE with the key id's '_' escaped


class EncryptedTextField(models.TextField):
    description = "Text encrypted with AES-256-GCM, bound to model, field and row"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs["editable"] = kwargs.get("editable", True)
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, EncryptedDescriptor(self))

    @property
    def purpose(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    # -- reading -------------------------------------------------------------------------------------
    def from_db_value(self, value, expression, connection):
        return None if value is None else Ciphertext(value)

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        """Serialisation (dumpdata) carries ciphertext, never plaintext."""
        stored = obj.__dict__.get(self.attname)
        if stored is None or isinstance(stored, Ciphertext):
            return stored
        raise PlaintextWriteError("Save the object before serialising its encrypted fields.")

    # -- writing -------------------------------------------------------------------------------------
    def encrypt_for(self, instance, plaintext: str, *, key_id: str | None = None) -> Ciphertext:
        token = self.encrypt_for_row(row_id(instance), plaintext, key_id=key_id)
        instance.__dict__.setdefault(_PLAIN_CACHE, {})[self.attname] = (token, plaintext)
        return token

    def encrypt_for_row(self, row: str, plaintext: str, *, key_id: str | None = None) -> Ciphertext:
        """The ciphertext of ``plaintext`` bound to the row whose primary key is ``row``, without a model instance
        (a bulk writer sealing hundreds of rows a request)."""
        return Ciphertext(crypto.encrypt(crypto.current_keyring(), plaintext, purpose=self.purpose, row_id=row,
                                         key_id=key_id))

    def pre_save(self, model_instance, add):
        value = model_instance.__dict__.get(self.attname)
        if value is None:
            return value
        if isinstance(value, Ciphertext):
            if crypto.is_current(crypto.current_keyring(), value):
                return value
            value = getattr(model_instance, self.attname)  # decrypts (raises if the key is gone): sealed again below
        if not isinstance(value, str):
            raise PlaintextWriteError(f"{self.purpose} only stores text.")
        token = self.encrypt_for(model_instance, value)
        model_instance.__dict__[self.attname] = token
        return token

    def get_db_prep_save(self, value, connection):
        if value is None or isinstance(value, Ciphertext):
            return None if value is None else str(value)
        if hasattr(value, "resolve_expression"):
            raise PlaintextWriteError(f"{self.purpose} cannot be written from an SQL expression.")
        raise PlaintextWriteError(
            f"Refusing to write a plain value into encrypted column {self.purpose}; assign it on an instance and save()."
        )

    # -- querying ------------------------------------------------------------------------------------
    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return CiphertextExact
        if lookup_name == "current_under":
            return CurrentUnder
        raise EncryptedLookupError(
            f"Encrypted field {self.name!r} cannot be filtered with {lookup_name!r}; use its blind index."
        )

    def get_transform(self, name):
        raise EncryptedLookupError(f"Encrypted field {self.name!r} has no transforms.")


Normalizer = Callable[[object, str], str]


class BlindIndexField(models.CharField):
    """Truncated HMAC of a normalised value: searchable without plaintext. ``index`` names the key domain, so
    the same value indexes equally across models (a sender's ID matches a blacklist entry's ID)."""

    def __init__(self, *args, source: str = "", index: str = "", normalizer: Normalizer | None = None, **kwargs):
        self.source = source
        self.index = index
        self.normalizer = normalizer
        kwargs.setdefault("max_length", crypto.BLIND_INDEX_HEX_LENGTH)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["index"] = self.index
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def compute(self, instance, *, key_id: str | None = None) -> str | None:
        plain = getattr(instance, self.source)
        if plain is None:
            return None
        normalized = self.normalizer(instance, plain) if self.normalizer else plain
        return crypto.blind_index(crypto.current_keyring(), normalized, index=self.index, key_id=key_id)

    def pre_save(self, model_instance, add):
        value = self.compute(model_instance)
        setattr(model_instance, self.attname, value)
        return value

    def candidates(self, normalized: str) -> list[str]:
        return crypto.blind_index_candidates(crypto.current_keyring(), normalized, index=self.index)


def blind_index_filter(model, field_name: str, normalized: str) -> models.Q:
    """Q for rows whose blind index may match ``normalized`` (candidates: decrypt and compare before use)."""
    field = model._meta.get_field(field_name)
    return models.Q(**{f"{field_name}__in": field.candidates(normalized)})
