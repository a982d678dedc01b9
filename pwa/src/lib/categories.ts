/** The 25 stable category ids (DESIGN.md §4) with Chinese and English names. */
export const CATEGORIES: { id: string; zh: string; en: string }[] = [
  { id: "marriage_family", zh: "婚姻家庭", en: "Marriage & family" },
  { id: "inheritance", zh: "继承", en: "Inheritance" },
  { id: "neighbor", zh: "邻里纠纷", en: "Neighbours" },
  { id: "homestead_housing", zh: "房屋宅基地", en: "House & homestead" },
  { id: "land_forest", zh: "山林土地", en: "Land & forest" },
  { id: "requisition_demolition", zh: "征地拆迁", en: "Land requisition & demolition" },
  { id: "labor", zh: "劳动争议", en: "Labour" },
  { id: "wage_arrears", zh: "拖欠工资", en: "Unpaid wages" },
  { id: "traffic_accident", zh: "道路交通事故", en: "Traffic accident" },
  { id: "medical", zh: "医疗纠纷", en: "Medical" },
  { id: "property_management", zh: "物业纠纷", en: "Property management" },
  { id: "consumer", zh: "消费纠纷", en: "Consumer" },
  { id: "private_lending", zh: "民间借贷", en: "Private lending" },
  { id: "contract", zh: "合同纠纷", en: "Contract" },
  { id: "tenancy", zh: "房屋租赁", en: "Tenancy" },
  { id: "construction", zh: "建设工程", en: "Construction" },
  { id: "personal_injury", zh: "人身损害", en: "Personal injury" },
  { id: "property_damage", zh: "财产损害", en: "Property damage" },
  { id: "business", zh: "生产经营", en: "Business" },
  { id: "environment", zh: "环境污染", en: "Environment" },
  { id: "finance_insurance", zh: "金融保险", en: "Finance & insurance" },
  { id: "company", zh: "公司股权", en: "Company & shares" },
  { id: "intellectual_property", zh: "知识产权", en: "Intellectual property" },
  { id: "village_affairs", zh: "村务集体", en: "Village affairs" },
  { id: "other", zh: "其他", en: "Other" },
];

export function categoryName(id: string | null | undefined, lang: "zh" | "en" = "zh"): string {
  if (!id) return "";
  const c = CATEGORIES.find((x) => x.id === id);
  return c ? c[lang] : id;
}
