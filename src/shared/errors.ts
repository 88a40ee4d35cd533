import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { CLIENT_ERROR_CODES, ENGINE_CLIENT_CODES, type ErrorCode } from "./error-codes";
import { logger } from "./logger";

export { CLIENT_ERROR_CODES, type ErrorCode } from "./error-codes";

/** A rule was broken by the caller; `code` is what the client sees in `extensions.code`. */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export class BadUserInputError extends DomainError {
  readonly code = "BAD_USER_INPUT" as const;
}
export class NotFoundError extends DomainError {
  readonly code = "NOT_FOUND" as const;
  constructor(kind: string, id: string) {
    super(`No ${kind} with id "${id}"`, { kind, id });
  }
}
export class UnauthenticatedError extends DomainError {
  readonly code = "UNAUTHENTICATED" as const;
  constructor(message = "This operation needs an API key") {
    super(message);
  }
}
export class ForbiddenError extends DomainError {
  readonly code = "FORBIDDEN" as const;
  constructor(message = "This API key may not perform this operation") {
    super(message);
  }
}
export class AlreadyExistsError extends DomainError {
  readonly code = "ALREADY_EXISTS" as const;
}
export class NotAffiliatedError extends DomainError {
  readonly code = "NOT_AFFILIATED" as const;
}
export class NoRouteError extends DomainError {
  readonly code = "NO_ROUTE" as const;
}
export class OfferNotActiveError extends DomainError {
  readonly code = "OFFER_NOT_ACTIVE" as const;
}
export class ForwardCycleError extends DomainError {
  readonly code = "FORWARD_CYCLE" as const;
}
export class MaxDepthExceededError extends DomainError {
  readonly code = "MAX_DEPTH_EXCEEDED" as const;
}
export class StockGateClosedError extends DomainError {
  readonly code = "STOCK_GATE_CLOSED" as const;
}
export class VersionConflictError extends DomainError {
  readonly code = "VERSION_CONFLICT" as const;
}
export class InsufficientStockError extends DomainError {
  readonly code = "INSUFFICIENT_STOCK" as const;
}
export class ServiceUnavailableError extends DomainError {
  readonly code = "SERVICE_UNAVAILABLE" as const;
  constructor(message = "A service this request depends on is unavailable; try again shortly") {
    super(message);
  }
}

const MASKED_MESSAGE = "Internal server error";

function isDatabaseUnavailable(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? "";
  return (
    name === "MongoNetworkError" ||
    name === "MongoServerSelectionError" ||
    name === "MongoNotConnectedError" ||
    name === "MongoTopologyClosedError" ||
    name === "MongooseServerSelectionError"
  );
}

/**
 * The one place where errors become what clients see: domain errors keep their
 * code and message, validation errors become BAD_USER_INPUT, a database that
 * cannot be reached becomes SERVICE_UNAVAILABLE, and anything else is logged
 * and masked.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof DomainError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: original.code, ...(original.details ?? {}) },
    };
  }
  const code = formatted.extensions?.code;
  if (
    (typeof code === "string" && (code === "BAD_USER_INPUT" || ENGINE_CLIENT_CODES.has(code))) ||
    (original as { name?: string })?.name === "ArgumentValidationError"
  ) {
    return {
      message: formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: "BAD_USER_INPUT" },
    };
  }
  if (typeof code === "string" && CLIENT_ERROR_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  if (isDatabaseUnavailable(original)) {
    return {
      message: new ServiceUnavailableError().message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: "SERVICE_UNAVAILABLE" },
    };
  }
  logger.error("unexpected error", { error: original instanceof Error ? original.stack : String(original) });
  return {
    message: MASKED_MESSAGE,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}
