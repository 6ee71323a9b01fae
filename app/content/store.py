"""The loaded library, kept in memory and rendered once per content change."""

import logging
import threading
from pathlib import Path

from app.content.library import Library, load_library

logger = logging.getLogger(__name__)


class ContentStore:
    """Holds the current Library; `reload()` swaps in a freshly parsed one atomically."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self._lock = threading.Lock()
        self.library = Library()

    def reload(self) -> Library:
        with self._lock:
            library = load_library([self.content_dir])
            self.library = library
        logger.info("loaded %d lessons from %s (%d problems)", len(library.lessons), self.content_dir,
                    len(library.problems))
        return library
