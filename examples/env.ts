/** What every example reads from the environment. */
export const OFFERGATE_URL = process.env.OFFERGATE_URL ?? "http://localhost:4000/graphql";
export const OFFERGATE_API_KEY = process.env.OFFERGATE_API_KEY;

/** The variable's value, or exit with a message saying what to set. */
export function required(name: string): string {
  const value = process.env[name];
  if (value) return value;
  console.error(`Set ${name} (see docs/clients.md)`);
  process.exit(2);
}

/** Runs `main`, printing an error's code and message (not a stack) and exiting 1 on failure. */
export function run(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const { code, message } = error as { code?: string; message?: string };
    console.error(`error${code ? ` ${code}` : ""}: ${message ?? String(error)}`);
    process.exit(1);
  });
}
