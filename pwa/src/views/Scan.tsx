/** The scanner route (lazy chunk): camera via BarcodeDetector, else jsQR with a contrast-stretched
 * retry for faint codes (itself lazy); or a photo. */
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { ctx, toast, village } from "../app/state";
import { navigate } from "../router";
import { Big, Page } from "../ui";
import { parseQr, type ScanResult } from "../lib/casecode";
import { adoptPosterVillage } from "../lib/poster";
import { cachedRegions, regionName } from "../lib/regions";

interface Detector {
  detect(src: CanvasImageSource | ImageBitmap): Promise<{ rawValue: string }[]>;
}

async function makeDetector(): Promise<(src: HTMLVideoElement | ImageBitmap | HTMLCanvasElement, w: number, h: number) => Promise<string | null>> {
  const BD = (globalThis as unknown as { BarcodeDetector?: { new (o: { formats: string[] }): Detector; getSupportedFormats?: () => Promise<string[]> } }).BarcodeDetector;
  if (BD) {
    try {
      const formats = (await BD.getSupportedFormats?.()) ?? ["qr_code"];
      if (formats.includes("qr_code")) {
        const d = new BD({ formats: ["qr_code"] });
        return async (src) => (await d.detect(src))[0]?.rawValue ?? null;
      }
    } catch {
      /* fall back to jsQR */
    }
  }
  const { decodeQr } = await import("../lib/qrdecode");
  const canvas = document.createElement("canvas");
  const g = canvas.getContext("2d", { willReadFrequently: true })!;
  return async (src, w, h) => {
    const scale = Math.min(1, 960 / Math.max(w, h));
    canvas.width = Math.max(1, Math.round(w * scale));
    canvas.height = Math.max(1, Math.round(h * scale));
    g.drawImage(src, 0, 0, canvas.width, canvas.height);
    const img = g.getImageData(0, 0, canvas.width, canvas.height);
    return decodeQr(img.data, img.width, img.height); // retries a faint image contrast-stretched
  };
}

export default function Scan() {
  const video = useRef<HTMLVideoElement>(null);
  const [result, setResult] = useState<ScanResult | null>(null);
  const [villageOk, setVillageOk] = useState<boolean | null>(null);
  const [camError, setCamError] = useState(false);
  const [busy, setBusy] = useState(false);
  const detector = useRef<ReturnType<typeof makeDetector> | null>(null);
  const getDetector = () => (detector.current ??= makeDetector());

  async function handle(text: string) {
    const r = parseQr(text, location.origin);
    setResult(r);
    setVillageOk(null);
    if (r.kind === "case") {
      navigate(`/t/${encodeURIComponent(r.code)}#k=${r.token}`);
    } else if (r.kind === "village") {
      const ok = await adoptPosterVillage(ctx.repo, r.village);
      setVillageOk(ok);
      if (!ok) return;
      village.value = r.village;
      toast(t("scan_village_set", { v: regionName(await cachedRegions(ctx.repo), r.village) }), "ok");
    }
  }

  useEffect(() => {
    let stream: MediaStream | null = null;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    (async () => {
      try {
        if (!navigator.mediaDevices?.getUserMedia) throw new Error("no camera");
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
        if (stopped) return stream.getTracks().forEach((tr) => tr.stop());
        const v = video.current!;
        v.srcObject = stream;
        await v.play();
        const detect = await getDetector();
        const tick = async () => {
          if (stopped) return;
          if (v.readyState >= 2 && v.videoWidth) {
            try {
              const text = await detect(v, v.videoWidth, v.videoHeight);
              if (text && !stopped) {
                stopped = true;
                stream?.getTracks().forEach((tr) => tr.stop());
                await handle(text);
                return;
              }
            } catch {
              /* next frame */
            }
          }
          timer = setTimeout(() => void tick(), 250);
        };
        void tick();
      } catch {
        if (!stopped) setCamError(true);
      }
    })();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      stream?.getTracks().forEach((tr) => tr.stop());
    };
  }, []);

  async function fromPhoto(files: FileList | null) {
    const f = files?.[0];
    if (!f) return;
    setBusy(true);
    try {
      const bmp = await createImageBitmap(f);
      const detect = await getDetector();
      const text = await detect(bmp, bmp.width, bmp.height);
      if (text) await handle(text);
      else {
        setResult(null);
        toast(t("scan_none"), "error");
      }
    } catch {
      toast(t("scan_none"), "error");
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={t("scan_title")} testid="page-scan">
      <div class="scanner">
        {camError ? (
          <p class="banner offline" data-testid="scan-camera-error">
            {t("scan_camera_failed")}
          </p>
        ) : (
          <div class="viewfinder">
            <video ref={video} muted playsInline aria-label={t("scan_hint")} data-testid="scan-video" />
            <div class="frame" aria-hidden="true" />
          </div>
        )}
        <p class="hint">{t("scan_hint")}</p>
        <label class="btn secondary block file-btn">
          {busy ? t("loading") : t("scan_from_photo")}
          <input type="file" accept="image/*" class="visually-hidden" data-testid="scan-file" onChange={(e) => void fromPhoto(e.currentTarget.files)} />
        </label>
        {result ? (
          <div class="card" data-testid="scan-result" data-kind={result.kind}>
            {result.kind === "village"
              ? villageOk === false
                ? t("poster_unknown_village", { v: result.village })
                : t("scan_village_set", { v: result.village })
              : result.kind === "foreign"
                ? t("scan_foreign", { host: result.host })
                : result.kind === "unknown"
                  ? `${t("scan_unknown")}：${result.text}`
                  : result.code}
            {result.kind === "village" && villageOk !== false ? (
              <Big class="block" onClick={() => navigate("/file")}>
                {t("home_file")}
              </Big>
            ) : null}
          </div>
        ) : null}
      </div>
    </Page>
  );
}
