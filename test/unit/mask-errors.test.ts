import { GraphQLError } from "graphql";
import { maskGatewayError } from "../../src/gateway/mask-errors";

/** The gateway's error masking: what a client sees of each kind of error, and which errors are replaced (and so logged by the engine). */

const json = (e: Error) => (e as GraphQLError).toJSON();

describe("maskGatewayError", () => {
  it("a client's error with nothing internal is passed on as the same error", () => {
    const refused = new GraphQLError("Unknown or revoked API key", { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
    expect(maskGatewayError(refused, "")).toBe(refused);
    const input = new GraphQLError('"quantity" must be an integer ≥ 0', { path: ["setStock"], extensions: { code: "BAD_USER_INPUT", field: "quantity" } });
    expect(maskGatewayError(input, "")).toBe(input);
  });

  it("a client's error that carries internals is passed on as the same error without them", () => {
    const error = new GraphQLError("Offer not found", {
      path: ["offer"],
      extensions: { code: "NOT_FOUND", serviceName: "exchange", stacktrace: ["at x (/srv/a.js:1:1)"], request: { body: "{}" } },
    });
    const masked = maskGatewayError(error, "");
    expect(masked).toBe(error);
    expect(json(masked)).toEqual({ message: "Offer not found", path: ["offer"], extensions: { code: "NOT_FOUND" } });
    // Masked again (a shared subscription's result reaching another client): the same.
    expect(json(maskGatewayError(masked, ""))).toEqual(json(masked));
  });

  it("frozen extensions are not touched: the error is copied without its internals", () => {
    const error = new GraphQLError("Offer not found", { extensions: Object.freeze({ code: "NOT_FOUND", serviceName: "exchange" }) });
    const masked = maskGatewayError(error, "");
    expect(masked).not.toBe(error);
    expect(json(masked).extensions).toEqual({ code: "NOT_FOUND" });
    expect(error.extensions).toEqual({ code: "NOT_FOUND", serviceName: "exchange" });
  });

  it("the engine's codes for a bad request become BAD_USER_INPUT", () => {
    const error = new GraphQLError("Syntax Error: Expected Name, found <EOF>.", { extensions: { code: "GRAPHQL_PARSE_FAILED" } });
    const masked = maskGatewayError(error, "");
    expect(masked).toBe(error);
    expect(json(masked).extensions).toEqual({ code: "BAD_USER_INPUT" });
  });

  it("a subgraph that cannot be reached is SERVICE_UNAVAILABLE without its address", () => {
    const error = new GraphQLError("fetch failed", { originalError: new Error("connect ECONNREFUSED 127.0.0.1:4003") });
    const masked = json(maskGatewayError(error, ""));
    expect(masked.extensions).toEqual({ code: "SERVICE_UNAVAILABLE" });
    expect(JSON.stringify(masked)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });

  it("anything else is INTERNAL_SERVER_ERROR with a fixed message", () => {
    const error = new GraphQLError("Cannot read properties of undefined (reading 'x')", { originalError: new TypeError("Cannot read properties of undefined") });
    expect(json(maskGatewayError(error, ""))).toEqual({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
  });
});
