"""Which TensorFlow version each lesson's outputs were last verified against, kept beside the lessons.

`tfpatterns check` writes `_verified.json` in the content folder for every lesson whose code it ran and
found correct; the lesson page shows the version only while the lesson's text still has the fingerprint
that was verified, so an edited lesson never claims a check it has not passed.
"""

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

RECORD_NAME = "_verified.json"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verification:
    fingerprint: str
    tensorflow: str


def read_record(content_dir: Path) -> dict[str, Verification]:
    path = content_dir / RECORD_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {slug: Verification(str(entry["fingerprint"]), str(entry["tensorflow"])) for slug, entry in raw.items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        logger.warning("ignoring %s: %s", path, error)
        return {}


def update_record(content_dir: Path, verified: dict[str, Verification]) -> bool:
    """Merge `verified` into the record; write only when something changed. True if written."""
    record = read_record(content_dir)
    merged = {**record, **verified}
    if merged == record:
        return False
    text = json.dumps({slug: asdict(entry) for slug, entry in sorted(merged.items())}, indent=2) + "\n"
    (content_dir / RECORD_NAME).write_text(text, encoding="utf-8")
    return True
