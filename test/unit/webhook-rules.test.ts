import { backoffMs } from "../../src/exchange/webhook/webhook.http";
import { isPrivateAddress, parseWebhookUrl, publicOnlyLookup } from "../../src/exchange/webhook/webhook.target";

describe("private addresses", () => {
  it.each([
    "127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254", "0.0.0.0",
    "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "[::1]",
  ])("%s is private", (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(["8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "203.0.113.10", "2001:db8::1", "::ffff:8.8.8.8", "fec0::1"])(
    "%s is not",
    (address) => expect(isPrivateAddress(address)).toBe(false),
  );

  it("the deliveries' DNS lookup refuses a name that resolves to loopback", async () => {
    const error = await new Promise<Error | null>((resolve) => publicOnlyLookup("localhost", {}, (e) => resolve(e)));
    expect(error?.message).toMatch(/^refused: localhost resolves to a private address/);
  });
});

describe("webhook URLs", () => {
  it("takes absolute http(s) URLs without credentials, up to 2,000 characters", () => {
    expect(parseWebhookUrl("https://hooks.example.com/a?b=1").hostname).toBe("hooks.example.com");
    for (const bad of ["ftp://x.com/", "x.com/hook", "https://u:p@x.com/", `https://x.com/${"a".repeat(1990)}`]) {
      expect(() => parseWebhookUrl(bad)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
    }
  });
});

describe("retry backoff", () => {
  it("starts at the base, doubles, stops growing at the maximum, with ±20% jitter", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 1_000, 10_000, mid))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(backoffMs(1, 1_000, 300_000, () => 0)).toBe(800);
    expect(backoffMs(1, 1_000, 300_000, () => 0.999)).toBeGreaterThan(1_190);
    expect(backoffMs(60, 1_000, 300_000, () => 0.999)).toBe(300_000);
    const samples = new Set(Array.from({ length: 20 }, () => backoffMs(3, 1_000, 300_000)));
    expect(samples.size).toBeGreaterThan(1);
  });
});
