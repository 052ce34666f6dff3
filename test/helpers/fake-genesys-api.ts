import { expect } from "@jest/globals";
import type { FakeGenesys } from "../fakes/genesys/index.js";

/** An answer of the fake Genesys API, its JSON body parsed. */
export interface FakeAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read Genesys's JSON bodies by their documented shape
  headers: Headers;
}

/** A caller of the fake's Platform API with a bearer token (read when each call is made). */
export function fakeApi(fake: () => Pick<FakeGenesys, "apiUrl">, token: () => string) {
  return async (method: string, path: string, body?: unknown): Promise<FakeAnswer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token()}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${fake().apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
}

/** A Genesys-shaped error: `{status, code, message, contextId}`, contextId as the correlation header says. */
export function expectGenesysError(a: FakeAnswer, status: number, code: string): void {
  expect(a.status).toBe(status);
  expect(a.body).toMatchObject({ status, code, message: expect.any(String), contextId: a.headers.get("inin-correlation-id") });
}
