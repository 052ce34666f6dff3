import type { FakeGenesys } from "./server-types.js";

/** A client-credentials token from the fake's login, as Genesys issues them (HTTP Basic, form body). */
export async function fakeToken(fake: Pick<FakeGenesys, "loginUrl" | "clientId" | "clientSecret">): Promise<string> {
  const res = await fetch(`${fake.loginUrl}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
  if (res.status !== 200) throw new Error(`the fake's login answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
