/**
 * Prometheus writes sample values as JSON strings in Go's format: "NaN", "+Inf", "-Inf", and
 * decimals or exponents. JavaScript's `Number("+Inf")` is NaN, so the special values are mapped
 * here. Returns `undefined` for anything that is not a float, so callers can report it.
 */
export function parseSampleValue(text: string): number | undefined {
  const n = Number(text);
  if (!Number.isNaN(n)) {
    // Number("") and Number("  ") are 0: an empty value is not a sample.
    return text.length === 0 || text.trim().length !== text.length ? undefined : n;
  }
  switch (text) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
    case "Inf":
    case "+inf":
    case "inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
    case "-inf":
      return Number.NEGATIVE_INFINITY;
    default:
      return undefined;
  }
}

/**
 * Formats a value as Prometheus does on the wire: "NaN", "+Inf", "-Inf", or the shortest
 * decimal that reads back as the same float, -0 included (numerically exact, though Go may
 * print `1.5e-07` where JavaScript prints `1.5e-7`).
 */
export function formatSampleValue(value: number): string {
  // String(-0) is "0"; Go prints "-0", and a round trip must keep the sign.
  if (Object.is(value, -0)) return "-0";
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}
