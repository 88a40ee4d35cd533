import { ForbiddenError, UnauthenticatedError } from "./errors";
import type { Principal } from "./principal";

/** Anonymous callers get UNAUTHENTICATED; every rule below starts here. */
export function requirePrincipal(principal: Principal | null): Principal {
  if (!principal) throw new UnauthenticatedError();
  return principal;
}

export const isAdmin = (principal: Principal | null): boolean => principal?.kind === "ADMIN";

export function requireAdmin(principal: Principal | null): Principal {
  const p = requirePrincipal(principal);
  if (p.kind !== "ADMIN") throw new ForbiddenError("Only an admin may perform this operation");
  return p;
}

/** The admin, or one of the accounts listed (by kind and id). */
export function requireAdminOr(
  principal: Principal | null,
  ...allowed: { kind: "SELLER" | "MARKETPLACE"; id: string | null | undefined }[]
): Principal {
  const p = requirePrincipal(principal);
  if (p.kind === "ADMIN") return p;
  if (allowed.some((a) => a.id != null && a.kind === p.kind && a.id === p.id)) return p;
  throw new ForbiddenError();
}

/** Internal fields: only our own processes, with a signed SERVICE principal. */
export function requireService(principal: Principal | null): Principal {
  const p = requirePrincipal(principal);
  if (p.kind !== "SERVICE") throw new ForbiddenError("Internal field");
  return p;
}
