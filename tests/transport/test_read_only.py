"""Which batches only read: typed operations and their JSON answer the same (a batch that
writes is never retried, and an async write outlives a cancelled caller)."""

from __future__ import annotations

from ftorm.protocol.operations import CreateOp, QueryOp, encode_batch, is_read_only


def test_typed_operations_and_their_json_agree() -> None:
    reads = [QueryOp('Task where name is "x"')]
    writes = [QueryOp("Task"), CreateOp("Task", {"__entity_type__": "Task", "name": "x"})]
    assert is_read_only(reads)
    assert is_read_only(encode_batch(reads))
    assert not is_read_only(writes)
    assert not is_read_only(encode_batch(writes))


def test_anything_else_counts_as_a_write() -> None:
    assert not is_read_only([object()])
    assert not is_read_only([{"action": 1}])
    assert not is_read_only([{"expression": "Task"}])
