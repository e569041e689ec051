"""The crypto core, without a database: round trips, binding to model/field/row, wrong keys, tampering."""
from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenshield import crypto

RING = crypto.Keyring.parse(crypto.generate_key_entry("k2") + "," + crypto.generate_key_entry("k1"))
OTHER = crypto.Keyring.parse(crypto.generate_key_entry("k2"))


@given(st.text(max_size=300), st.uuids())
def test_round_trip_any_text(plaintext, row):
    token = crypto.encrypt(RING, plaintext, purpose="senders.sender.name", row_id=str(row))
    assert crypto.decrypt(RING, token, purpose="senders.sender.name", row_id=str(row)) == plaintext


def test_ciphertext_carries_primary_key_id_and_is_randomised():
    a = crypto.encrypt(RING, "张三", purpose="p.f", row_id="r1")
    b = crypto.encrypt(RING, "张三", purpose="p.f", row_id="r1")
    assert a != b  # no deterministic ciphertext
    assert a.startswith("gs2$k2$")
    assert crypto.ciphertext_key_id(a) == "k2"
    assert "张三" not in a


def test_secondary_key_still_decrypts():
    token = crypto.encrypt(RING, "13800138000", purpose="p.f", row_id="r1", key_id="k1")
    assert crypto.ciphertext_key_id(token) == "k1"
    assert crypto.decrypt(RING, token, purpose="p.f", row_id="r1") == "13800138000"


@pytest.mark.parametrize(
    "purpose,row",
    [("p.f", "another-row"), ("p.other_field", "r1"), ("other.f", "r1")],
    ids=["moved-to-another-row", "moved-to-another-field", "moved-to-another-model"],
)
def test_ciphertext_moved_elsewhere_fails(purpose, row):
    token = crypto.encrypt(RING, "张三", purpose="p.f", row_id="r1")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(RING, token, purpose=purpose, row_id=row)


def test_wrong_key_with_same_id_fails_loudly():
    token = crypto.encrypt(RING, "张三", purpose="p.f", row_id="r1")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(OTHER, token, purpose="p.f", row_id="r1")


def test_missing_key_fails_loudly():
    token = crypto.encrypt(RING, "张三", purpose="p.f", row_id="r1", key_id="k1")
    with pytest.raises(crypto.DecryptionError, match="not in the keyring"):
        crypto.decrypt(OTHER, token, purpose="p.f", row_id="r1")


@given(st.integers(min_value=0, max_value=10_000))
def test_any_flipped_byte_fails(position):
    token = crypto.encrypt(RING, "上海市浦东新区世纪大道1号", purpose="p.f", row_id="r1")
    prefix, key_id, body = token.split("$")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[position % len(raw)] ^= 0x01
    tampered = f"{prefix}${key_id}$" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(RING, tampered, purpose="p.f", row_id="r1")


@pytest.mark.parametrize("garbage", ["张三", "", "gs1$k2", "gs1$k2$!!!", "gs2$k2$AAAA", "gs1$k2$AAAA", "gs3$k2$" + "A" * 80])
def test_non_ciphertext_is_never_returned_as_data(garbage):
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(RING, garbage, purpose="p.f", row_id="r1")


def test_blind_index_is_keyed_truncated_and_separated_by_index_name():
    value = "RESIDENT_ID:11010519491231002X"
    first = crypto.blind_index(RING, value, index="identity")
    assert first == crypto.blind_index(RING, value, index="identity")
    assert len(first) == crypto.BLIND_INDEX_HEX_LENGTH == 8
    assert first != crypto.blind_index(RING, value, index="phone")
    assert first != crypto.blind_index(OTHER, value, index="identity")
    assert first != crypto.blind_index(RING, "RESIDENT_ID:11010519491231003X", index="identity")


def test_blind_index_candidates_cover_every_key_for_rotation():
    value = "+8613800138000"
    candidates = crypto.blind_index_candidates(RING, value, index="phone")
    assert crypto.blind_index(RING, value, index="phone", key_id="k1") in candidates
    assert crypto.blind_index(RING, value, index="phone", key_id="k2") in candidates


def test_per_field_keys_differ_and_index_keys_differ_from_encryption_keys():
    assert crypto.field_key(RING, "k2", "a.b") != crypto.field_key(RING, "k2", "a.c")
    assert crypto.index_key(RING, "k2", "a.b") != crypto.field_key(RING, "k2", "a.b")


