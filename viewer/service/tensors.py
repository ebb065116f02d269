"""Open Inference Protocol tensors: JSON ``data`` and the binary tensor data extension.

Binary data is little-endian, row major, without padding, in the element's native size
(the KServe / Triton binary tensor data extension). ``BYTES`` tensors (length-prefixed
strings) are not accepted: no verified artifact takes text.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from viewer.service.problems import ServiceError

DATATYPES: dict[str, np.dtype[Any]] = {
    "BOOL": np.dtype(np.bool_), "UINT8": np.dtype("<u1"), "UINT16": np.dtype("<u2"),
    "UINT32": np.dtype("<u4"), "UINT64": np.dtype("<u8"), "INT8": np.dtype("<i1"),
    "INT16": np.dtype("<i2"), "INT32": np.dtype("<i4"), "INT64": np.dtype("<i8"),
    "FP16": np.dtype("<f2"), "FP32": np.dtype("<f4"), "FP64": np.dtype("<f8"),
}
#: ONNX Runtime's type names → the protocol's.
FROM_ONNX = {"tensor(bool)": "BOOL", "tensor(uint8)": "UINT8", "tensor(uint16)": "UINT16",
             "tensor(uint32)": "UINT32", "tensor(uint64)": "UINT64", "tensor(int8)": "INT8",
             "tensor(int16)": "INT16", "tensor(int32)": "INT32", "tensor(int64)": "INT64",
             "tensor(float16)": "FP16", "tensor(float)": "FP32", "tensor(double)": "FP64"}


def datatype_of(array: np.ndarray) -> str:
    for name, dtype in DATATYPES.items():
        if array.dtype == dtype or array.dtype == dtype.newbyteorder("="):
            return name
    raise ServiceError("internal", f"the model gave a tensor of type {array.dtype}")


def _dtype(name: str, datatype: str) -> np.dtype[Any]:
    dtype = DATATYPES.get(datatype)
    if dtype is None:
        raise ServiceError("invalid_tensor", f"input {name!r}: datatype {datatype!r} is not "
                           f"supported (one of {', '.join(DATATYPES)})")
    return dtype


def _count(name: str, shape: list[int]) -> int:
    if any(d < 0 for d in shape):
        raise ServiceError("invalid_tensor", f"input {name!r}: shape {shape} has a negative "
                           "size")
    return int(np.prod(shape, dtype=np.int64))


def from_json(name: str, datatype: str, shape: list[int], data: list[Any]) -> np.ndarray:
    """A tensor from JSON ``data`` (flat or nested, row major)."""
    dtype = _dtype(name, datatype)
    try:
        array = np.asarray(data, dtype=dtype).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ServiceError("invalid_tensor", f"input {name!r}: data are not {datatype} "
                           f"values ({exc})") from None
    if array.size != _count(name, shape):
        raise ServiceError("invalid_tensor", f"input {name!r}: shape {shape} holds "
                           f"{_count(name, shape)} values, data holds {array.size}")
    return array.reshape(shape)


def from_bytes(name: str, datatype: str, shape: list[int], data: bytes) -> np.ndarray:
    dtype = _dtype(name, datatype)
    expected = _count(name, shape) * dtype.itemsize
    if len(data) != expected:
        raise ServiceError("invalid_tensor", f"input {name!r}: shape {shape} of {datatype} "
                           f"takes {expected} bytes, binary_data_size gives {len(data)}")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def to_json(array: np.ndarray) -> list[Any]:
    values: list[Any] = np.ascontiguousarray(array).reshape(-1).tolist()
    return values


def to_bytes(array: np.ndarray) -> bytes:
    datatype = datatype_of(array)
    return np.ascontiguousarray(array, dtype=DATATYPES[datatype]).tobytes()
