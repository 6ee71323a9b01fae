"""What a run request and its result are, on every wire (web <-> pool <-> zygote, web <-> remote runner)."""

import json
import struct
from typing import BinaryIO, Literal

from pydantic import BaseModel, Field

Mode = Literal["eager", "graph"]
Status = Literal["ok", "error", "timeout", "memory_limit", "output_limit", "crashed"]
MAX_CODE_BYTES = 64 * 1024


class RunRequest(BaseModel):
    code: str = Field(description="The learner's program, run as if saved to a file and run with python.")
    mode: Mode = "graph"


class CompareRequest(BaseModel):
    code: str


class RunLimits(BaseModel):
    """Per-run limits: the rlimits reach each zygote on its command line; timeout_s and output_bytes each job."""

    timeout_s: float = 10.0
    cpu_s: int = 10
    memory_mb: int = 2048
    output_bytes: int = 64 * 1024
    file_bytes: int = 16 * 1024 * 1024
    processes: int = 64


class RunError(BaseModel):
    type: str
    message: str
    line: int | None = None
    traceback: str = ""


class TraceInfo(BaseModel):
    signature: str
    ops: int
    op_types: dict[str, int]
    reason: str | None = Field(default=None, description="Why this trace happened, when it can be told.")


class FunctionInfo(BaseModel):
    name: str
    traces: int
    signatures: list[str]
    ops: int
    op_types: dict[str, int]
    calls: int = 0
    first_call_ms: float | None = None
    later_calls_ms: float | None = Field(default=None, description="Mean time of the calls after the first.")
    trace_details: list[TraceInfo] = []
    failed_traces: int = Field(default=0, description="Traces that raised an error and so made no graph.")
    trace_error: str | None = Field(default=None, description="The last failed trace's error: 'Type: message'.")


class RunResult(BaseModel):
    status: Status
    mode: Mode
    stdout: str = ""
    stderr: str = ""
    error: RunError | None = None
    duration_ms: float = 0.0
    functions: list[FunctionInfo] = []


class CompareResult(BaseModel):
    eager: RunResult
    graph: RunResult


FRAME_HEADER = struct.Struct(">I")


def encode_frame(payload: dict) -> bytes:  # type: ignore[type-arg]
    """A length-prefixed JSON frame: the zygote protocol, spoken by zygote.py and (async) by pool.py."""
    data = json.dumps(payload).encode()
    return FRAME_HEADER.pack(len(data)) + data


def write_frame(stream: BinaryIO, payload: dict) -> None:  # type: ignore[type-arg]
    stream.write(encode_frame(payload))
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    """`size` bytes, or None at end of stream (a pipe hands over at most its buffer per read)."""
    data = bytearray()
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def read_frame(stream: BinaryIO) -> dict | None:  # type: ignore[type-arg]
    header = _read_exactly(stream, FRAME_HEADER.size)
    if header is None:
        return None
    (size,) = FRAME_HEADER.unpack(header)
    data = _read_exactly(stream, size)
    if data is None:
        return None
    result: dict = json.loads(data)  # type: ignore[type-arg]
    return result
