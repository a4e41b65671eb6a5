import { parser } from "@prometheus-io/lezer-promql";
import { InvalidArgumentError } from "../../errors/InvalidArgumentError.ts";
import { formatTime, toSeconds } from "../params.ts";

/** The grammar's nodes that stand for the range asked: `@ start()`, `@ end()`, `range()`. */
const RANGE_NODES = new Set(["AtStart", "AtEnd", "DurationRange"]);

/** One replacement: `[from, to)` of the text becomes `text`. */
interface Edit {
  node: string;
  from: number;
  to: number;
  text: string;
}

/** A query rewritten for the pieces of a split range. */
export interface PieceQuery {
  /** The text each piece sends. */
  query: string;
  /** Whether it reads at the whole range's end (`@ end()`), whatever the piece's own end. */
  readsEnd: boolean;
  /** How far past a time it evaluates it reads (seconds): its largest negative `offset`, or 0. */
  readsAhead: number;
}

/**
 * The query with `@ start()`, `@ end()` and `range()` — which mean the bounds and length of the
 * range asked — replaced by the whole range's values, so that each piece of a split range
 * evaluates what the whole would (as Cortex's and Thanos' query frontends do). Found with
 * Prometheus' own grammar (any letter case, as Prometheus reads them), so text in strings and
 * comments is left alone and a comment inside `start( # … )` is no hiding place. Refused rather
 * than evaluated per piece: the `start()`, `end()` and `range()` functions, and a query the
 * grammar cannot parse — a dialect such as MetricsQL has functions of the whole range
 * (`range_max`, `running_sum`) that pieces would evaluate piece by piece.
 */
export function forPieces(promql: string, start: number, end: number): PieceQuery {
  const edits = rangeEdits(promql, start, end);
  let out = "";
  let at = 0;
  for (const edit of edits) {
    out += promql.slice(at, edit.from) + edit.text;
    at = edit.to;
  }
  out += promql.slice(at);
  const { rangeNodes, readsAhead } = readOf(out);
  // What was replaced must be gone: a piece must never evaluate its own bounds.
  if (rangeNodes > 0) refuse("start(), end() or range()");
  return { query: out, readsEnd: edits.some((e) => e.node === "AtEnd"), readsAhead };
}

function rangeEdits(promql: string, start: number, end: number): Edit[] {
  const edits: Edit[] = [];
  let parsed = true;
  let functionUsed: string | undefined;
  parser.parse(promql).iterate({
    enter(node) {
      if (node.type.isError) parsed = false;
      if (RANGE_NODES.has(node.name)) {
        // Milliseconds as Prometheus reads the bounds sent, so range() is what it would compute.
        const text =
          node.name === "DurationRange"
            ? `${Math.round(end * 1000) - Math.round(start * 1000)}ms`
            : formatTime(node.name === "AtStart" ? start : end);
        edits.push({ node: node.name, from: node.from, to: afterEmptyCall(promql, node.to), text });
        return false;
      }
      if (node.name === "FunctionIdentifier") {
        const name = promql.slice(node.from, node.to);
        if (/^(?:start|end|range)$/i.test(name)) functionUsed ??= `${name}()`;
        return false;
      }
      return undefined;
    },
  });
  if (functionUsed !== undefined) refuse(functionUsed);
  if (!parsed) {
    throw new InvalidArgumentError(
      "split",
      "the query does not parse as PromQL (a dialect such as MetricsQL, or a function this grammar does not know), so promfleet cannot check that its pieces evaluate what the whole range would: ask without split",
    );
  }
  return edits;
}

/**
 * What the rewritten query still holds of the range (nothing, if the rewrite was right), and how
 * far ahead its negative offsets read: an old piece of `x offset -1d` reads the day after it,
 * which may be the last minute, and the cache must keep it as briefly as recent data. Offsets
 * are added up (a subquery's and its selector's stack); one that is not a plain `-<duration>`
 * counts as reading anything ahead (Infinity).
 */
function readOf(promql: string): { rangeNodes: number; readsAhead: number } {
  let rangeNodes = 0;
  let readsAhead = 0;
  parser.parse(promql).iterate({
    enter(node) {
      if (RANGE_NODES.has(node.name)) rangeNodes++;
      // The outermost duration of each offset (its inner ones are parts of it).
      if (node.name === "OffsetDurationExpr" && node.node.parent?.name !== "OffsetDurationExpr") {
        const text = promql.slice(node.from, node.to);
        if (text.includes("-")) readsAhead += negativeOffset(text);
      }
      return undefined;
    },
  });
  return { rangeNodes, readsAhead };
}

/**
 * How far ahead of the times it is evaluated at a query reads, in seconds, through negative
 * offsets (0 when it has none; Infinity when one is an expression). Parses only a query that
 * has both "offset" and a minus in it.
 */
export function readsAhead(promql: string): number {
  return /offset/i.test(promql) && promql.includes("-") ? readOf(promql).readsAhead : 0;
}

/** Seconds of `-<duration>`; Infinity for anything else with a minus in it (an expression). */
function negativeOffset(text: string): number {
  const plain = /^-\s*([0-9][0-9A-Za-z.]*)$/.exec(text.trim());
  if (!plain) return Number.POSITIVE_INFINITY;
  try {
    return toSeconds(plain[1]!, "offset", true);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** The end of the `( )` after a name at `from`, across whitespace and `#` comments. */
function afterEmptyCall(text: string, from: number): number {
  let at = from;
  for (const expected of ["(", ")"]) {
    for (;;) {
      const c = text[at];
      if (c === "#") at = lineEnd(text, at);
      else if (c !== undefined && /\s/.test(c)) at++;
      else break;
    }
    if (text[at] !== expected) refuse("start(), end() or range()");
    at++;
  }
  return at;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf("\n", from);
  return nl < 0 ? text.length : nl;
}

function refuse(what: string): never {
  throw new InvalidArgumentError(
    "split",
    `the query uses ${what} where promfleet cannot give it the whole range's value: ask without split`,
  );
}
