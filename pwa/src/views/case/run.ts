import { t } from "../../i18n";
import { ctx, toast } from "../../app/state";
import { errorText } from "../../lib/errors";

/** Run a local write, then sync soon; success is confirmed in a toast (unless `quiet`), a failure
 * (storage full, refused move) becomes an error toast. */
export function run(p: Promise<void>, opts: { quiet?: boolean } = {}) {
  p.then(
    () => {
      if (!opts.quiet) toast(t("action_saved"), "ok");
      ctx.sync.schedule(200);
    },
    (e) => toast(errorText(e), "error"),
  );
}
