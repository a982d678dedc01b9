/** A rate as a percentage with one decimal, or "—" when there is none (no denominator). */
export const pct = (v: number | null | undefined): string => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);
export const num = (v: number | null | undefined): string => (v === null || v === undefined ? "—" : String(v));
