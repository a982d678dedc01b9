// Writes src/generated/api.d.ts, the PWA's wire types, from the server's OpenAPI document
// (src/generated/openapi.json, written by `jiefen export-shared`). tests/generated.test.ts fails
// when the checked-in file differs from what this makes.
import openapiTS from "openapi-typescript";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const dir = resolve(dirname(fileURLToPath(import.meta.url)), "../src/generated");
const schema = JSON.parse(readFileSync(resolve(dir, "openapi.json"), "utf8"));
writeFileSync(resolve(dir, "api.d.ts"), await openapiTS(schema));
console.log("wrote src/generated/api.d.ts");
