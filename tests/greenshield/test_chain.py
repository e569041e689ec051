"""greenshield.chain without a database: the canonical form is stable, and ``verify`` catches every edit,
removal and reordering of links (the end of a chain given its recorded length or head)."""
from __future__ import annotations

import dataclasses
import datetime
import hashlib

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenshield import chain

json_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=12) | st.floats(
    allow_nan=False, allow_infinity=False)
json_values = st.recursive(json_scalars, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=12)
contents = st.dictionaries(st.text(max_size=10), json_values, max_size=6)
link_contents = st.dictionaries(st.sampled_from(["type", "seq", "detail"]), st.integers(0, 9) | st.text(max_size=3),
                                max_size=3)


def build(contents_: list[dict]) -> list[chain.StoredLink]:
    links, prev = [], chain.GENESIS
    for seq, content in enumerate(contents_, start=1):
        link_hash = chain.link_hash(prev, content)
        links.append(chain.StoredLink(seq, content, prev, link_hash))
        prev = link_hash
    return links


def sample(n: int = 5) -> list[chain.StoredLink]:
    return build([{"seq": i, "type": "ARRIVED", "detail": {"n": i}} for i in range(1, n + 1)])


def verify(links, **expected):
    return chain.verify(links, **expected)


def recorded(links):
    return {"expected_length": len(links), "expected_head": links[-1].hash}


# --- canonical form ----------------------------------------------------------------------------------------

@given(contents)
def test_canonical_json_ignores_key_order(content):
    reversed_content = dict(reversed(list(content.items())))
    assert chain.canonical_json(content) == chain.canonical_json(reversed_content)


@given(st.dictionaries(st.text(max_size=5), st.integers(-(2**63), 2**63 - 1), min_size=2, max_size=6), st.randoms())
def test_canonical_json_ignores_key_order_in_nested_objects(inner, rnd):
    shuffled = list(inner.items())
    rnd.shuffle(shuffled)
    assert chain.canonical_json({"a": inner, "b": [inner]}) == chain.canonical_json({"b": [dict(shuffled)],
                                                                                    "a": dict(shuffled)})


@given(contents)
def test_canonical_json_is_compact_sorted_utf8_and_round_trips(content):
    encoded = chain.canonical_json(content)
    assert orjson.loads(encoded) == content
    assert encoded.decode("utf-8")
    assert list(orjson.loads(encoded)) == sorted(content)


def test_canonical_json_has_no_whitespace_and_keeps_unicode():
    assert chain.canonical_json({"b": 1, "a": {"y": [1, 2], "x": "沪A12345"}}) == (
        '{"a":{"x":"沪A12345","y":[1,2]},"b":1}'.encode())


def test_canonical_json_refuses_what_json_cannot_carry_exactly():
    with pytest.raises(orjson.JSONEncodeError):
        chain.canonical_json({"n": 2**70})
    with pytest.raises(orjson.JSONEncodeError):
        chain.canonical_json({1: "non-string key"})


@given(st.datetimes(min_value=datetime.datetime(1900, 1, 2), max_value=datetime.datetime(2200, 1, 1)),
       st.integers(-14 * 60, 14 * 60))
def test_canonical_time_is_the_same_instant_in_utc_whatever_the_offset(moment, offset_minutes):
    utc = moment.replace(tzinfo=datetime.UTC)
    shifted = utc.astimezone(datetime.timezone(datetime.timedelta(minutes=offset_minutes)))
    assert chain.canonical_time(shifted) == chain.canonical_time(utc)
    assert chain.canonical_time(utc) == utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_canonical_time_refuses_naive_times_and_keeps_none():
    with pytest.raises(ValueError, match="timezone-aware"):
        chain.canonical_time(datetime.datetime(2026, 11, 29, 8, 15))
    assert chain.canonical_time(None) is None
    beijing = datetime.timezone(datetime.timedelta(hours=8))
    assert chain.canonical_time(datetime.datetime(2026, 11, 29, 8, 15, tzinfo=beijing)) == (
        "2026-11-29T00:15:00.000000Z")


@given(st.text(min_size=1, max_size=64), contents)
def test_link_hash_is_sha256_of_prev_and_canonical_content(prev, content):
    assert chain.link_hash(prev, content) == hashlib.sha256(prev.encode() + chain.canonical_json(content)).hexdigest()
    assert chain.content_digest(content) == hashlib.sha256(chain.canonical_json(content)).hexdigest()


