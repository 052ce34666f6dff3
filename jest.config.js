// Two projects: the same integration suite runs against the embedded PGlite store and against
// PostgreSQL (TEST_STORE decides which store test/helpers/store.ts opens); pure-rule unit tests run once.
// Every project loads the outbound-network guard first: tests reach loopback only.
const base = {
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: { "^.+\\.ts$": ["ts-jest", { useESM: true }] },
  testEnvironment: "node",
};
export default {
  // A safety net for a hung test, generous for a loaded 2-core machine: tests wait for events, not times.
  testTimeout: 300000,
  // Most suites wait on the sync, Redis and child processes rather than on the CPU: three at once on
  // this 2-core machine ran the suite in 8 minutes instead of 20 (Jest's default is one worker here),
  // and each suite keeps to its own queue prefix, schema, ports and fake.
  maxWorkers: 3,
  projects: [
    {
      ...base,
      displayName: "unit",
      testMatch: ["<rootDir>/test/unit/**/*.test.ts"],
      setupFiles: ["<rootDir>/test/setup/network-guard.ts"],
    },
    {
      ...base,
      displayName: "pglite",
      testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
      // A worker killed in another process needs a store two processes can share: PostgreSQL only.
      // The chaos run takes minutes: once, on PostgreSQL.
      testPathIgnorePatterns: [
        "/revocation-processes\\.test\\.ts$",
        "/worker-crash\\.test\\.ts$",
        "/faults/store-faults\\.test\\.ts$",
        "/sync/genesys-chaos\\.test\\.ts$",
      ],
      setupFiles: ["<rootDir>/test/setup/network-guard.ts", "<rootDir>/test/setup/pglite.ts"],
    },
    {
      ...base,
      displayName: "postgres",
      testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
      // The quick start and the CLI test run the built command on the embedded default: once, in the pglite project.
      testPathIgnorePatterns: [
        "/quickstart\\.test\\.ts$",
        "/cli\\.test\\.ts$",
        "/served-process\\.test\\.ts$",
        "/faults/startup\\.test\\.ts$",
      ],
      setupFiles: ["<rootDir>/test/setup/network-guard.ts", "<rootDir>/test/setup/postgres.ts"],
    },
  ],
};
