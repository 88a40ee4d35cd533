import { print } from "graphql";
import type { Connection } from "mongoose";
import { createCatalogSubgraph } from "../../src/catalog";
import { setLogLevel } from "../../src/shared/logger";
import { PRINCIPAL_HEADER, signPrincipal } from "../../src/shared/principal";
import { startSubgraphServer, type RunningSubgraph } from "../../src/shared/subgraph-server";
import { CreateProductDocument, ProductByIdDocument } from "../generated/graphql";
import { productInput } from "../fixtures";
import { errorCodes } from "../helpers/graphql-client";
import { startTestMongo, type TestMongo } from "../helpers/mongo";
import { testSecret } from "../helpers/subgraph";

/** A subgraph trusts only principals signed with the internal secret, and only fresh ones. */
let mongo: TestMongo;
let connection: Connection;
let subgraph: RunningSubgraph;
const secret = testSecret();

beforeAll(async () => {
  mongo = await startTestMongo();
  connection = await mongo.connect();
  subgraph = await startSubgraphServer(await createCatalogSubgraph({ connection, internalSecret: secret }), 0);
});
afterAll(async () => {
  await subgraph?.close();
  await mongo?.stop();
});

async function post(body: unknown, principalHeader?: string) {
  const response = await fetch(subgraph.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(principalHeader ? { [PRINCIPAL_HEADER]: principalHeader } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: any[] }) };
}

const createProduct = (principalHeader?: string) =>
  post({ query: print(CreateProductDocument), variables: { input: productInput() } }, principalHeader);
const products = () => connection.collection("products").countDocuments();

describe("subgraph HTTP server", () => {
  it("accepts a freshly signed admin principal", async () => {
    const response = await createProduct(await signPrincipal({ kind: "ADMIN", id: null }, secret));
    expect(response.errors).toBeUndefined();
    const id = response.data.createProduct.id as string;
    const read = await post({ query: print(ProductByIdDocument), variables: { id } }, await signPrincipal(null, secret));
    expect(read.data).toEqual({ product: response.data.createProduct });
  });

  it.each([
    ["signed with another secret", () => signPrincipal({ kind: "ADMIN", id: null }, testSecret())],
    ["expired", () => signPrincipal({ kind: "ADMIN", id: null }, secret, Date.now() - 10 * 60_000)],
    ["malformed", () => "not-a-principal"],
  ])("refuses a principal %s with 401 UNAUTHENTICATED, changing nothing", async (_, header) => {
    const before = await products();
    const response = await createProduct(await header());
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
    expect(await products()).toBe(before);
  });

  it("treats a signed anonymous principal as anonymous", async () => {
    const before = await products();
    expect(errorCodes(await createProduct(await signPrincipal(null, secret)))).toEqual(["UNAUTHENTICATED"]);
    expect(await products()).toBe(before);
  });

  it("refuses a request without the header with 401, public reads included", async () => {
    const before = await products();
    for (const body of [{ query: print(CreateProductDocument), variables: { input: productInput() } }, { query: "{ products(first: 1) { totalCount } }" }]) {
      const response = await post(body);
      expect(response.status).toBe(401);
      expect(errorCodes(response)).toEqual(["UNAUTHENTICATED"]);
      expect(response.data ?? null).toBeNull();
    }
    expect(await products()).toBe(before);
  });

  it("refuses introspection unless it is switched on, signed or not", async () => {
    const response = await post({ query: "{ __schema { queryType { name } } }" }, await signPrincipal({ kind: "ADMIN", id: null }, secret));
    expect(response.data?.__schema ?? null).toBeNull();
    expect(response.errors?.[0]?.message).toMatch(/[Ii]ntrospection/);
  });

  it("closes a WebSocket that sends a message over 1 MiB with 1009, and keeps serving", async () => {
    const { default: WebSocket } = await import("ws");
    const socket = new WebSocket(subgraph.url.replace(/^http/, "ws"), "graphql-transport-ws");
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    socket.send(JSON.stringify({ type: "connection_init", payload: { pad: "x".repeat(1_048_577) } }));
    expect(await closed).toBe(1009);
    expect((await fetch(`${new URL(subgraph.url).origin}/health`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
  });

  it("serves /health and /ready", async () => {
    const origin = new URL(subgraph.url).origin;
    for (const path of ["/health", "/ready"]) {
      const response = await fetch(`${origin}${path}`, { signal: AbortSignal.timeout(5_000) });
      expect(response.status).toBe(200);
    }
  });

  it("logs a client's refused WebSocket frame once, at warn with ws's code, not as an internal error", async () => {
    const { default: WebSocket } = await import("ws");
    const consoleError = jest.spyOn(console, "error").mockImplementation(() => undefined);
    const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    setLogLevel("warn");
    try {
      const socket = new WebSocket(subgraph.url.replace(/^http/, "ws"), "graphql-transport-ws");
      await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
      const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
      // A text frame that is not UTF-8: ws refuses it and closes with 1007 (graphql-ws alone would log a stack and close with 1011).
      socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      expect(await closed).toBe(1007);
      const warnings = stdout.mock.calls.map(([line]) => String(line)).filter((line) => line.includes("WebSocket client's frame refused"));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]!)).toMatchObject({ level: "warn", code: "WS_ERR_INVALID_UTF8" });
      expect(warnings[0]).not.toMatch(/\bat .*\(/);
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      setLogLevel("silent");
      stdout.mockRestore();
      consoleError.mockRestore();
    }
  });
});
