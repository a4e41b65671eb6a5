import { inspect } from "node:util";

/**
 * What the secret-leak tests search: every text a person or a tool would look at for a value, and the
 * forms a private key could show up in.
 */

/**
 * Every view of `value` a person or a tool would look at: util.inspect (with hidden and getter
 * properties, and plain), JSON.stringify (or why it threw), and for an Error its message, stack and own
 * properties, following `cause` through at most `errorDepth` errors (1: only `value` itself).
 */
export function viewsOf(value: unknown, errorDepth: number): string[] {
  const out = [inspect(value, { depth: 12, showHidden: true, getters: true }), inspect(value, { depth: 12 })];
  try {
    out.push(JSON.stringify(value) ?? "");
  } catch (error) {
    out.push(String(error));
  }
  for (let e = value, depth = 0; e instanceof Error && depth < errorDepth; e = e.cause, depth++) {
    out.push(e.message, String(e.stack));
    for (const key of Object.getOwnPropertyNames(e)) out.push(inspect((e as never)[key], { depth: 12 }));
  }
  return out;
}

/** The base64 body lines of a PEM key (long enough not to match by chance; no BEGIN/END lines). */
export function pemBodyLines(pem: string): string[] {
  return pem.split("\n").filter((line) => line.length > 20 && !line.startsWith("-----"));
}
