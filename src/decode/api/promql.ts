import * as v from "valibot";
import { schemaDecoder } from "./common.ts";

/**
 * `/api/v1/parse_query`: the expression's syntax tree as Prometheus' web UI reads it. Every node
 * is an object with a `type` (`aggregation`, `binaryExpr`, `call`, `matrixSelector`, `subquery`,
 * `numberLiteral`, `durationExpr`, `parenExpr`, `stringLiteral`, `unaryExpr`, `vectorSelector`)
 * and members that depend on it (`lhs`/`rhs`, `expr`, `args`, `matchers`…), kept as sent.
 * Prometheus calls the format experimental: it may change between versions, hence no deeper typing.
 */
export interface ParsedQuery {
  /** The node type, e.g. `"binaryExpr"`. */
  type: string;
  /** The node's other members, as sent. */
  [member: string]: unknown;
}

/** Decodes `/api/v1/parse_query`: an object with a string `type`, the rest kept as sent. */
export const decodeParsedQuery = schemaDecoder<ParsedQuery>(v.looseObject({ type: v.string() }));
