/** Role names in both languages, looked up by the server's identifiers. States, events and
 * categories come from the server (lib/workflow.ts). */
export const ROLE: Record<string, { zh: string; en: string }> = {
  citizen: { zh: "群众", en: "Citizen" },
  grid_worker: { zh: "网格员", en: "Grid worker" },
  mediator: { zh: "调解员", en: "Mediator" },
  org_admin: { zh: "机构管理员", en: "Org admin" },
  court_clerk: { zh: "法院书记员", en: "Court clerk" },
  analyst: { zh: "分析员", en: "Analyst" },
  admin: { zh: "管理员", en: "Admin" },
  system: { zh: "系统", en: "System" },
};
