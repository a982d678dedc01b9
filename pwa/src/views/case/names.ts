import { useEffect } from "preact/hooks";
import { ctx, useLive } from "../../app/state";
import { cachedMediators, cachedOrgs, orgName, refreshMediators, refreshOrgs, type Org } from "../../lib/orgs";

/** Load organisation names once (and this staff member's own mediators) when a case shows an id we cannot name. */
export function useNames(org: unknown, mediator: unknown, staffOrg: string | null | undefined): { orgs: Org[]; mediatorName: string | null } {
  const orgs = useLive(() => cachedOrgs(ctx.repo), []) ?? [];
  const mediators = useLive(() => (typeof org === "string" && org ? cachedMediators(ctx.repo, org) : Promise.resolve([])), [String(org ?? "")]) ?? [];
  const known = orgName(orgs, org) !== null;
  useEffect(() => {
    if (typeof org === "string" && org && !known) void refreshOrgs(ctx.repo).catch(() => {});
  }, [String(org ?? ""), known]);
  const mediatorKnown = mediators.some((m) => m.id === mediator);
  useEffect(() => {
    if (typeof org !== "string" || !org || org !== staffOrg || typeof mediator !== "string" || mediatorKnown) return;
    void (async () => {
      const token = await ctx.repo.getMeta<string>("token");
      if (token) await refreshMediators(ctx.repo, org, token).catch(() => {});
    })();
  }, [String(org ?? ""), String(mediator ?? ""), staffOrg, mediatorKnown]);
  return { orgs, mediatorName: mediators.find((m) => m.id === mediator)?.name ?? null };
}
