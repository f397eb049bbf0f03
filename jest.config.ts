import type { Config } from "jest";

// Three projects: fast unit tests (pure functions), integration tests against real kernel objects,
// OpenSSH and processes on this machine, and engine tests that drive the real Pulumi CLI.
const transform: Config["transform"] = { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] };

const config: Config = {
  projects: [
    {
      displayName: "unit",
      testMatch: ["<rootDir>/test/unit/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/test/support/unitCache.ts"],
      transform,
      testEnvironment: "node",
    },
    {
      displayName: "integration",
      testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
      transform,
      testEnvironment: "node",
    },
    {
      displayName: "engine",
      testMatch: ["<rootDir>/test/engine/**/*.test.ts"],
      transform,
      testEnvironment: "node",
    },
  ],
};
export default config;
