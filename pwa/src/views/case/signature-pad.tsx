import { useEffect, useRef, useState } from "preact/hooks";
import { Big } from "../../ui";

/**
 * A finger or stylus signature on a canvas, exported as a PNG (black strokes on white) — the
 * content-addressed blob the `sign` intent references. Works offline; nothing leaves the phone here.
 */
export function SignaturePad({ title, onSave, onCancel, labels }: { title: string; onSave: (png: Blob) => void; onCancel: () => void; labels: { clear: string; save: string; cancel: string; empty: string } }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState(false);
  const [warn, setWarn] = useState(false);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const ratio = Math.min(2, window.devicePixelRatio || 1);
    c.width = Math.round(c.clientWidth * ratio);
    c.height = Math.round(c.clientHeight * ratio);
    const g = c.getContext("2d")!;
    g.scale(ratio, ratio);
    g.fillStyle = "#fff";
    g.fillRect(0, 0, c.clientWidth, c.clientHeight);
    g.lineWidth = 2.5;
    g.lineCap = "round";
    g.lineJoin = "round";
    g.strokeStyle = "#000";
    let down = false;
    const at = (e: PointerEvent) => {
      const r = c.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top] as const;
    };
    const start = (e: PointerEvent) => {
      down = true;
      c.setPointerCapture?.(e.pointerId);
      const [x, y] = at(e);
      g.beginPath();
      g.moveTo(x, y);
      e.preventDefault();
    };
    const move = (e: PointerEvent) => {
      if (!down) return;
      const [x, y] = at(e);
      g.lineTo(x, y);
      g.stroke();
      setDrawn(true);
      e.preventDefault();
    };
    const end = () => {
      down = false;
    };
    c.addEventListener("pointerdown", start);
    c.addEventListener("pointermove", move);
    c.addEventListener("pointerup", end);
    c.addEventListener("pointerleave", end);
    return () => {
      c.removeEventListener("pointerdown", start);
      c.removeEventListener("pointermove", move);
      c.removeEventListener("pointerup", end);
      c.removeEventListener("pointerleave", end);
    };
  }, []);

  const clear = () => {
    const c = canvas.current;
    if (!c) return;
    const g = c.getContext("2d")!;
    g.fillStyle = "#fff";
    g.fillRect(0, 0, c.width, c.height);
    setDrawn(false);
  };

  return (
    <div class="ask" data-testid="signature-pad">
      <h3>{title}</h3>
      <canvas ref={canvas} class="signature-pad" data-testid="signature-canvas" aria-label={title} />
      {warn && !drawn ? <p class="error">{labels.empty}</p> : null}
      <div class="row">
        <Big
          data-testid="signature-save"
          onClick={() => {
            if (!drawn) {
              setWarn(true);
              return;
            }
            canvas.current?.toBlob((b) => b && onSave(b), "image/png");
          }}
        >
          {labels.save}
        </Big>
        <Big kind="secondary" data-testid="signature-clear" onClick={clear}>
          {labels.clear}
        </Big>
        <Big kind="secondary" data-testid="signature-cancel" onClick={onCancel}>
          {labels.cancel}
        </Big>
      </div>
    </div>
  );
}
