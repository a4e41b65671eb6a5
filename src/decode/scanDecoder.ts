import type { BodyDecoder } from "../transport/decoder.ts";
import { scanQuery } from "./scanQuery.ts";
import type { QueryData } from "./types.ts";

/**
 * A query body decoder that tries the fast scanner first and hands the body to `reference` (the
 * valibot-validated `JSON.parse` path) whenever the scanner gives up or its result is not what
 * `accept` wants. The reference path then decodes it or throws the precise error, so results
 * and errors are the same either way; only the time and memory differ.
 */
export function scanningDecoder<T extends QueryData>(
  reference: BodyDecoder<T>,
  accept: (data: QueryData) => data is T,
): BodyDecoder<T> {
  return (body) => {
    const outcome = scanQuery(body);
    if (outcome.ok && outcome.decoded.ok && accept(outcome.decoded.data)) {
      const { data, warnings, infos } = outcome.decoded;
      return { ok: true, data, warnings, infos };
    }
    return reference(body);
  };
}
