import { DecodeError } from "../decode/DecodeError.ts";
import { type Envelope, parseEnvelope } from "../decode/envelope.ts";

/** The outcome of decoding a 2xx body. */
export type DecodedBody<T> =
  | { ok: true; data: T; warnings: string[]; infos: string[] }
  | { ok: false; envelope: Envelope };

/**
 * Turns a body into data. The default parses and validates the envelope, then hands `data` to
 * the endpoint's decoder; the query endpoints may plug in a faster scanner with the same contract.
 */
export type BodyDecoder<T> = (body: Uint8Array) => DecodedBody<T>;

/** A decoder that validates the envelope and decodes `data` with `decodeData`. */
export function envelopeDecoder<T>(decodeData: (data: unknown) => T): BodyDecoder<T> {
  return (body) => {
    const envelope = parseEnvelope(body);
    if (envelope.status === "error") return { ok: false, envelope };
    if (envelope.data === undefined) throw new DecodeError("the body has status success but no data");
    try {
      return {
        ok: true,
        data: decodeData(envelope.data),
        warnings: envelope.warnings,
        infos: envelope.infos,
      };
    } catch (error) {
      // The server's warnings (a Thanos partial response, say) explain a bad `data` as often as not.
      if (error instanceof DecodeError) {
        error.warnings = envelope.warnings;
        error.infos = envelope.infos;
      }
      throw error;
    }
  };
}
