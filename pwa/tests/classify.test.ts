import { describe, expect, it } from "vitest";
import rules from "virtual:jiefen-rules";
import { compileRules, suggest, categoryNames } from "../src/lib/classify";

describe("category suggestion", () => {
  const terms = compileRules(rules);
  it("compiles the bundled rules", () => expect(terms.length).toBeGreaterThan(10));
  it("suggests neighbour disputes for noise from next door", () => {
    const s = suggest("隔壁邻居天天装修，噪音太大", terms);
    expect(s[0]?.category).toBe("neighbor");
    expect(s[0]?.matched.length).toBeGreaterThan(0);
  });
  it("suggests unpaid wages", () => {
    expect(suggest("老板拖欠工资三个月不给", terms)[0]?.category).toBe("wage_arrears");
  });
  it("returns nothing for empty text", () => expect(suggest("   ", terms)).toEqual([]));
  it("accepts several rule shapes", () => {
    const t = compileRules({
      categories: [{ id: "tenancy", name_zh: "房屋租赁", keywords: ["房租"] }],
      rules: [
        { category: "neighbor", keywords: [{ keyword: "邻居", weight: 2 }] },
        { category_id: "labor", pattern: "工伤", weight: 5 },
        { category: "consumer", words: { 退货: 3 }, exclude: ["工伤"] },
      ],
      keywords: { medical: ["医院"] },
    });
    expect(suggest("房租", t)[0]?.category).toBe("tenancy");
    expect(suggest("邻居", t)[0]?.category).toBe("neighbor");
    expect(suggest("工伤", t)[0]?.category).toBe("labor");
    expect(suggest("退货 工伤", t).map((s) => s.category)).toEqual(["labor"]);
    expect(suggest("医院", t)[0]?.category).toBe("medical");
    expect(categoryNames({ categories: [{ id: "x", name_zh: "某类" }] }).get("x")?.zh).toBe("某类");
  });
});
