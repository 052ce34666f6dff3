/**
 * The token service: tokens issued per second, and what bearer-token verification adds to a request.
 */
import type { LoadResult, LoadSpec } from "./load.js";
import type { Breakdown } from "./server.js";
import type { ServerHandle } from "./worker.js";
import type { Section } from "./section.js";
import { CONNECTIONS, basicAuth, int, issueToken, log, measure, ms, ms4, positive, signed, table } from "./common.js";

const SECONDS = positive(process.env.BENCH_SECONDS, 10);
const WARMUP_SECONDS = Math.min(2, SECONDS);
const UNLOADED_SECONDS = Math.max(1, Math.round(SECONDS / 2));
const BREAKDOWN_SECONDS = Math.min(1, SECONDS);
const AIM_MS = 0.3;

interface TokenResult {
  store: string;
  tokens: LoadResult;
  tokenRows: number;
  loaded: { noauth: LoadResult; auth: LoadResult };
  unloaded: { noauth: LoadResult; auth: LoadResult };
  breakdown: Breakdown;
}

interface Derived {
  addedP50: number;
  ratio: number;
  serviceMs: number;
}

function derive(pair: { noauth: LoadResult; auth: LoadResult }): Derived {
  return {
    addedP50: pair.auth.p50 - pair.noauth.p50,
    ratio: pair.auth.rps / pair.noauth.rps,
    serviceMs: 1000 / pair.auth.rps - 1000 / pair.noauth.rps,
  };
}

const verdict = (v: number): string => (v < AIM_MS ? `yes (< ${AIM_MS} ms)` : `no (≥ ${AIM_MS} ms)`);

