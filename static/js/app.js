// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function swapPractice(response, focusSelector) {
    return response.text().then(function (html) {
      var panel = document.getElementById("practice-panel");
      if (!panel) return;
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#practice-panel");
      if (!fresh) return;
      panel.replaceWith(fresh);
      var count = fresh.querySelector("[data-testid=practice-count]");
      var cta = document.querySelector("[data-practice-cta]");
      if (count && cta) cta.textContent = "Practice " + count.textContent.trim();
      var target = fresh.querySelector(focusSelector) || fresh.querySelector("#practice");
      if (target) target.focus();
    });
  }

  function fallback(url) {
    window.location.assign(url);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-practice-form]")) {
      event.preventDefault();
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Fragment": "practice" },
        credentials: "same-origin",
      }).then(function (response) {
        if (response.ok || response.status === 422) return swapPractice(response, "[data-testid=verdict], .form-error");
        form.submit();
      }).catch(function () { form.submit(); });
      return;
    }
    if (form.matches("[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    if (form.matches("[data-test-form]")) {
      var unanswered = countUnanswered(form);
      var empty = document.querySelector("[data-test-empty]");
      if (empty) empty.hidden = true;
      // The server refuses a test with no answer at all, so say so instead of promising a grade.
      if (unanswered === form.querySelectorAll(".test-question").length) {
        event.preventDefault();
        if (empty) {
          empty.hidden = false;
          empty.focus();
        }
        return;
      }
      if (unanswered > 0 && !window.confirm(unanswered + " question(s) are unanswered and will count as wrong. Submit anyway?")) {
        event.preventDefault();
      }
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-practice-link]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    var panel = document.getElementById("practice-panel");
    if (!panel) return;
    event.preventDefault();
    var url = new URL(link.href);
    var fragmentUrl = "/lessons/" + panel.dataset.slug + "/practice" + url.search;
    fetch(fragmentUrl, { headers: { "X-Fragment": "practice" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) return fallback(link.href);
        history.replaceState(null, "", url.pathname + url.search + "#practice");
        return swapPractice(response, "#practice");
      })
      .catch(function () { fallback(link.href); });
  });

  // Opening a practice hint is remembered for the question statistics (the hint shows either way).
  // `toggle` does not bubble, so listen in the capture phase.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("details[data-hint-url]") || !details.open) return;
    if (details.dataset.hintSent) return;
    details.dataset.hintSent = "1";
    fetch(details.dataset.hintUrl, { method: "POST", credentials: "same-origin", keepalive: true })
      .catch(function () { delete details.dataset.hintSent; });
  }, true);

  function countUnanswered(form) {
    var groups = form.querySelectorAll(".test-question");
    var missing = 0;
    groups.forEach(function (group) {
      if (!group.querySelector("input[type=radio]:checked")) missing += 1;
    });
    return missing;
  }

  function updateCounter(form) {
    var counter = form.querySelector("[data-test-counter]");
    if (!counter) return;
    var total = form.querySelectorAll(".test-question").length;
    counter.hidden = false;
    counter.textContent = "Answered " + (total - countUnanswered(form)) + " of " + total;
  }

  document.querySelectorAll("[data-test-form]").forEach(function (form) {
    updateCounter(form);
    form.addEventListener("change", function () { updateCounter(form); });
  });
})();
