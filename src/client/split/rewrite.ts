import { parser } from "@prometheus-io/lezer-promql";
import { InvalidArgumentError } from "../../errors/InvalidArgumentError.ts";
import { formatTime } from "../params.ts";

/** What a piece must not re-evaluate: the whole range's `start()`, `end()` and `range()`. */
const RANGE_FUNCTION = /\b(start|end|range)\s*\(\s*\)/;

/**
 * The query with `@ start()`, `@ end()` and `range()` — which mean the bounds and length of the
 * range asked — replaced by the whole range's values, so that each piece of a split range
 * evaluates what the whole would (as Cortex's and Thanos' query frontends do). Found with
 * Prometheus' own grammar, so text inside a string or a comment is left alone; a use the
 * grammar does not place (a dialect's `end()` function, a query it cannot parse) is refused
 * rather than evaluated per piece.
 */
export function withRangeFunctionsFixed(promql: string, start: number, end: number): string {
  if (!RANGE_FUNCTION.test(promql)) return promql;
  const replacements = new Map<number, { to: number; text: string }>();
  const inert: Array<[number, number]> = [];
  parser.parse(promql).iterate({
    enter(node) {
      switch (node.name) {
        case "AtStart":
        case "AtEnd":
        case "DurationRange": {
          // The node covers the name; the grammar guarantees "(" and ")" follow it.
          const close = promql.indexOf(")", node.to);
          const text =
            node.name === "DurationRange"
              ? `${Math.round((end - start) * 1000)}ms`
              : formatTime(node.name === "AtStart" ? start : end);
          replacements.set(node.from, { to: close + 1, text });
          return false;
        }
        case "StringLiteral":
        case "LineComment":
          inert.push([node.from, node.to]);
          return false;
        default:
          return undefined;
      }
    },
  });
  let out = "";
  let at = 0;
  for (const match of promql.matchAll(new RegExp(RANGE_FUNCTION, "g"))) {
    const from = match.index;
    if (from < at || inert.some(([a, b]) => from >= a && from < b)) continue;
    const replacement = replacements.get(from);
    if (replacement === undefined) {
      throw new InvalidArgumentError(
        "split",
        `the query uses ${match[1]}() where promfleet cannot give it the whole range's value: ask without split`,
      );
    }
    out += promql.slice(at, from) + replacement.text;
    at = replacement.to;
  }
  return out + promql.slice(at);
}
