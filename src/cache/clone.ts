/**
 * A deep copy of a result that keeps prototypes (InstantSample, RangeSeries, ApiResponse keep their
 * methods) and copies typed arrays, so one caller's result shares nothing mutable with another's.
 * `structuredClone` would drop the prototypes; the results hold no cycles, functions or symbols.
 */
export function cloneResult<T>(value: T): T {
  return cloneValue(value) as T;
}

function cloneValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneValue);
  if (value instanceof DataView) {
    return new DataView(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  }
  if (ArrayBuffer.isView(value)) {
    // Typed arrays (Float64Array columns, Uint8Array bodies) are copied, never shared.
    return (value as unknown as { slice(): unknown }).slice();
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [cloneValue(k), cloneValue(v)]));
  if (value instanceof Set) return new Set([...value].map(cloneValue));
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, {
      value: cloneValue((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
