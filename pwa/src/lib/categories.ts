/** The 25 categories (DESIGN.md §4) with their names: the server's (lib/workflow.ts, shared.json). */
export { CATEGORIES, categoryName } from "./workflow";
