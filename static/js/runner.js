// Turns each runnable lesson example into an editor with Run (graph/eager), Compare and Reset.
// Without JavaScript the examples stay as highlighted code with their printed output.
(function () {
  "use strict";

  var article = document.querySelector("article.lesson");
  if (!article) return;
  var lesson = article.getAttribute("data-slug");
  // Only the teaching sections: code in practice questions is there to be predicted, not run.
  var blocks = article.querySelectorAll(".lesson-section:not(.section-practice) .code.runnable");
  if (!blocks.length) return;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function makeEditor(parent, code, onRun) {
    if (window.TFPEditor) {
      try { return window.TFPEditor.create(parent, { doc: code, onRun: onRun, lineNumbers: true }); }
      catch (e) { /* fall back to a textarea below */ }
    }
    var area = el("textarea", { class: "code-textarea", "aria-label": "Code editor", spellcheck: "false",
                                rows: String(Math.min(24, code.split("\n").length + 1)) });
    area.value = code;
    area.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); onRun(); }
    });
    parent.appendChild(area);
    return {
      getValue: function () { return area.value; },
      setValue: function (text) { area.value = text; },
      highlightLine: function () {},
      focus: function () { area.focus(); },
    };
  }

  // Longest common subsequence of lines: which lines of a and b have no partner in the other.
  function diffLines(a, b) {
    var n = a.length, m = b.length, i, j;
    var table = [];
    for (i = 0; i <= n; i++) { table.push(new Array(m + 1).fill(0)); }
    for (i = n - 1; i >= 0; i--) {
      for (j = m - 1; j >= 0; j--) {
        table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    var onlyA = new Array(n).fill(true), onlyB = new Array(m).fill(true);
    i = 0; j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) { onlyA[i] = false; onlyB[j] = false; i++; j++; }
      else if (table[i + 1][j] >= table[i][j + 1]) i++;
      else j++;
    }
    return [onlyA, onlyB];
  }

  function outputBlock(label, text, differs) {
    var lines = text.replace(/\n$/, "").split("\n");
    var pre = el("pre", { class: "run-output" });
    lines.forEach(function (line, index) {
      var span = el("span", { class: "line" + (differs && differs[index] ? " differs" : ""), text: line });
      if (differs && differs[index]) span.setAttribute("title", "This line differs between the two modes");
      pre.appendChild(span);
    });
    return el("div", { class: "run-stream" }, [el("h4", { text: label }), pre]);
  }

  function statusText(result) {
    var labels = { ok: "Finished", error: "Error", timeout: "Stopped: time limit", memory_limit: "Stopped: memory limit",
                   output_limit: "Stopped: too much output", crashed: "Crashed" };
    return (labels[result.status] || result.status) + " · " + result.mode + " mode · " +
           Math.round(result.duration_ms) + " ms";
  }

  function ms(value) { return value === null || value === undefined ? "—" : value + " ms"; }

  // A trace that raised still ran the Python body (its prints appeared), so it counts, marked as failed.
  function tracesText(fn) {
    var failed = fn.failed_traces || 0, total = fn.traces + failed;
    if (!failed) return String(total);
    return total + (failed === total ? " (failed)" : " (" + failed + " failed)");
  }

  function functionsTable(functions) {
    if (!functions.length) return null;
    var rows = functions.map(function (fn) {
      var items = fn.trace_details.map(function (trace, index) {
        var ops = Object.keys(trace.op_types).map(function (type) { return type + " ×" + trace.op_types[type]; });
        return el("li", {}, [
          el("div", { class: "trace-head", text: "Trace " + (index + 1) + (trace.reason ? " — " + trace.reason : "") }),
          el("code", { class: "trace-signature", text: trace.signature }),
          el("div", { class: "trace-ops", text: trace.ops + " ops: " + ops.join(", ") }),
        ]);
      });
      if (fn.failed_traces) {
        items.push(el("li", {}, [el("div", { class: "trace-head", text: "Tracing failed" +
          (fn.failed_traces > 1 ? " " + fn.failed_traces + " times" : "") + ", so no graph was made: " +
          fn.trace_error })]));
      }
      return [
        el("tr", {}, [
          el("th", { scope: "row" }, [el("code", { text: fn.name })]),
          el("td", { text: tracesText(fn) }),
          el("td", { text: String(fn.calls) }),
          el("td", { text: fn.ops ? String(fn.ops) : "—" }),
          el("td", { text: ms(fn.first_call_ms) }),
          el("td", { text: ms(fn.later_calls_ms) }),
        ]),
        items.length ? el("tr", { class: "trace-row" }, [el("td", { colspan: "6" }, [el("ul", { class: "trace-list" }, items)])]) : null,
      ];
    });
    var body = el("tbody");
    rows.forEach(function (pair) { pair.forEach(function (row) { if (row) body.appendChild(row); }); });
    return el("table", { class: "functions" }, [
      el("caption", { text: "tf.function calls: how often each was traced, and what its graph holds" }),
      el("thead", {}, [el("tr", {}, ["Function", "Traces", "Calls", "Graph ops", "First call", "Later calls (mean)"]
        .map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      body,
    ]);
  }

  // The runner sends the error's own message; its last line is the sentence, without a repeated "Type: ".
  function errorSentence(error) {
    var lines = error.message.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
    var last = lines.length ? lines[lines.length - 1] : "";
    return last.indexOf(error.type + ": ") === 0 ? last.slice(error.type.length + 2) : last;
  }

  function resultView(result, differs, withFunctions) {
    var parts = [el("p", { class: "run-status status-" + result.status, text: statusText(result) })];
    if (result.stdout || !result.stderr) parts.push(outputBlock("Output", result.stdout || "(nothing printed)", differs));
    if (result.stderr) parts.push(outputBlock("Errors and warnings (stderr)", result.stderr));
    if (result.error) {
      var where = result.error.line ? " (line " + result.error.line + ")" : "";
      parts.push(el("div", { class: "run-error", role: "alert" }, [
        el("strong", { text: result.error.type + where + ": " }),
        el("span", { text: errorSentence(result.error) }),
      ]));
    }
    if (withFunctions !== false) parts.push(functionsTable(result.functions || []));
    return el("div", { class: "run-result-body" }, parts);
  }

  function post(url, payload) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var wait = response.headers.get("Retry-After");
          var message = (body && body.detail) || ("The runner answered " + response.status + ".");
          throw new Error(message + (wait && message.indexOf("wait") < 0 ? " (try again in " + wait + " s)" : ""));
        }
        return body;
      });
    });
  }

  var runnerUp = fetch("/healthz", { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (health) { return health.runner === "ok"; })
    .catch(function () { return false; });

  Array.prototype.forEach.call(blocks, function (block, index) {
    var original = block.querySelector("code").textContent;
    var name = "mode-" + index;
    var holder = el("div", { class: "runner-editor" });
    var status = el("p", { class: "runner-status", "aria-live": "polite" });
    var result = el("div", { class: "run-result", hidden: "" });
    var editor;

    function modeChoice(value, label, checked) {
      var input = el("input", { type: "radio", name: name, value: value });
      input.checked = checked;
      return el("label", { class: "mode-option" }, [input, document.createTextNode(" " + label)]);
    }
    var modes = el("fieldset", { class: "mode-switch" }, [
      el("legend", { class: "visually-hidden", text: "Execution mode" }),
      modeChoice("graph", "Graph (default)", true), modeChoice("eager", "Eager", false),
    ]);
    var runButton = el("button", { type: "button", class: "button", text: "Run" });
    var compareButton = el("button", { type: "button", class: "button button-quiet", text: "Compare modes" });
    var resetButton = el("button", { type: "button", class: "button button-quiet", text: "Reset" });
    var bar = el("div", { class: "runner-bar" }, [modes, runButton, compareButton, resetButton, status]);
    var panel = el("div", { class: "runner" }, [holder, bar, result]);
    block.replaceWith(panel);

    function mode() { return panel.querySelector("input[name=" + name + "]:checked").value; }
    function busy(on, text) {
      [runButton, compareButton, resetButton].forEach(function (b) { b.disabled = on; });
      status.textContent = text || "";
    }
    function show(node) {
      result.hidden = false;
      result.replaceChildren(node);
    }
    function fail(error) {
      busy(false, "");
      show(el("div", { class: "run-error", role: "alert", text: error.message }));
    }

    function run() {
      editor.highlightLine(null);
      busy(true, "Running in " + mode() + " mode…");
      post("/api/run", { code: editor.getValue(), mode: mode(), lesson: lesson }).then(function (r) {
        busy(false, "");
        show(resultView(r));
        if (r.error && r.error.line) editor.highlightLine(r.error.line);
      }).catch(fail);
    }

    function compare() {
      editor.highlightLine(null);
      busy(true, "Running in both modes…");
      post("/api/run/compare", { code: editor.getValue(), lesson: lesson }).then(function (r) {
        busy(false, "");
        var eagerLines = (r.eager.stdout || "").replace(/\n$/, "").split("\n");
        var graphLines = (r.graph.stdout || "").replace(/\n$/, "").split("\n");
        var marks = diffLines(eagerLines, graphLines);
        var columns = el("div", { class: "compare" }, [
          el("section", { class: "compare-side" }, [el("h3", { text: "Eager" }), resultView(r.eager, marks[0], false)]),
          el("section", { class: "compare-side" }, [el("h3", { text: "Graph" }), resultView(r.graph, marks[1], false)]),
        ]);
        var tables = [["Eager", r.eager], ["Graph", r.graph]].map(function (side) {
          var table = functionsTable(side[1].functions || []);
          if (table) table.querySelector("caption").textContent = side[0] + " mode: tf.function calls, traces and graph ops";
          return table;
        });
        var differing = marks[0].filter(Boolean).length + marks[1].filter(Boolean).length;
        show(el("div", {}, [
          el("p", { class: "compare-summary", text: differing
            ? "Highlighted lines are printed in one mode but not the other."
            : "Both modes printed the same output." }),
          columns, tables[0], tables[1],
        ]));
        var line = (r.graph.error && r.graph.error.line) || (r.eager.error && r.eager.error.line);
        if (line) editor.highlightLine(line);
      }).catch(fail);
    }

    editor = makeEditor(holder, original.replace(/\n$/, ""), run);
    runButton.addEventListener("click", run);
    compareButton.addEventListener("click", compare);
    resetButton.addEventListener("click", function () {
      editor.setValue(original.replace(/\n$/, ""));
      editor.highlightLine(null);
      result.hidden = true;
      result.replaceChildren();
    });

    runnerUp.then(function (up) {
      if (up) return;
      runButton.disabled = true;
      compareButton.disabled = true;
      runButton.textContent = "Runner unavailable";
      status.textContent = "Code cannot be run right now; the printed output below each example still applies.";
    });
  });
})();
