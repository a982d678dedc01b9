import { describe, expect, it } from "vitest";
import rules from "virtual:jiefen-rules";
import { compileRules, suggest, categoryNames } from "../src/lib/classify";

describe("category suggestion", () => {
  const terms = compileRules(rules);
  it("compiles the bundled rules", () => expect(terms.weights.size).toBeGreaterThan(10));
  it("suggests neighbour disputes for noise from next door", () => {
    const s = suggest("隔壁邻居天天装修，噪音太大", terms);
    expect(s[0]?.category).toBe("neighbor");
    expect(s[0]?.matched.length).toBeGreaterThan(0);
  });
  it("suggests unpaid wages", () => {
    expect(suggest("老板拖欠工资三个月不给", terms)[0]?.category).toBe("wage_arrears");
  });
  it("returns nothing for empty text", () => expect(suggest("   ", terms)).toEqual([]));
  it("accepts older rule shapes", () => {
    const t = compileRules({
      categories: [{ id: "tenancy", name_zh: "房屋租赁", keywords: ["房租"] }],
      rules: [
        { category: "neighbor", keywords: [{ keyword: "邻居", weight: 2 }] },
        { category_id: "labor", pattern: "工伤", weight: 5 },
      ],
    });
    expect(suggest("房租", t)[0]?.category).toBe("tenancy");
    expect(suggest("邻居", t)[0]?.category).toBe("neighbor");
    expect(suggest("工伤", t)[0]?.category).toBe("labor");
    expect(categoryNames({ categories: [{ id: "x", name_zh: "某类" }] }).get("x")?.zh).toBe("某类");
  });
  const mini = compileRules({
    min_score: 1.5,
    negation: { before: ["不是"], after: ["没关系"], absence: ["没有"], window: 6 },
    categories: {
      wage_arrears: { keywords: { 工资: 2, 欠工资: 3 } },
      neighbor: { keywords: { 装修: 2, 装修公司: 2.5, 邻居: 2 } },
      personal_injury: { keywords: { 受伤: 2 }, absence_negated: ["受伤"] },
    },
  });
  it("denies a keyword after a negation in the same clause", () => {
    expect(suggest("不是工资的问题，是邻居装修", mini).map((s) => s.category)).toEqual(["neighbor"]);
    expect(suggest("跟工资没关系", mini)).toEqual([]);
  });
  it("keeps the longest overlapping keyword and counts a word once", () => {
    const s = suggest("装修公司 装修公司", mini);
    expect(s[0]?.matched).toEqual(["装修公司"]);
  });
  it("absence cue negates absence_negated words", () => {
    expect(suggest("没有受伤", mini)).toEqual([]);
    expect(suggest("他受伤了", mini)[0]?.category).toBe("personal_injury");
  });
  it("min_score filters weak hits", () => {
    expect(suggest("邻居家", compileRules({ min_score: 3, categories: { neighbor: { keywords: { 邻居: 2 } } } }))).toEqual([]);
  });
});

describe("parity with server/routing/classify.py on the real rules", () => {
  const terms = compileRules(rules);
  // expectations produced by the server's Classifier over server/routing/rules.json
  const cases: [string, string, string[]][] = [
    ["隔壁邻居天天装修，噪音太大", "neighbor", ["隔壁", "邻居", "装修", "噪音"]],
    ["老板拖欠工资三个月不给", "wage_arrears", ["老板", "拖欠工资"]],
    ["不是工资的问题，是邻居装修", "neighbor", ["邻居", "装修"]],
    ["我老公出轨要离婚", "marriage_family", ["老公", "出轨", "离婚"]],
    ["借给同村人五万块钱，打了欠条一直不还", "private_lending", ["借给", "欠条", "不还"]],
    ["房东不退押金", "tenancy", ["房东", "退押金"]],
  ];
  for (const [text, cat, matched] of cases) {
    it(text, () => {
      const s = suggest(text, terms)[0];
      if (!("version" in (rules as object)) || (rules as { version?: string }).version === "placeholder") return;
      expect(s?.category).toBe(cat);
      expect(s?.matched).toEqual(matched);
    });
  }
});
