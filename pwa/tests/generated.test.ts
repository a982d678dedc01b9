/** The PWA's wire types are generated from the server's OpenAPI document, never written by hand. */
import { describe, expect, it } from "vitest";
import openapiTS, { type OpenAPI3 } from "openapi-typescript";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const dir = resolve(__dirname, "../src/generated");

describe("generated wire types", () => {
  it("api.d.ts is what openapi-typescript makes of openapi.json (run `npm run gen:api`)", async () => {
    const schema = JSON.parse(readFileSync(resolve(dir, "openapi.json"), "utf8")) as OpenAPI3;
    expect(readFileSync(resolve(dir, "api.d.ts"), "utf8")).toBe(await openapiTS(schema));
  });
});
