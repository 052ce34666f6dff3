import type { Request } from "express";

/** The issuer: PUBLIC_URL, or where this request reached us (so discovery works on any port in tests). */
export function issuerOf(req: Request, publicUrl: string): string {
  return publicUrl || `${req.protocol}://${req.get("host")}`;
}
