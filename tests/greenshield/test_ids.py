import time
import uuid

from hypothesis import given
from hypothesis import strategies as st

from greenshield.ids import uuid7, uuid7_milliseconds


def test_uuid7_is_a_version_7_rfc_9562_uuid_ordered_by_time():
    first = uuid7()
    time.sleep(0.002)
    second = uuid7()
    assert first.version == 7 and first.variant == uuid.RFC_4122
    assert first < second and str(first) < str(second)
    assert abs(uuid7_milliseconds(first) - time.time() * 1000) < 5000


@given(st.integers(min_value=0, max_value=(1 << 48) - 2))
def test_the_timestamp_orders_and_round_trips(ms):
    earlier, later = uuid7(ms), uuid7(ms + 1)
    assert uuid7_milliseconds(earlier) == ms and earlier < later
    assert earlier.version == 7


def test_two_ids_of_one_millisecond_differ():
    assert len({uuid7(1_700_000_000_000) for _ in range(1000)}) == 1000
