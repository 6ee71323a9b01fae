"""The run recorder as a dependency (it belongs to this package, so app/deps.py cannot name it)."""

from typing import Annotated

from fastapi import Depends, Request

from app.runs.recorder import RunRecorder


async def get_recorder(request: Request) -> RunRecorder:
    recorder: RunRecorder = request.app.state.run_recorder
    return recorder


Recorder = Annotated[RunRecorder, Depends(get_recorder)]
