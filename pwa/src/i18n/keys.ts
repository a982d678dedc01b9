import type { zh } from "./zh-CN";

/** A word's key: Simplified Chinese defines the set, every other language must give them all. */
export type Key = keyof typeof zh;
