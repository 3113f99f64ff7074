/**
 * The composition root: which components run ({@linkcode COMPONENTS}, from
 * `app/components.ts`) and the `rosey.yaml` they read ({@linkcode loadConfig}). It assembles;
 * it owns no section and no policy. `scripts/dev.ts` starts what it lists.
 */
export * from "./config.ts";
