import { DecodeError } from "../decode/DecodeError.ts";
import { ApiResponse } from "../decode/response.ts";
import { errorFromResponse } from "../errors/fromResponse.ts";
import { ResponseError } from "../errors/ResponseError.ts";
import type { BodyDecoder } from "./decoder.ts";
import { maskEchoed } from "./echoedSecrets.ts";
import type { ExchangeAnswer } from "./exchange.ts";

/**
 * Turns a 2xx answer into the endpoint's result. A body that does not decode is a
 * ResponseError saying why; an error envelope (some servers send one with a 2xx) is the error
 * it describes. Credentials the request sent are masked in any text quoted from the body.
 */
export function decodeAnswer<T>(
  answer: ExchangeAnswer,
  decode: BodyDecoder<T>,
  endpoint: string,
  cluster: string | undefined,
): ApiResponse<T> {
  let decoded: ReturnType<BodyDecoder<T>>;
  try {
    decoded = decode(answer.body);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    throw new ResponseError(
      `${endpoint} answered ${answer.status} with a body that is not valid: ${maskEchoed(error.message, answer.credentials)}`,
      { endpoint, status: answer.status, cluster, warnings: error.warnings, infos: error.infos },
    );
  }
  if (!decoded.ok) {
    const { envelope } = decoded;
    const error = errorFromResponse({
      status: answer.status,
      errorType: envelope.errorType,
      detail: envelope.error === undefined ? undefined : maskEchoed(envelope.error, answer.credentials),
      endpoint,
      warnings: envelope.warnings,
      infos: envelope.infos,
    });
    error.cluster = cluster;
    throw error;
  }
  return new ApiResponse(decoded.data, decoded.warnings, decoded.infos);
}
