import { describe, expect, it } from "vitest";
import { errorText, isStorageFull } from "../src/lib/errors";
import { guardQuota, StorageFullError } from "../src/store/db";

describe("what a person reads when a local write fails", () => {
  it("a full phone says so in Chinese however the browser reports it", async () => {
    const quota = new DOMException("", "QuotaExceededError");
    expect(errorText(quota)).toBe("手机存储空间不足，无法保存。请清理手机空间后再试。");
    expect(errorText(new StorageFullError(quota))).toContain("存储空间不足");
    // IndexedDB: the transaction aborts, its error is the quota error
    const aborted = Object.assign(new DOMException("", "AbortError"), { target: { error: quota } });
    expect(isStorageFull(aborted)).toBe(true);
    await expect(guardQuota(() => Promise.reject(quota))).rejects.toBeInstanceOf(StorageFullError);
  });

  it("never an empty message", () => {
    expect(errorText(new Error(""))).toBe("操作没有成功，请稍后再试。");
    expect(errorText(undefined)).toBe("操作没有成功，请稍后再试。");
    expect(errorText(new Error("案件已被其他调解员受理"))).toBe("案件已被其他调解员受理");
  });
});
