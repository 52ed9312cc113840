// The identity provider of the sign-in tests: oidc-provider (OpenID Certified) on loopback.
// Usage: node provider.mjs CONFIG.json — the file holds {port, clients, accountsFile}.
// Accounts sign in on the provider's own development pages with their account id as login
// (any password); their claims come from the file. Prints "ready" once it listens.
import { readFileSync } from "node:fs";
import * as oidc from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const issuer = `http://127.0.0.1:${config.port}`;
// read at every sign-in, so that a test can change someone's groups between two sign-ins
const accounts = () => JSON.parse(readFileSync(config.accountsFile, "utf8"));

const provider = new oidc.Provider(issuer, {
  clients: config.clients,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "groups", "department_path"],
  },
  conformIdTokenClaims: false, // the claims of the scopes asked for go into the ID token
  cookies: { keys: ["test-only-cookie-key"] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const account = accounts()[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email_verified: true, ...account };
      },
    };
  },
});
provider.listen(config.port, "127.0.0.1", () => console.log("ready"));
