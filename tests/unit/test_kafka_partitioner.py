"""The relay picks a keyed record's partition itself (it sends whole record batches): the same
partition as aiokafka's default partitioner, so an order's events share one partition whatever sent them."""

from __future__ import annotations

import pytest
from aiokafka.partitioner import DefaultPartitioner, murmur2
from hypothesis import given
from hypothesis import strategies as st

from shared.runtime import kafka


@given(st.binary(max_size=80))
def test_murmur2_is_aiokafkas(key: bytes) -> None:
    assert kafka.murmur2(key) == murmur2(key)


@given(st.binary(min_size=1, max_size=80), st.integers(min_value=1, max_value=64))
def test_partition_for_a_key_is_the_default_partitioners(key: bytes, partitions: int) -> None:
    every = list(range(partitions))
    assert kafka.partition_for(key, partitions) == DefaultPartitioner()(key, every, every)


@pytest.mark.parametrize(
    ("key", "partition"), [(b"", 681), (b"a", 524), (b"ab", 434), (b"abc", 107), (b"123456789", 566), (b"\x00 ", 742)]
)
def test_partition_for_matches_kafkas_java_client(key: bytes, partition: int) -> None:
    assert kafka.partition_for(key, 1000) == partition  # what Kafka's Java client computes for 1,000 partitions
