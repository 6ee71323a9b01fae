// Authoring mode only (`tfpatterns serve --reload`): reload the page when the lesson files change.
(() => {
  "use strict";
  const script = document.currentScript;
  let version = script ? script.dataset.contentVersion : null;
  const POLL_MS = 700;

  async function poll() {
    try {
      const response = await fetch("/authoring/version", { headers: { Accept: "application/json" } });
      if (response.ok) {
        const body = await response.json();
        if (version !== null && String(body.version) !== String(version)) {
          window.location.reload();
          return;
        }
        version = body.version;
      }
    } catch (error) {
      // the server is restarting; try again on the next tick
    }
    window.setTimeout(poll, POLL_MS);
  }
  window.setTimeout(poll, POLL_MS);
})();
