import { describe, expect, it } from "vitest";
import { Hlc, formatTs, parseTs } from "../src/sync/hlc";

describe("HLC", () => {
  it("formats like the server", () => {
    expect(formatTs(1763779200000, 3, "r7k2abcd")).toBe("001763779200000:0003:r7k2abcd");
    expect(parseTs("001763779200000:000a:r7k2abcd")).toEqual({ ms: 1763779200000, c: 10, replica: "r7k2abcd" });
  });
  it("is strictly increasing even when the wall clock stalls or goes back", () => {
    let now = 1000;
    const h = new Hlc("replicaA", undefined, 0, () => now);
    const a = h.now();
    const b = h.now();
    now = 500;
    const c = h.now();
    now = 2000;
    const d = h.now();
    expect([a, b, c, d]).toEqual([...[a, b, c, d]].sort());
    expect(new Set([a, b, c, d]).size).toBe(4);
    expect(d).toBe("000000000002000:0000:replicaA");
  });
  it("sorts after what it received", () => {
    const h = new Hlc("replicaA", undefined, 0, () => 1000);
    h.receive("000000000005000:0007:replicaB");
    expect(h.now()).toBe("000000000005000:0008:replicaA");
  });
  it("correct() takes the server time after clock_ahead", () => {
    let now = 10_000_000;
    const h = new Hlc("replicaA", undefined, 0, () => now);
    h.now();
    h.correct("000000000001000:0000:server01");
    const ts = h.now();
    expect(parseTs(ts).ms).toBe(1000);
    now += 50;
    expect(parseTs(h.now()).ms).toBe(1050);
  });
  it("counter overflow borrows the next millisecond", () => {
    const h = new Hlc("replicaA", { ms: 1000, c: 0xffff }, 0, () => 1000);
    expect(h.now()).toBe("000000000001001:0000:replicaA");
  });
});
