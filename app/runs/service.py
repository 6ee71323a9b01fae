"""Where a submitted snippet goes from the web side: admitted (size, runner, rate limit), run in the sandboxed
runner, and recorded (who ran what and how it ended, never the code)."""

import uuid

from app.content.library import Library
from app.errors import RateLimited, TooLarge, Unavailable
from app.runner.client import Runner, RunnerBusy, RunnerStarting, RunnerUnavailable
from app.runner.protocol import MAX_CODE_BYTES, RunResult
from app.runs.recorder import RunRecorder
from app.runs.schemas import RunIn
from app.web.ratelimit import Limits

RETRY_AFTER_BUSY_S = 2
RETRY_AFTER_STARTING_S = 5
RETRY_AFTER_DOWN_S = 10


def admit(*, runner: Runner | None, limits: Limits, learner_id: uuid.UUID, code: str, runs: int) -> Runner:
    """The runner to use, once the code's size and this learner's run rate allow `runs` more runs."""
    if len(code.encode()) > MAX_CODE_BYTES:
        raise TooLarge(f"The code is larger than {MAX_CODE_BYTES // 1024} KB; shorten it.")
    if runner is None:
        raise Unavailable("The code runner is not available on this server; reading and quizzes still work.",
                          RETRY_AFTER_DOWN_S)
    for _ in range(runs):
        wait = limits.runs.retry_after(str(learner_id))
        if wait is not None:
            raise RateLimited(f"You are running code very often; wait {wait} s and run again.", wait)
    return runner


async def run(*, runner: Runner, recorder: RunRecorder, library: Library, learner_id: uuid.UUID,
              request: RunIn) -> RunResult:
    """Run the code in the sandbox and record the run against the lesson it came from, if it names one."""
    try:
        result = await runner.run(request)
    except RunnerStarting as error:
        raise Unavailable("The code runner is still starting up; run again in a few seconds.",
                          RETRY_AFTER_STARTING_S) from error
    except RunnerBusy as error:
        raise Unavailable("Every runner is busy right now; run again in a moment.", RETRY_AFTER_BUSY_S) from error
    except RunnerUnavailable as error:
        raise Unavailable("The code runner is unavailable right now; reading and quizzes still work.",
                          RETRY_AFTER_DOWN_S) from error
    lesson = request.lesson if request.lesson and library.get(request.lesson) else None
    recorder.add(learner_id=learner_id, lesson_slug=lesson, result=result)
    return result
