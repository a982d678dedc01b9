/** The phone rule against the vectors pytest also runs (tests/vectors/phones.json against
 * server/sync/fields.py is_phone): the form accepts exactly what the server stores. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { isPhone } from "../src/lib/validate";

interface Vectors {
  cases: { value: string; ok: boolean; why: string }[];
}
const V = JSON.parse(readFileSync(resolve(__dirname, "../../tests/vectors/phones.json"), "utf8")) as Vectors;

describe("phones: the server's rule (shared vectors)", () => {
  it.each(V.cases)("$value → $ok ($why)", ({ value, ok }) => {
    // "" means not given: the form does not ask isPhone about it
    expect(value === "" || isPhone(value)).toBe(ok);
  });
});
