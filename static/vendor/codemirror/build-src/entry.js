// TF Patterns' editor: CodeMirror 6 set up for short Python examples, exposed as one global,
// window.TFPEditor. The API is described in static/vendor/README.md.
import { EditorState, Prec, StateEffect, StateField } from "@codemirror/state";
import {
  Decoration,
  EditorView,
  drawSelection,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { python } from "@codemirror/lang-python";

const ERROR_LINE_CLASS = "cm-tfp-error-line";
const errorLineMark = Decoration.line({ class: ERROR_LINE_CLASS });

// The error line is a position, not a line number, so that it follows its line through edits.
const setErrorLine = StateEffect.define({
  map: (pos, mapping) => (pos == null ? null : mapping.mapPos(pos)),
});

const errorLineField = StateField.define({
  create() {
    return Decoration.none;
  },
  update(marks, tr) {
    marks = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (effect.is(setErrorLine)) {
        marks = effect.value == null
          ? Decoration.none
          : Decoration.set([errorLineMark.range(tr.state.doc.lineAt(effect.value).from)]);
      }
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const MONO = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";

const theme = EditorView.theme(
  {
    "&": {
      backgroundColor: "#ffffff",
      color: "#1f2328",
      fontSize: "0.92em",
      border: "1px solid #d9dde4",
      borderRadius: "8px",
    },
    "&.cm-focused": { outline: "3px solid #2563eb", outlineOffset: "1px" },
    ".cm-scroller": { fontFamily: MONO, lineHeight: "1.5" },
    ".cm-content": { caretColor: "#111827", padding: "6px 0" },
    ".cm-line": { padding: "0 10px 0 6px" },
    ".cm-gutters": {
      backgroundColor: "#f6f8fa",
      color: "#6b7280",
      borderRight: "1px solid #d9dde4",
      borderTopLeftRadius: "8px",
      borderBottomLeftRadius: "8px",
    },
    ".cm-content, .cm-gutter": { minHeight: "8em" },
    ".cm-activeLineGutter": { backgroundColor: "#e8edf5", color: "#1f2328" },
    "&.cm-focused .cm-cursor": { borderLeftColor: "#111827" },
    "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": {
      backgroundColor: "#cfe0ff",
    },
    "&.cm-focused .cm-matchingBracket": { backgroundColor: "#dbeafe", outline: "1px solid #93b4f5" },
    "&.cm-focused .cm-nonmatchingBracket": { backgroundColor: "#fde2e2" },
    ["." + ERROR_LINE_CLASS]: { backgroundColor: "#fdecec", boxShadow: "inset 3px 0 0 #dc2626" },
    ".cm-panels": { backgroundColor: "#f6f8fa", color: "#1f2328" },
  },
  { dark: false }
);

// CodeMirror puts its theme in <style> elements; under a CSP without 'unsafe-inline' they need the
// page's nonce, which the page gives to this script's tag (read while the bundle first runs).
const loaderScript = document.currentScript;
const styleNonce = (loaderScript && loaderScript.nonce) || "";

function create(parentElement, options) {
  if (!parentElement || typeof parentElement.appendChild !== "function") {
    throw new TypeError("TFPEditor.create: parentElement must be a DOM element");
  }
  const opts = options || {};
  const onRun = typeof opts.onRun === "function" ? opts.onRun : null;
  const onChange = typeof opts.onChange === "function" ? opts.onChange : null;
  const withLineNumbers = opts.lineNumbers !== false;
  const defaultLabel = "Code editor";

  const extensions = [
    // Ctrl-Enter / Cmd-Enter runs the code instead of inserting a newline.
    Prec.highest(
      keymap.of([
        {
          key: "Mod-Enter",
          preventDefault: true,
          run: () => {
            if (onRun) onRun();
            return true;
          },
        },
      ])
    ),
    withLineNumbers ? [lineNumbers(), highlightActiveLineGutter()] : [],
    highlightSpecialChars(),
    history(),
    drawSelection(),
    EditorState.allowMultipleSelections.of(false),
    EditorState.tabSize.of(4),
    indentUnit.of("    "),
    indentOnInput(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    bracketMatching(),
    highlightSelectionMatches(),
    python(),
    // Tab is deliberately not bound, so that it moves focus like in any other form control.
    keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap]),
    styleNonce ? EditorView.cspNonce.of(styleNonce) : [],
    errorLineField,
    theme,
    EditorView.contentAttributes.of({
      "aria-label": typeof opts.ariaLabel === "string" && opts.ariaLabel ? opts.ariaLabel : defaultLabel,
    }),
    onChange
      ? EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        })
      : [],
  ];

  let view = new EditorView({
    state: EditorState.create({ doc: opts.doc == null ? "" : String(opts.doc), extensions }),
    parent: parentElement,
  });

  return {
    getValue() {
      return view ? view.state.doc.toString() : "";
    },
    setValue(text) {
      if (!view) return;
      const doc = text == null ? "" : String(text);
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: doc },
        selection: { anchor: 0 },
        effects: setErrorLine.of(null),
      });
    },
    highlightLine(lineNumber) {
      if (!view) return;
      const n = Number(lineNumber);
      if (lineNumber == null || !Number.isFinite(n) || n < 1) {
        view.dispatch({ effects: setErrorLine.of(null) });
        return;
      }
      const doc = view.state.doc;
      const line = doc.line(Math.min(Math.floor(n), doc.lines));
      view.dispatch({ effects: [setErrorLine.of(line.from), EditorView.scrollIntoView(line.from, { y: "center" })] });
    },
    focus() {
      if (view) view.focus();
    },
    destroy() {
      if (view) {
        view.destroy();
        view = null;
      }
    },
  };
}

window.TFPEditor = Object.freeze({ create, version: "1" });
