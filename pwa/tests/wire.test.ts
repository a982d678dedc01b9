import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { materializeAll } from "../src/sync/merge";
import { expandRecords, fullId, tsReplica } from "../src/sync/wire";
import type { Change, Op, RecordChanges } from "../src/sync/types";

/** The same page as v1 changes and as v2 records (written by server/sync/wire.py, checked by pytest). */
const vector = JSON.parse(readFileSync(resolve(__dirname, "../../tests/vectors/wire_v2.json"), "utf8")) as {
  changes: Change[];
  records: RecordChanges[];
  expected: Record<string, unknown>;
};

describe("sync v2 pages (tests/vectors/wire_v2.json)", () => {
  it("expanding the records gives the view the whole page gives", () => {
    expect(materializeAll(expandRecords(vector.records))).toEqual(vector.expected);
    expect(materializeAll(vector.changes)).toEqual(vector.expected);
  });

  it("restores every kept op exactly as the server stored it", () => {
    const byId = new Map(vector.changes.map((c) => [c.id, c]));
    const expanded = expandRecords(vector.records);
    expect(expanded.length).toBeLessThan(vector.changes.length); // superseded puts and the intent are gone
    for (const op of expanded) {
      const { seq: _seq, ...stored } = byId.get(op.id)!;
      void _seq;
      expect({ seen: null, ...op }).toEqual({ seen: null, ...stored });
    }
  });

  it("merges with what the phone already holds as the whole page would", () => {
    // a later local edit and a concurrent older one: the compact page must lose/win exactly the same
    const local: Op[] = [
      { id: "phoneB0001:1", ts: "001763779200085:0000:phoneB0001", entity: "case", key: "01JD0000000000000000000101", kind: "put", field: "summary", value: "本机稍晚的改动" },
      { id: "phoneB0001:2", ts: "001763779200079:0000:phoneB0001", entity: "case", key: "01JD0000000000000000000101", kind: "put", field: "region", value: "330522001009" },
    ];
    expect(materializeAll([...local, ...expandRecords(vector.records)])).toEqual(materializeAll([...local, ...vector.changes]));
  });
});

describe("ids on the wire", () => {
  it("a short n takes the replica of its ts; a whole id stays", () => {
    expect(tsReplica("001763779201000:0000:alicePhone")).toBe("alicePhone");
    expect(fullId("17", "001763779201000:0000:alicePhone")).toBe("alicePhone:17");
    expect(fullId("bobTablet1:3", "001763779201000:0000:alicePhone")).toBe("bobTablet1:3");
  });
});
