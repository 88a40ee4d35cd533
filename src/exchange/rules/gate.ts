/** A forwarding marketplace as the stock gate sees it. */
export interface Forwarder {
  requireStockToForward: boolean;
  stock: number;
}

/**
 * The stock gate (SEMANTICS.md): a marketplace that requires stock to forward
 * may forward a product, and keep forwarded offers of it sellable, only while
 * it holds that product itself.
 */
export const isGateOpen = (forwarder: Forwarder): boolean => !forwarder.requireStockToForward || forwarder.stock > 0;
