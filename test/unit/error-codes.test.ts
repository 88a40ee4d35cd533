import { GraphQLError } from "graphql";
import { CLIENT_ERROR_CODES, contractCode, ERROR_CODES } from "../../src/shared/error-codes";
import { formatError } from "../../src/shared/errors";
import { maskGatewayError } from "../../src/gateway/mask-errors";

describe("the one list of error codes", () => {
  it("gives clients every contract code but the masked one", () => {
    expect([...CLIENT_ERROR_CODES].sort()).toEqual(ERROR_CODES.filter((c) => c !== "INTERNAL_SERVER_ERROR").sort());
  });

  it.each([
    ["STOCK_GATE_CLOSED", "STOCK_GATE_CLOSED"],
    ["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"],
    ["OPERATION_RESOLUTION_FAILURE", "BAD_USER_INPUT"],
    ["SUBREQUEST_HTTP_ERROR", "SERVICE_UNAVAILABLE"],
    ["E11000", "INTERNAL_SERVER_ERROR"],
    [undefined, "INTERNAL_SERVER_ERROR"],
  ])("maps %s to %s, in the subgraphs and in the gateway alike", (code, expected) => {
    expect(contractCode(code)).toBe(expected);
    const error = new GraphQLError("x", { extensions: code ? { code } : {} });
    const subgraph = formatError({ message: "x", extensions: code ? { code } : {} }, error).extensions?.code;
    if (expected !== "SERVICE_UNAVAILABLE") expect(subgraph).toBe(expected);
    const gateway = (maskGatewayError(error, "x") as GraphQLError).extensions.code;
    if (code !== undefined) expect(gateway).toBe(expected);
  });
});
