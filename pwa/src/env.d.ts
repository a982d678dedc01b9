declare module "virtual:jiefen-rules" {
  const rules: unknown;
  export default rules;
}

declare module "virtual:jiefen-guidance" {
  const guidance: unknown;
  export default guidance;
}
