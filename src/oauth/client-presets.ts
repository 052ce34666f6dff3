/**
 * Client presets for Genesys Cloud's documented procedures: the Embeddable Framework client (an
 * implicit-grant TOKEN client whose redirect URIs live on apps.<region>) and the SCIM client
 * (CLIENT-CREDENTIALS with the SCIM Integration role). Pure: a preset body in, a client body out.
 */
import { GENESYS_REGIONS, isGenesysRegion } from "../genesys/regions.js";
import type { FieldError } from "../errors/domain-error.js";

export const PRESETS = ["embeddable-framework", "scim"] as const;
export type Preset = (typeof PRESETS)[number];

/** Genesys's advice for Embeddable Framework clients: 18 hours, outside an agent's working day. */
export const EMBEDDABLE_TOKEN_SECONDS = 64_800;

/** The scopes listed for Embeddable Framework clients (see README for the source and its confidence). */
export const EMBEDDABLE_SCOPES: readonly string[] = Object.freeze([
  "conversations",
  "external-contacts:readonly",
  "notifications",
  "organization:readonly",
  "outbound:readonly",
  "presence",
  "quality:readonly",
  "routing:readonly",
  "scripts:readonly",
  "stations:readonly",
  "user-basic-info",
  "users",
  "voicemail",
  "workforce-management",
]);

export function embeddableRedirectUris(region: string, dedicatedLoginWindow: boolean): string[] {
  const base = `https://apps.${region}/crm`;
  return dedicatedLoginWindow ? [`${base}/index.html`, `${base}/authWindow.html`] : [`${base}/index.html`];
}

const PRESET_FIELDS = ["preset", "region", "dedicatedLoginWindow", "divisions"];

export type PresetExpansion = { body: Record<string, unknown>; errors: FieldError[]; preset?: Preset; region?: string };

/**
 * Expands `{preset, ...}` into a client body. The client fields given beside the preset win (within
 * the rules, which createClient checks as for any client). `divisions` (scim preset) are division
 * ids or `*`; the SCIM Integration role id comes from the caller.
 */
export function expandPreset(raw: unknown, scimRoleId: string | null): PresetExpansion {
  if (typeof raw !== "object" || raw === null || !("preset" in raw)) return { body: raw as Record<string, unknown>, errors: [] };
  const b = raw as Record<string, unknown>;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b)) if (!PRESET_FIELDS.includes(k)) rest[k] = v;
  switch (b.preset) {
    case "embeddable-framework": {
      const region = typeof b.region === "string" ? b.region.trim().toLowerCase() : "";
      if (!isGenesysRegion(region)) {
        return {
          body: rest,
          errors: [
            {
              field: "region",
              message: `must be a Genesys Cloud region: ${Object.keys(GENESYS_REGIONS).join(", ")}; got ${JSON.stringify(b.region ?? null)}`,
            },
          ],
        };
      }
      if (b.dedicatedLoginWindow !== undefined && typeof b.dedicatedLoginWindow !== "boolean")
        return { body: rest, errors: [{ field: "dedicatedLoginWindow", message: "must be true or false" }] };
      return {
        preset: "embeddable-framework",
        region,
        errors: [],
        body: {
          description: `Genesys Cloud Embeddable Framework (${region})`,
          authorizedGrantType: "TOKEN",
          registeredRedirectUri: embeddableRedirectUris(region, b.dedicatedLoginWindow === true),
          scope: [...EMBEDDABLE_SCOPES],
          accessTokenValiditySeconds: EMBEDDABLE_TOKEN_SECONDS,
          ...rest,
        },
      };
    }
    case "scim": {
      if (!scimRoleId)
        return {
          body: rest,
          errors: [
            {
              field: "preset",
              message: "the SCIM Integration role is missing: restore the default roles first (POST /admin/v1/roles/default)",
            },
          ],
        };
      const divisions = b.divisions === undefined ? ["*"] : b.divisions;
      if (!Array.isArray(divisions) || divisions.length === 0 || !divisions.every((d) => typeof d === "string" && d)) {
        return {
          body: rest,
          errors: [{ field: "divisions", message: 'must be a non-empty array of division ids (or "*" for all divisions)' }],
        };
      }
      return {
        preset: "scim",
        errors: [],
        body: {
          description: "SCIM provisioning (Genesys Cloud SCIM Integration role)",
          authorizedGrantType: "CLIENT-CREDENTIALS",
          roleDivisions: (divisions as string[]).map((divisionId) => ({ roleId: scimRoleId, divisionId })),
          ...rest,
        },
      };
    }
    default:
      return {
        body: rest,
        errors: [{ field: "preset", message: `must be one of ${PRESETS.join(", ")}; got ${JSON.stringify(b.preset)}` }],
      };
  }
}
