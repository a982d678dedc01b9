/** Small inline icons (emoji fonts are missing on some phones). */
const P = { width: 40, height: 40, viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", "stroke-width": 2, "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true" } as const;

/** An icon drawn by these SVG paths (24×24 box, stroked). */
const icon = (...paths: string[]) =>
  function Icon() {
    return (
      <svg {...P}>
        {paths.map((d) => (
          <path key={d} d={d} />
        ))}
      </svg>
    );
  };

export const IconFile = icon("M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z", "M14 3v6h6M8 13h8M8 17h5");
export const IconFolder = icon("M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z");
export const IconScan = icon("M4 8V5a1 1 0 0 1 1-1h3M16 4h3a1 1 0 0 1 1 1v3M20 16v3a1 1 0 0 1-1 1h-3M8 20H5a1 1 0 0 1-1-1v-3M4 12h16");
export const IconInbox = icon("M4 13l2-8h12l2 8v6H4z", "M4 13h5l1 2h4l1-2h5");
export const IconVillage = icon("M3 11l5-4 5 4v9H3zM13 20h8v-8l-4-3-4 3", "M7 20v-4h2v4");
