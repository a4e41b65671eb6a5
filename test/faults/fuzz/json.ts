import fc from "fast-check";

/**
 * A JSON tree that can say what `JSON.stringify` cannot: objects with duplicate or `__proto__`
 * keys in a chosen order ({@link Obj}), and raw number or nesting text ({@link Raw}) such as
 * `1e400` or a hundred thousand brackets.
 */

/** An object as an ordered list of entries (duplicates and `__proto__` allowed). */
export class Obj {
  readonly entries: ReadonlyArray<readonly [string, J]>;
  constructor(entries: ReadonlyArray<readonly [string, J]>) {
    this.entries = entries;
  }
}

/** Text written as is. */
export class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** A node of the tree. */
export type J = null | boolean | number | string | J[] | Obj | Raw;

/** Writes a tree as JSON text. */
export function write(node: J): string {
  if (node instanceof Raw) return node.text;
  if (node instanceof Obj) {
    return `{${node.entries.map(([key, value]) => `${JSON.stringify(key)}:${write(value)}`).join(",")}}`;
  }
  if (Array.isArray(node)) return `[${node.map(write).join(",")}]`;
  return JSON.stringify(node) ?? "null";
}

/** Turns what fc.jsonValue() makes into a tree. */
function fromValue(value: unknown): J {
  if (Array.isArray(value)) return value.map(fromValue);
  if (value !== null && typeof value === "object") {
    return new Obj(
      Object.keys(value).map((key) => [key, fromValue((value as Record<string, unknown>)[key])]),
    );
  }
  return value as J;
}

/** Odd number texts: beyond float range, below it, negative zero, longer than any float. */
export const oddNumber: fc.Arbitrary<J> = fc.constantFrom(
  new Raw("1e400"),
  new Raw("-1e400"),
  new Raw("1e-400"),
  new Raw("-0"),
  new Raw("123456789012345678901234567890"),
  new Raw("0.1e1"),
  new Raw("1E+2"),
  new Raw(`1${"0".repeat(400)}`),
  1.7976931348623157e308,
  5e-324,
  -1,
);

/** Any JSON value, odd numbers and prototype-named keys included. */
export const anyJson: fc.Arbitrary<J> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(fromValue) },
  { weight: 1, arbitrary: oddNumber },
  {
    weight: 1,
    arbitrary: fc.constantFrom<J>(
      new Obj([["__proto__", new Obj([["polluted", "yes"]])]]),
      new Obj([["constructor", new Obj([["prototype", new Obj([["polluted", "yes"]])]])]]),
      [],
      new Obj([]),
      "",
    ),
  },
);

/** Wraps `arb` so that about one value in `1/rate` is any JSON instead (a wrong type). */
export function sometimesWrong<T extends J>(arb: fc.Arbitrary<T>, wrong: boolean): fc.Arbitrary<J> {
  if (!wrong) return arb;
  return fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: anyJson });
}
