/** Series colours shared by the cockpit charts. */
export const RED = "#b3261e";
export const BLUE = "#1f4f8f";
export const GREEN = "#1b6e3a";
