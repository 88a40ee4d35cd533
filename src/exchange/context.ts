import type { Principal } from "../shared/principal";
import { createExchangeLoaders, type ExchangeLoaders } from "./loaders";
import type { ExchangeServices } from "./services";

export interface ExchangeContext {
  principal: Principal | null;
  services: ExchangeServices;
  /** This request's loaders, made when first used. */
  readonly loaders: ExchangeLoaders;
  /** Drops them: the next use makes a fresh set (each event of a subscription is a request of its own). */
  renewLoaders(): void;
}

export const createExchangeContext = (services: ExchangeServices, principal: Principal | null): ExchangeContext => {
  let loaders: ExchangeLoaders | undefined;
  return {
    principal,
    services,
    get loaders() {
      return (loaders ??= createExchangeLoaders(services));
    },
    renewLoaders() {
      loaders = undefined;
    },
  };
};
