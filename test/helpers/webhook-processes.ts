import { randomBytes } from "node:crypto";
import mongoose from "mongoose";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
import { GraphQLClient } from "./graphql-client";
import { freePort, runNode, type RunningProcess } from "./processes";

export interface ServiceProcess {
  process: RunningProcess;
  pid: number;
  admin: GraphQLClient;
}

/**
 * Whole services (`node dist/main.js`) as separate processes on one external
 * jongodb, so that a test can kill one with a real signal and start another
 * on the same data.
 */
export class WebhookServices {
  mongo!: EmbeddedMongo;
  readonly adminKey = `og_admin_${randomBytes(18).toString("base64url")}`;
  private readonly internalSecret = randomBytes(32).toString("base64url");
  readonly running: ServiceProcess[] = [];

  constructor(private readonly env: Record<string, string>) {}

  async init(): Promise<this> {
    this.mongo = await startJongodb();
    return this;
  }

  /** Starts one (on `port`, e.g. a killed one's, or a free one). */
  async start(port?: number): Promise<ServiceProcess> {
    const p = runNode("main.js", {
      MONGODB_URI: this.mongo.uri,
      ADMIN_API_KEY: this.adminKey,
      INTERNAL_SECRET: this.internalSecret,
      LOG_LEVEL: "error",
      HOST: "127.0.0.1",
      PORT: String(port ?? (await freePort())),
      ...this.env,
    });
    const [, url] = (await p.waitFor(/offergate listening on (\S+)/, 60_000)) as unknown as [string, string];
    const service = { process: p, pid: p.child.pid!, admin: new GraphQLClient(url, this.adminKey) };
    this.running.push(service);
    return service;
  }

  async kill(service: ServiceProcess): Promise<void> {
    await service.process.stop("SIGKILL");
    this.running.splice(this.running.indexOf(service), 1);
  }

  /** The webhook's lease as stored: the holder's pid (the owner id starts with it) and its expiry. */
  async lease(webhookId: string): Promise<{ pid: number | null; until: number }> {
    const connection = await mongoose.createConnection(this.mongo.uri).asPromise();
    try {
      const doc = await connection.db!.collection("webhooks").findOne({ _id: webhookId as never });
      const owner = (doc?.leaseOwner as string | null) ?? null;
      return { pid: owner ? Number(owner.split(":")[0]) : null, until: Number(doc?.leaseUntil ?? 0) };
    } finally {
      await connection.close();
    }
  }

  async close(): Promise<void> {
    for (const s of [...this.running]) await this.kill(s);
    await this.mongo?.stop();
  }
}
