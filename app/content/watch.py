"""Live authoring: reload the library whenever a file under content/ changes (watchfiles)."""

import asyncio
import logging

from watchfiles import Change, awatch

from app.content.store import ContentStore

logger = logging.getLogger(__name__)


def is_content(change: Change, path: str) -> bool:
    return path.endswith((".md", ".json")) and "/." not in path


async def watch_content(store: ContentStore, stop: asyncio.Event) -> None:
    """Re-parse the library after each burst of saves, until `stop` is set; never dies on a bad file."""
    async for changes in awatch(store.content_dir, watch_filter=is_content, stop_event=stop, debounce=200,
                                step=50):
        names = sorted({path.rsplit("/", 1)[-1] for _, path in changes})
        try:
            await asyncio.to_thread(store.reload)
        except Exception:
            logger.exception("reloading content after a change to %s failed; keeping the previous version", names)
            continue
        logger.info("content changed (%s): now version %d", ", ".join(names), store.version)
