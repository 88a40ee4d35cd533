import mongoose, { type Connection, type ConnectOptions } from "mongoose";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
// Importing the module applies the project's mongoose settings (no autoCreate, no autoIndex).
import "../../src/shared/mongo";

export interface TestMongo {
  server: EmbeddedMongo;
  /** Opens a connection to a database of its own (unless `dbName` is given); closed by `stop`. */
  connect(options?: ConnectOptions): Promise<Connection>;
  stop(): Promise<void>;
}

let databases = 0;

/**
 * A bare jongodb server for data-access tests: no subgraphs, no gateway. Each
 * test file starts its own, so files never see each other's data.
 */
export async function startTestMongo(): Promise<TestMongo> {
  const server = await startJongodb();
  const connections: Connection[] = [];
  return {
    server,
    async connect(options = {}) {
      const connection = mongoose.createConnection(server.uri, {
        dbName: `test_${process.pid}_${++databases}`,
        serverSelectionTimeoutMS: 5_000,
        ...options,
      });
      connections.push(connection);
      await connection.asPromise();
      return connection;
    },
    async stop() {
      for (const c of connections) await c.close().catch(() => undefined);
      await server.stop();
    },
  };
}
