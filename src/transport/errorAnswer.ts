import { bodyText, type Envelope, parseEnvelope } from "../decode/envelope.ts";
import { conciseDetail, type FailedAnswer } from "../errors/fromResponse.ts";
import { maskEchoed } from "./echoedSecrets.ts";

/**
 * Reads a non-2xx body: Prometheus' JSON error when it is one, else the (proxy's) text, trimmed.
 * The `credentials` the request sent are masked before the text is cut to length: a credential
 * cut in two could no longer be recognised.
 */
export function describeErrorBody(
  status: number,
  body: Uint8Array,
  endpoint: string,
  retryAfterMs: number | undefined,
  credentials: readonly string[] = [],
): FailedAnswer {
  let envelope: Envelope | undefined;
  try {
    envelope = parseEnvelope(body);
  } catch {
    envelope = undefined;
  }
  if (envelope && (envelope.errorType !== undefined || envelope.error !== undefined)) {
    return {
      status,
      errorType: envelope.errorType,
      detail:
        envelope.error === undefined ? undefined : conciseDetail(maskEchoed(envelope.error, credentials)),
      endpoint,
      warnings: envelope.warnings,
      infos: envelope.infos,
      retryAfterMs,
    };
  }
  return { status, detail: plainDetail(maskEchoed(bodyText(body), credentials)), endpoint, retryAfterMs };
}

/** A proxy's text kept as is; an HTML page reduced to its title, since its markup helps nobody. */
function plainDetail(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0) return undefined;
  if (trimmed.startsWith("<")) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
    return title ? `an HTML page titled "${conciseDetail(title)}"` : "an HTML page";
  }
  return conciseDetail(trimmed);
}
