/** Wire shapes of GET /api/v1/cockpit/summary|trend|risks|assessment: the server's own schemas,
 * generated from /schema/openapi.json (`make generated`), never declared again here. */
import type { components } from "../../generated/api";

type S = components["schemas"];
export type TownFigures = S["FiguresOut"];
export type Figures = Omit<TownFigures, "region" | "name" | "population">;
export type Summary = S["SummaryOut"];
export type Month = S["MonthOut"];
export type Trend = S["TrendOut"];
export type Risk = S["WarningOut"];
export type Risks = S["RisksOut"];
export type AssessmentRow = S["RowOut"];
export type Assessment = S["AssessmentOut"];
