import { parser } from "@prometheus-io/lezer-promql";
import { checkQuery } from "../client/params.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";

/**
 * Where the first syntax error of `promql` is, or undefined when it parses — or when the error
 * is a call of a function the grammar does not know. The grammar is one Prometheus version's
 * (3.x): `holt_winters` of 2.x, a newer server's functions or a dialect's are valid on the
 * servers that have them, so such a query is left to the server rather than refused here.
 */
export function firstSyntaxError(promql: string): number | undefined {
  let at: number | undefined;
  let unknownFunction = false;
  parser.parse(promql).iterate({
    enter(node) {
      if (at !== undefined) return false;
      if (node.type.isError) {
        at = node.from;
        // `name(` where the grammar saw a metric name: a call of a function it does not know.
        const { parent, prevSibling } = node.node;
        unknownFunction =
          promql[at] === "(" && parent?.name === "VectorSelector" && prevSibling?.name === "Identifier";
      }
      return undefined;
    },
  });
  return unknownFunction ? undefined : at;
}

/** Line and column (both from 1) of offset `at` in `text`. */
function position(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/**
 * Checks PromQL syntax locally, once per fan-out, with Prometheus' own lezer grammar, so a typo
 * is one error instead of one 400 per cluster. The error is an InvalidArgumentError (a
 * BadQueryError, `errorType` "bad_data" as Prometheus would say) naming the argument and where
 * the parse failed. Only syntax is checked: type errors (e.g. `rate` of an instant vector) are
 * left to the servers. Dialects the grammar does not know (MetricsQL) turn this off.
 */
export function checkPromqlSyntax(promql: unknown, argument = "query"): string {
  const query = checkQuery(promql, argument);
  const at = firstSyntaxError(query);
  if (at === undefined) return query;
  const { line, column } = position(query, at);
  const rest = query.slice(at).split("\n")[0] ?? "";
  const near =
    rest.trim() === "" ? "unexpected end of input" : `unexpected ${JSON.stringify(rest.slice(0, 24))}`;
  throw new InvalidArgumentError(
    argument,
    `${argument} is not valid PromQL: ${near} at line ${line}, column ${column}`,
    { errorType: "bad_data" },
  );
}
