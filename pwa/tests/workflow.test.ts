/** The PWA's buttons are the server's workflow table (issue #10, finding 3), pinned by hand-written
 * vectors shared with pytest (tests/vectors/workflow.json, tests/test_shared_export.py). */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { intentAllowed, movesFor, STATES } from "../src/lib/workflow";

interface Vectors {
  buttons: Record<string, Record<string, string[]>>;
  required: Record<string, string[]>;
  intents: Record<string, { roles: string[]; states: string[] }>;
}
const V = JSON.parse(readFileSync(resolve(__dirname, "../../tests/vectors/workflow.json"), "utf8")) as Vectors;
const own = { isFiler: true, isAssignedOrg: true };

describe("buttons per role and state", () => {
  for (const [role, byState] of Object.entries(V.buttons)) {
    it(`${role}: exactly the server's moves`, () => {
      for (const state of STATES) expect(movesFor(role, state, own).map((m) => m.to), `${role} in ${state}`).toEqual(byState[state] ?? []);
    });
  }
  it("accept and decline only from assigned; no confirmation request for org admins and admins", () => {
    for (const state of STATES) {
      const ids = movesFor("mediator", state, own).map((m) => m.id);
      if (state !== "assigned") expect(ids).not.toContain("accept");
    }
    for (const role of ["org_admin", "admin"]) for (const state of STATES) expect(movesFor(role, state, own).map((m) => m.id)).not.toContain("request-confirmation");
  });
  it("each move asks for what the server requires", () => {
    for (const [role, byState] of Object.entries(V.buttons))
      for (const state of Object.keys(byState)) for (const m of movesFor(role, state, own)) expect(m.required, m.to).toEqual(V.required[m.to]);
    expect(targetsWithWords()).toEqual(Object.keys(V.required).sort());
  });
  it("nobody acts on another person's case or another organisation's", () => {
    const stranger = { isFiler: false, isAssignedOrg: false };
    for (const role of ["citizen", "grid_worker", "mediator", "org_admin"]) for (const state of STATES) expect(movesFor(role, state, stranger)).toEqual([]);
    expect(movesFor("admin", "assigned", stranger).map((m) => m.id)).toEqual(["accept", "decline", "escalate"]);
  });
  it("pause, resume and category corrections follow the server's intents", () => {
    for (const [name, rule] of Object.entries(V.intents))
      for (const role of Object.keys(V.buttons)) for (const state of STATES) expect(intentAllowed(name, role, state), `${name} ${role} ${state}`).toBe(rule.roles.includes(role) && rule.states.includes(state));
  });
});

function targetsWithWords(): string[] {
  const seen = new Set<string>();
  for (const role of Object.keys(V.buttons)) for (const state of STATES) for (const m of movesFor(role, state, own)) if (m.words.zh && m.words.en) seen.add(m.to);
  return [...seen].sort();
}