export function tokenSection(): Section {
  const results: TokenResult[] = [];

  async function runOn(name: string, server: ServerHandle): Promise<void> {
    const tokens = await measure(
      `${name} POST /oauth/token`,
      {
        url: server.tokenUrl,
        connections: CONNECTIONS,
        seconds: SECONDS,
        method: "POST",
        headers: { authorization: basicAuth(server), "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
      },
      WARMUP_SECONDS,
    );
    const tokenRows = await server.call("count-tokens", {});

    const token = await issueToken(server);
    const bearer = { authorization: `Bearer ${token}` };
    const probe = await fetch(`${server.verifyBase}/auth`, { headers: bearer });
    if (probe.status !== 204) throw new Error(`GET /auth with a fresh token answered ${probe.status}`);

    const route = (path: "noauth" | "auth", connections: number, seconds: number): LoadSpec => ({
      url: `${server.verifyBase}/${path}`,
      connections,
      seconds,
      headers: bearer, // sent to both routes, so the requests differ only in the middleware
    });
    const loaded = {
      noauth: await measure(`${name} GET /noauth`, route("noauth", CONNECTIONS, SECONDS), WARMUP_SECONDS),
      auth: await measure(`${name} GET /auth`, route("auth", CONNECTIONS, SECONDS), WARMUP_SECONDS),
    };
    const unloaded = {
      noauth: await measure(`${name} GET /noauth`, route("noauth", 1, UNLOADED_SECONDS), WARMUP_SECONDS),
      auth: await measure(`${name} GET /auth`, route("auth", 1, UNLOADED_SECONDS), WARMUP_SECONDS),
    };
    log(`${name}: in-process breakdown of one verification, ${BREAKDOWN_SECONDS} s per part`);
    const breakdown = await server.call("breakdown", { token, seconds: BREAKDOWN_SECONDS });
    results.push({ store: name, tokens, tokenRows, loaded, unloaded, breakdown });
  }

  function render(stores: string): string {
    const out: string[] = [];
    out.push("## Token service", "");
    out.push("### Method", "");
    out.push(
      `- Stores: ${stores}. Each is migrated and seeded (\`prepareStore\`), then one client is created with \`createClient\` as the system actor \`bench\`, holding the SCIM Integration role in all divisions (\`*\`).`,
      `- **Token issuance:** \`POST /oauth/token\` (\`grant_type=client_credentials\`, HTTP Basic) against \`buildApp(deps)\` — the real app with its request logging, security headers and timing middleware — ${CONNECTIONS} connections for ${SECONDS} s. Every request issues and stores a new token.`,
      `- **Verification cost:** a tiny Express app on one server with \`GET /noauth\` (bare) and \`GET /auth\` behind \`bearerAuth(deps, render)\`, both answering 204; both are sent the same valid \`Authorization: Bearer\` header (a token of the client above; the tokens table then holds every token issued in the previous step). Measured at ${CONNECTIONS} connections for ${SECONDS} s each, and unloaded at 1 connection for ${UNLOADED_SECONDS} s each.`,
      `- Each measured run follows a discarded ${WARMUP_SECONDS} s warm-up.`,
      "",
    );

    out.push("### Tokens issued per second", "");
    out.push(
      table(
        ["Store", "tokens/s", "p50 ms", "p97.5 ms", "p99 ms", "bad", "rows in `tokens` after"],
        results.map((s) => [
          s.store,
          int(s.tokens.rps),
          ms(s.tokens.p50),
          ms(s.tokens.p975),
          ms(s.tokens.p99),
          String(s.tokens.bad),
          int(s.tokenRows),
        ]),
      ),
      "",
      `The row count includes the warm-up run's tokens.`,
      "",
    );

    const routeRows = (pick: (s: TokenResult) => { noauth: LoadResult; auth: LoadResult }): string[][] =>
      results.flatMap((s) =>
        (["noauth", "auth"] as const).map((k) => {
          const r = pick(s)[k];
          return [s.store, `GET /${k}`, int(r.rps), ms(r.p50), ms(r.p975), ms(r.p99), String(r.bad)];
        }),
      );
    const head = ["Store", "Route", "req/s", "p50 ms", "p97.5 ms", "p99 ms", "bad"];

    out.push("### Cost of token verification", "");
    out.push(
      `#### Under load (${CONNECTIONS} connections)`,
      "",
      table(
        head,
        routeRows((s) => s.loaded),
      ),
      "",
    );
    out.push(
      table(
        [
          "Store",
          "added p50 ms (auth − noauth)",
          "throughput auth / noauth",
          "added ms per request at saturation",
          `p50 aim < ${AIM_MS} ms met?`,
        ],
        results.map((s) => {
          const d = derive(s.loaded);
          return [s.store, signed(d.addedP50), `${(d.ratio * 100).toFixed(1)} %`, signed(d.serviceMs), verdict(d.addedP50)];
        }),
      ),
      "",
      `"Added ms per request at saturation" is 1000/req/s(auth) − 1000/req/s(noauth), the inverse-throughput difference: ` +
        `with PGlite it is the extra event-loop time one verification takes (the query runs on the server's thread); with PostgreSQL it also reflects the database backends competing for the same CPUs. ` +
        `With ${CONNECTIONS} requests in flight, each also waits for the others (Little's law: mean latency ≈ connections / throughput), ` +
        `so the p50 difference under load is roughly ${CONNECTIONS} × that figure; the unloaded runs below give the latency of one verification on its own.`,
      "",
    );
    out.push(
      `#### Unloaded (1 connection)`,
      "",
      table(
        head,
        routeRows((s) => s.unloaded),
      ),
      "",
    );
    out.push(
      table(
        ["Store", "added p50 ms (auth − noauth)", "throughput auth / noauth", `p50 aim < ${AIM_MS} ms met?`],
        results.map((s) => {
          const d = derive(s.unloaded);
          return [s.store, signed(d.addedP50), `${(d.ratio * 100).toFixed(1)} %`, verdict(d.addedP50)];
        }),
      ),
      "",
      "One request at a time: the p50 difference is the latency one verification (SHA-256 of the token, one store query, the middleware) adds to a request.",
      "",
    );

    out.push("#### Where the verification time goes", "");
    out.push(
      table(
        [
          "Store",
          "SHA-256 of the token",
          "store round trip (`select 1`)",
          "`findToken` (the verification query)",
          "`verifyToken` (all of it)",
        ],
        results.map((s) => [
          s.store,
          ms4(s.breakdown.sha256),
          ms4(s.breakdown.select1),
          ms4(s.breakdown.findToken),
          ms4(s.breakdown.verifyToken),
        ]),
      ),
      "",
      `Median ms per call, in the server thread, no HTTP, one call at a time for ${BREAKDOWN_SECONDS} s each after 200 warm-up calls, with the same token. ` +
        "`verifyToken` is called here without a grant cache, so each call also loads the client's grants; `bearerAuth` keeps one cache per process (the SCIM section measures `verifyToken` with a warm cache).",
    );
    return out.join("\n");
  }

  return { name: "tokens", title: "Token service", runOn, render };
}
