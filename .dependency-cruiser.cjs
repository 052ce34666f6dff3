// The layers of src/ (docs/architecture.md): assembly -> surfaces -> HTTP plumbing -> domain -> store -> base.
// Imports go down only; surfaces do not import each other, except the bearer authentication and the
// issuer of the OAuth surface, which every surface uses. `npm run lint` runs this in CI.
const BASE = "^src/(clock\\.ts|errors/|config/|log/|genesys/)";
const STORE = "^src/store/";
const DOMAIN = "^src/(audit|authz|oauth|sync|settings)/";
const OAUTH_SURFACE = "^src/oauth/endpoints/";
const HTTP = "^src/http/";
const SURFACES = "^src/(scim|admin|cli|console|oauth/endpoints)/";
const ASSEMBLY = "^src/(app|server)\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "modules import each other in a circle",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "base-is-the-bottom",
      severity: "error",
      comment: "config, log, clock, errors and Genesys facts import nothing of the bridge above them",
      from: { path: BASE },
      to: { path: [STORE, DOMAIN, HTTP, SURFACES, ASSEMBLY] },
    },
    {
      name: "store-knows-no-domain",
      severity: "error",
      comment: "the store is below the domain: it is given what it needs (e.g. the seed)",
      from: { path: STORE },
      to: { path: [DOMAIN, HTTP, SURFACES, ASSEMBLY] },
    },
    {
      name: "domain-knows-no-surface",
      severity: "error",
      comment: "domain modules throw DomainError; each surface renders it",
      from: { path: DOMAIN, pathNot: OAUTH_SURFACE },
      to: { path: [HTTP, SURFACES, ASSEMBLY] },
    },
    {
      name: "authz-below-oauth-and-sync",
      severity: "error",
      comment: "permissions, roles, divisions and the grant rule know nothing of clients, tokens or the sync",
      from: { path: "^src/(authz|audit)/" },
      to: { path: "^src/(oauth|sync|settings)/" },
    },
    { name: "audit-at-the-bottom-of-the-domain", severity: "error", from: { path: "^src/audit/" }, to: { path: "^src/authz/" } },
    {
      name: "sync-apart-from-the-registry",
      severity: "error",
      comment: "the sync pipeline does not touch OAuth clients, tokens or settings",
      from: { path: "^src/sync/" },
      to: { path: "^src/(oauth|settings)/" },
    },
    {
      name: "http-plumbing-serves-surfaces",
      severity: "error",
      comment: "src/http holds what surfaces share; it mounts none of them",
      from: { path: HTTP },
      to: { path: [SURFACES, ASSEMBLY] },
    },
    {
      name: "surfaces-stand-apart",
      severity: "error",
      comment: "a surface does not reach into another (only the OAuth surface's bearer check and issuer are shared)",
      from: { path: "^src/(scim|admin|console|oauth/endpoints)/" },
      to: { path: SURFACES, pathNot: ["^src/oauth/endpoints/(bearer|issuer)\\.ts$", "$1"] },
    },
    {
      name: "surfaces-do-not-assemble",
      severity: "error",
      comment: "only the CLI's serve command starts the assembled server",
      from: { path: SURFACES, pathNot: "^src/cli/" },
      to: { path: ASSEMBLY },
    },
    {
      name: "no-orphans",
      severity: "error",
      comment: "a module nothing imports is dead code",
      from: { orphan: true, path: "^src/", pathNot: "\\.d\\.ts$" },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js"],
    },
  },
};
