/** Wire shapes of GET /api/v1/cockpit/summary|trend|risks (server/cockpit/api.py). */
export interface Figures {
  total: number;
  mediated: number;
  first_mediation_rate: number | null;
  success: number;
  failure: number;
  mediation_success_rate: number | null;
  closed: number;
  settled: number;
  settle_withdraw_rate: number | null;
  litigation: number;
  litigation_per_10k: number | null;
  open: number;
}
export interface TownFigures extends Figures {
  region: string | null;
  name: string;
  population: number | null;
}
export interface Summary {
  from: string;
  to: string;
  scope: TownFigures;
  towns: TownFigures[];
  unplaced: number;
  population_note: string;
}
export interface Month extends Figures {
  month: string;
}
export interface Trend {
  name: string;
  months: Month[];
}
export interface Risk {
  type: "spike" | "repeat_respondent" | "group_dispute";
  region: string | null;
  region_name: string;
  category: string | null;
  category_name: string;
  count: number;
  baseline: number | null;
  message: string;
  respondent: string | null;
  cases: number | null;
}
export interface Risks {
  warnings: Risk[];
  rules: Record<string, string>;
}