def test_link_hash_depends_on_the_previous_hash_and_the_content():
    content = {"type": "ARRIVED"}
    assert chain.link_hash(chain.GENESIS, content) != chain.link_hash("1" * 64, content)
    assert chain.link_hash(chain.GENESIS, content) != chain.link_hash(chain.GENESIS, {"type": "SORTED"})
    assert len(chain.link_hash(chain.GENESIS, content)) == 64


# --- verify ------------------------------------------------------------------------------------------------

@given(st.lists(link_contents, max_size=8))
def test_an_untouched_chain_verifies(contents_):
    links = build(contents_)
    verdict = verify(links, expected_length=len(links), expected_head=links[-1].hash if links else None)
    assert verdict.valid and verdict.length == len(links) and verdict.problem == ""
    assert verdict.head == (links[-1].hash if links else chain.GENESIS)


def test_an_empty_chain_verifies():
    assert verify([], expected_length=0).valid


@given(st.lists(link_contents, min_size=1, max_size=8), st.data())
def test_an_edited_link_is_detected(contents_, data):
    links = build(contents_)
    index = data.draw(st.integers(0, len(links) - 1))
    edited = {**links[index].content, "__edited__": True}
    links[index] = dataclasses.replace(links[index], content=edited)
    verdict = verify(links)
    assert not verdict.valid and verdict.first_bad_seq == index + 1 and "altered" in verdict.problem


@given(st.lists(link_contents, min_size=1, max_size=8), st.data())
def test_an_edited_hash_is_detected(contents_, data):
    links = build(contents_)
    index = data.draw(st.integers(0, len(links) - 1))
    links[index] = dataclasses.replace(links[index], hash="0" * 63 + "1")
    assert not verify(links, **recorded(build(contents_))).valid


def test_an_edited_hash_with_the_next_link_rewritten_to_follow_it_is_still_detected():
    links = sample()
    links[1] = dataclasses.replace(links[1], hash="a" * 64)
    links[2] = dataclasses.replace(links[2], prev_hash="a" * 64)
    verdict = verify(links)
    assert not verdict.valid and verdict.first_bad_seq == 2


def test_an_edited_prev_hash_is_detected():
    links = sample()
    links[2] = dataclasses.replace(links[2], prev_hash="b" * 64)
    verdict = verify(links)
    assert not verdict.valid and verdict.first_bad_seq == 3 and "predecessor" in verdict.problem


@given(st.lists(link_contents, min_size=3, max_size=8), st.data())
def test_a_removed_middle_link_is_detected(contents_, data):
    links = build(contents_)
    index = data.draw(st.integers(1, len(links) - 2))
    verdict = verify(links[:index] + links[index + 1:])
    assert not verdict.valid and verdict.first_bad_seq == index + 2 and "missing" in verdict.problem


def test_a_removed_middle_link_with_seq_renumbered_is_detected():
    links = sample()
    del links[2]
    renumbered = [dataclasses.replace(link, seq=i) for i, link in enumerate(links, start=1)]
    verdict = verify(renumbered)
    assert not verdict.valid and verdict.first_bad_seq == 3


def test_a_removed_first_link_is_detected():
    assert not verify(sample()[1:]).valid


def test_a_removed_last_link_is_detected_only_given_the_recorded_length_or_head():
    links = sample()
    truncated = links[:-1]
    assert verify(truncated).valid  # nothing in the links themselves says one is missing at the end
    by_length = verify(truncated, expected_length=len(links))
    assert not by_length.valid and "recorded 5" in by_length.problem
    by_head = verify(truncated, expected_head=links[-1].hash)
    assert not by_head.valid and "head" in by_head.problem
    assert not verify(truncated, **recorded(links)).valid


def test_all_links_removed_is_detected_by_the_recorded_length():
    assert not verify([], expected_length=5).valid


def test_an_appended_link_is_detected_by_the_recorded_length_and_head():
    links = sample()
    forged = build([link.content for link in links] + [{"seq": 6, "type": "DELIVERED"}])
    assert verify(forged).valid
    assert not verify(forged, **recorded(links)).valid


@given(st.integers(2, 8), st.data())
def test_a_reordered_chain_is_detected(n, data):
    links = sample(n)
    reordered = data.draw(st.permutations(links).filter(lambda p: p != links))
    assert not verify(reordered).valid


def test_swapped_links_with_their_seq_swapped_too_are_detected():
    links = sample()
    links[1], links[2] = (dataclasses.replace(links[2], seq=2), dataclasses.replace(links[1], seq=3))
    assert not verify(links).valid


def test_content_no_canonical_form_can_carry_is_reported_as_altered():
    links = sample()
    links[1] = dataclasses.replace(links[1], content={"n": 10**30})
    verdict = verify(links)
    assert not verdict.valid and verdict.first_bad_seq == 2 and "altered" in verdict.problem
