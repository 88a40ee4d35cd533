/*
 * The paths a feed event takes, from the exchange's write to a client's socket:
 *
 *   exchange: feed.service flush -> bus -> feed.hub reads the log -> the subgraph's `offerFeed` stream
 *   subgraph edge, the plan's way (plan.ts `useSubscriptions`, one per client subscription):
 *     in-process.ts  `inProcessUpstream`, a direct pull on the subgraph's schema (embedded mode)
 *     websocket-upstream.ts, a WebSocket of its own to the subgraph (separate processes)
 *     -> shared.ts `SharedUpstreams`: identical live subscriptions of one principal share one upstream
 *     -> plan.ts `bufferedSubscription`: bounded buffer, pause, SLOW_CONSUMER, UPSTREAM_CLOSED
 *     -> Hive's plan -> plan.ts `clientResults` (workaround-router-runtime-shared-errors.ts)
 *   direct way (direct.ts): a shared live subscription one subgraph answers alone skips the plan:
 *     `inProcessDirect` (graphql `subscribe`) or `webSocketDirect` (websocket-upstream.ts, buffered)
 *   client edge (../http-server.ts):
 *     WebSocket: live-sessions.ts lease (caps, shutdown, stall) -> shared.ts `SharedResults`
 *       (identical live subscriptions share one stream of final results, written to each socket)
 *     SSE / multipart: plan.ts lease + live-access.ts `endable` (revoked key) -> event-stream.ts
 *   Library bugs worked around: workaround-<library>-<what>.ts, each naming the test that proves it.
 *   Every interruption ends with one result carrying `resumeAfter` (interruptions.ts); "live"
 *   (every root field's `after` null or absent) is one notion, ../../shared/live.ts.
 */
export { directSubscriptions, inProcessDirect, webSocketDirect, type DirectSubgraph, type DirectSubscribe } from "./direct";
export { useEventStreamErrorsInStream } from "./event-stream";
export { inProcessUpstream } from "./in-process";
export { LiveAccess, useLiveAccess, type EndCode } from "./live-access";
export { CloseCode, DEFAULT_LIVE_LIMITS, LiveSessions, tooManySubscriptions, type Lease, type LiveLimits } from "./live-sessions";
export { DEFAULT_SUBSCRIPTION_LIMITS, useSubscriptions, type SubscriptionLimits } from "./plan";
export { isSubscription, liveOperationKey, SharedResults, type ClientOperation, type ClientWire } from "./shared";
export type { Upstream, UpstreamHandle, UpstreamSink } from "./upstream";
export { loadSchemaBeforeWebSockets } from "./workaround-hive-runtime-lazy-schema";
export { useEndUnsentSubscriptions } from "./workaround-hive-runtime-unsent-subscription";
