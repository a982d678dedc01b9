declare module "virtual:jiefen-rules" {
  const rules: unknown;
  export default rules;
}
