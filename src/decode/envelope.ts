import * as v from "valibot";
import { DecodeError } from "./DecodeError.ts";

/**
 * The envelope every /api/v1 answer shares. Validated with valibot; `data` is left to the
 * endpoint's own decoder (samples are decoded in one tight loop, not schema by schema).
 */
const EnvelopeSchema = v.looseObject({
  status: v.picklist(["success", "error"]),
  data: v.optional(v.unknown()),
  errorType: v.optional(v.string()),
  error: v.optional(v.string()),
  warnings: v.optional(v.nullable(v.array(v.string()))),
  infos: v.optional(v.nullable(v.array(v.string()))),
  isPartial: v.optional(v.unknown()),
});

/**
 * The warning an answer with `"isPartial": true` gets. VictoriaMetrics (cluster) says so at the
 * top of the envelope, with no warning, when some vmstorage nodes did not answer: as a warning
 * it is seen by the caller and keeps the answer out of the cache, as Thanos' partial responses.
 */
export const PARTIAL_WARNING = "the answer is partial (isPartial: true): some storage nodes did not answer";

/** The server's warnings, with {@link PARTIAL_WARNING} added when it flagged the answer partial. */
export function withPartial(warnings: string[], isPartial: unknown): string[] {
  return isPartial === true ? [...warnings, PARTIAL_WARNING] : warnings;
}

/** A decoded envelope. */
export interface Envelope {
  status: "success" | "error";
  data: unknown;
  errorType: string | undefined;
  error: string | undefined;
  warnings: string[];
  infos: string[];
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Decodes body bytes as UTF-8 text. */
export function bodyText(body: Uint8Array): string {
  return utf8.decode(body);
}

/** Parses and validates an envelope; throws DecodeError with a reason a person can act on. */
export function parseEnvelope(body: Uint8Array | string): Envelope {
  const text = typeof body === "string" ? body : bodyText(body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const start = text.trimStart().slice(0, 1);
    const hint =
      start === "<"
        ? "an HTML page (a proxy or login page?)"
        : `not JSON (${withoutSnippet(error as Error)})`;
    throw new DecodeError(`the body is ${hint}`);
  }
  return validateEnvelope(json);
}

/**
 * V8's `JSON.parse` message without the piece of the body it quotes (`Unexpected token 'B',
 * "Bearer s3c"... is not valid JSON`): a body may echo a credential, and a cut-off piece of one
 * cannot be recognised and masked.
 */
function withoutSnippet(error: Error): string {
  return error.message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, "");
}

/** Validates an already parsed envelope. */
export function validateEnvelope(json: unknown): Envelope {
  const parsed = v.safeParse(EnvelopeSchema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".") || "body";
    throw new DecodeError(`the body is not a Prometheus API envelope (${path}: ${issue.message})`);
  }
  const o = parsed.output;
  return {
    status: o.status,
    data: o.data,
    errorType: o.errorType,
    error: o.error,
    warnings: withPartial(o.warnings ?? [], o.isPartial),
    infos: o.infos ?? [],
  };
}
