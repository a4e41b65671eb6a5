/**
 * Thrown by decoders when a body is not what the API promises. Internal: the transport turns it
 * into a {@link ResponseError} carrying the endpoint and status.
 */
export class DecodeError extends Error {
  override name = "DecodeError";
  /** The envelope's warnings, when the envelope was read before `data` failed (never dropped). */
  warnings: string[] = [];
  /** The envelope's infos, likewise. */
  infos: string[] = [];
}

/** Throws a DecodeError naming where in the body the shape went wrong. */
export function fail(where: string, expected: string): never {
  throw new DecodeError(`${where}: expected ${expected}`);
}
