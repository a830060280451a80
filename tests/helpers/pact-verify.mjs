// Verifies one Pact contract against a provider URL in its own process:
//   node tests/helpers/pact-verify.mjs <provider> <base-url> <contract.json>
// Pact's native verifier writes its report straight to this process's stdout (fd 1), which a
// test cannot capture in-process; run here, the parent keeps the report and prints it only when
// the verification fails. Exit 0 verified, 1 not.
import { Verifier } from "@pact-foundation/pact";

const [provider, providerBaseUrl, contract] = process.argv.slice(2);
try {
  await new Verifier({ provider, providerBaseUrl, pactUrls: [contract], logLevel: "error" }).verifyProvider();
} catch (err) {
  process.stderr.write(`verification failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