@pytest.mark.parametrize(
    "text",
    ["", "k1", "k1=notbase64!!", "k1=" + base64.b64encode(b"short").decode(),
     crypto.generate_key_entry("k1") + "," + crypto.generate_key_entry("k1"), "bad id=" + "A" * 44],
)
def test_malformed_keyrings_are_rejected(text):
    with pytest.raises(crypto.KeyringError):
        crypto.Keyring.parse(text)


def test_keyring_repr_never_shows_key_material():
    entry = crypto.generate_key_entry("k9")
    ring = crypto.Keyring.parse(entry)
    assert entry.split("=", 1)[1] not in repr(ring)
    assert ring.serialize() == entry


# -- gs2: a key per value (the nonce budget) --------------------------------------------------------------------

@given(st.text(max_size=200), st.uuids(), st.sampled_from(["senders.sender.name", "parcels.acceptancerecord.recipient_phone"]))
def test_gs1_values_written_by_older_installations_still_decrypt(plaintext, row, purpose):
    legacy = crypto.encrypt_legacy(RING, plaintext, purpose=purpose, row_id=str(row), key_id="k1")
    assert legacy.startswith("gs1$k1$")
    assert crypto.ciphertext_version(legacy) == "gs1" and not crypto.is_current(RING, legacy)
    assert crypto.decrypt(RING, legacy, purpose=purpose, row_id=str(row)) == plaintext


@given(st.text(max_size=200), st.uuids())
def test_new_values_are_gs2_with_their_own_salt_and_round_trip(plaintext, row):
    a = crypto.encrypt(RING, plaintext, purpose="p.f", row_id=str(row))
    b = crypto.encrypt(RING, plaintext, purpose="p.f", row_id=str(row))
    assert a.startswith("gs2$k2$") and crypto.is_current(RING, a)
    salt_a, salt_b = (base64.urlsafe_b64decode(t.split("$")[2] + "==")[:crypto.SALT_BYTES] for t in (a, b))
    assert salt_a != salt_b  # so the two values were sealed under different derived keys
    assert crypto.decrypt(RING, a, purpose="p.f", row_id=str(row)) == plaintext
    assert crypto.decrypt(RING, b, purpose="p.f", row_id=str(row)) == plaintext


def test_each_value_gets_its_own_key_separated_by_field():
    salt = bytes(range(16))
    assert crypto.value_key(RING, "k2", "a.b", salt) != crypto.value_key(RING, "k2", "a.b", bytes(16))
    assert crypto.value_key(RING, "k2", "a.b", salt) != crypto.value_key(RING, "k2", "a.c", salt)
    assert crypto.value_key(RING, "k2", "a.b", salt) != crypto.value_key(RING, "k1", "a.b", salt)
    assert crypto.value_key(RING, "k2", "a.b", salt) != crypto.field_key(RING, "k2", "a.b")


@given(st.text(min_size=1, max_size=50), st.sampled_from(["gs1", "gs2"]),
       st.sampled_from([("p.f", "r2"), ("p.g", "r1"), ("q.f", "r1")]))
def test_tampered_associated_data_fails_in_both_formats(plaintext, version, elsewhere):
    seal = crypto.encrypt if version == "gs2" else crypto.encrypt_legacy
    token = seal(RING, plaintext, purpose="p.f", row_id="r1")
    purpose, row = elsewhere
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(RING, token, purpose=purpose, row_id=row)


def test_a_gs1_body_relabelled_gs2_or_the_reverse_does_not_decrypt():
    for seal, other in ((crypto.encrypt, "gs1"), (crypto.encrypt_legacy, "gs2")):
        _, key_id, body = seal(RING, "13800138000", purpose="p.f", row_id="r1").split("$")
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(RING, f"{other}${key_id}${body}", purpose="p.f", row_id="r1")


def test_is_current_means_gs2_under_the_primary_key():
    assert crypto.is_current(RING, crypto.encrypt(RING, "x", purpose="p.f", row_id="r"))
    assert not crypto.is_current(RING, crypto.encrypt(RING, "x", purpose="p.f", row_id="r", key_id="k1"))
    assert not crypto.is_current(RING, crypto.encrypt_legacy(RING, "x", purpose="p.f", row_id="r"))


def test_value_key_is_hkdf_expand_of_the_field_prk_with_the_salt():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

    salt = bytes(range(16))
    prk = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"greenshield/enc2/a.b").derive(RING.key("k2"))
    expected = HKDFExpand(algorithm=hashes.SHA256(), length=32, info=b"greenshield/enc2|" + salt).derive(prk)
    assert crypto.value_key(RING, "k2", "a.b", salt) == expected
