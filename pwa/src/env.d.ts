declare module "virtual:jiefen-rules" {
  const rules: unknown;
  export default rules;
}

declare module "virtual:jiefen-model" {
  import type { ModelData } from "./lib/linearModel";
  const model: ModelData;
  export default model;
}

declare module "virtual:jiefen-categories" {
  const categories: {
    categories: { id: string; name_zh: string; name_en: string; ask_zh?: string; ask_en?: string }[];
  };
  export default categories;
}

declare module "virtual:jiefen-guidance" {
  const guidance: unknown;
  export default guidance;
}
