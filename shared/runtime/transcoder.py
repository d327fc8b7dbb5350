"""The stored events' JSON transcoder: eventsourcing's, reading with orjson.

Writing is eventsourcing's own `JSONTranscoder.encode`, unchanged: the stored bytes, which the hash chain
covers, stay exactly what they were. Reading parses with orjson, then revives the tagged values
(`{"_type_": name, "_data_": ...}`) bottom-up as `json`'s object hook did: the same objects from the same
bytes. What orjson reads otherwise than `json` goes the old way: what it refuses (NaN, 1e400, lone
surrogates) and integral floats beyond 64 bits (orjson reads an integer beyond 64 bits as a float)."""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

_BEYOND_64_BITS = float(2**63)


class _ReadItTheOldWay(Exception):
    pass


class FastJSONTranscoder(JSONTranscoder):
    def decode(self, data: bytes) -> Any:
        try:
            return self._revive(orjson.loads(data))
        except (orjson.JSONDecodeError, _ReadItTheOldWay):
            return super().decode(data)

    def _revive(self, value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            for key, item in value.items():
                if type(item) in _WALKED:
                    value[key] = self._revive(item)  # an existing key: the dict does not change size
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return self._decode_obj(value)
            return value
        if kind is list:
            for index, item in enumerate(value):
                if type(item) in _WALKED:
                    value[index] = self._revive(item)
            return value
        if kind is float and value.is_integer() and abs(value) >= _BEYOND_64_BITS:
            raise _ReadItTheOldWay  # maybe an integer orjson could not hold: `json` reads it exactly
        return value


_WALKED = frozenset({dict, list, float})
