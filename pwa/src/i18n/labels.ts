/** Status, timeline-event and role names in both languages, looked up by the server's identifiers. */
export const STATUS: Record<string, { zh: string; en: string }> = {
  draft: { zh: "待提交", en: "Not sent yet" },
  submitted: { zh: "已提交，等待分派", en: "Submitted" },
  assigned: { zh: "已分派，等待受理", en: "Assigned" },
  accepted: { zh: "已受理，调解中", en: "Being mediated" },
  resolved: { zh: "调解成功", en: "Resolved" },
  failed: { zh: "调解不成", en: "Not resolved" },
  withdrawn: { zh: "已撤回", en: "Withdrawn" },
  declined: { zh: "不予受理", en: "Declined" },
  escalated: { zh: "已转上级处理", en: "Escalated" },
  confirmation_requested: { zh: "已申请司法确认", en: "Judicial confirmation requested" },
  confirmed: { zh: "已司法确认", en: "Judicially confirmed" },
  confirmation_denied: { zh: "司法确认未通过", en: "Confirmation denied" },
  filing_requested: { zh: "已申请诉讼立案", en: "Lawsuit filing requested" },
  filed: { zh: "法院已立案", en: "Filed in court" },
};

/** Timeline events (server/routing/service.py `_timeline`), in plain words. */
export const EVENT: Record<string, { zh: string; en: string }> = {
  submitted: { zh: "提交了调解申请", en: "Application submitted" },
  assigned: { zh: "已分派", en: "Assigned" },
  accepted: { zh: "已受理，开始调解", en: "Accepted, mediation started" },
  declined: { zh: "不予受理", en: "Declined" },
  escalated: { zh: "已上移到上一级调解组织", en: "Moved up a level" },
  resolved: { zh: "调解成功", en: "Mediation succeeded" },
  failed: { zh: "调解不成", en: "Mediation failed" },
  withdrawn: { zh: "申请已撤回", en: "Withdrawn" },
  paused: { zh: "暂停计时", en: "Clock paused" },
  deadline_recomputed: { zh: "办理期限已按放假安排重新计算", en: "Deadline recounted with the holiday arrangement" },
  resumed: { zh: "恢复计时", en: "Clock resumed" },
  category_corrected: { zh: "更正了纠纷类别", en: "Category corrected" },
  filing_suggested: { zh: "建议向人民法院起诉", en: "Court filing suggested" },
  confirmation_requested: { zh: "申请了司法确认", en: "Judicial confirmation requested" },
  confirmed: { zh: "人民法院已司法确认", en: "Judicially confirmed" },
  confirmation_denied: { zh: "人民法院驳回了司法确认", en: "Judicial confirmation denied" },
  filing_requested: { zh: "申请了诉讼立案", en: "Court filing requested" },
  filed: { zh: "人民法院已立案", en: "Filed in court" },
};

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
