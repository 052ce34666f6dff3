import type { EffectiveGrant } from "./permissions.js";

/** A client acting through a bearer token; its grants are read when the token is verified (rights are "now"). */
export interface ClientPrincipal {
  kind: "client";
  clientId: string;
  tokenHash: string;
  grants: EffectiveGrant[];
}

/** An operator acting through the CLI against the store: holds every right. */
export interface SystemActor {
  kind: "system";
  name: string;
}

export type Actor = ClientPrincipal | SystemActor;

export function actorName(a: Actor): string {
  return a.kind === "system" ? `system:${a.name}` : `client:${a.clientId}`;
}
