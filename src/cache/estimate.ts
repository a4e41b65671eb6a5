/** Elements of a long array measured one by one; the rest are taken to be like them. */
const SAMPLED = 256;

/**
 * About how many bytes a result takes once encoded, so a result over the cache's size cap is
 * refused before it is encoded: encoding a 400,000-series vector only to drop it blocked the
 * event loop for most of a second. Long arrays (the series of a result) are measured on their
 * first 256 elements and scaled, so the estimate costs next to nothing whatever the size; a
 * wrong guess only means one result more or less in the cache, which the encoded size decides
 * anyway.
 */
export function estimateBytes(value: unknown): number {
  if (typeof value === "string") return value.length + 3;
  if (typeof value === "number" || typeof value === "boolean") return 4;
  // Typed columns are stored as base64: 4/3 of their bytes.
  if (ArrayBuffer.isView(value)) return Math.ceil((value.byteLength * 4) / 3);
  if (Array.isArray(value)) {
    const measured = Math.min(value.length, SAMPLED);
    let bytes = 0;
    for (let i = 0; i < measured; i++) bytes += estimateBytes(value[i]) + 1;
    return measured === 0 ? 2 : Math.ceil((bytes * value.length) / measured) + 2;
  }
  if (typeof value !== "object" || value === null) return 4;
  let bytes = 2;
  for (const key in value) bytes += key.length + 4 + estimateBytes((value as Record<string, unknown>)[key]);
  return bytes;
}
