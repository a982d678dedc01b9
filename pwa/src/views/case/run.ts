import { t } from "../../i18n";
import { ctx, toast } from "../../app/state";
import { StorageFullError } from "../../store/db";

/** Run a local write, then sync soon; a failure (storage full, refused move) becomes a toast. */
export function run(p: Promise<void>) {
  p.then(
    () => ctx.sync.schedule(200),
    (e) => toast(e instanceof StorageFullError ? t("storage_full") : String((e as Error).message ?? e), "error"),
  );
}
