// type-graphql needs the Reflect metadata API before any decorated class is loaded.
import "reflect-metadata";
import { setLogLevel } from "../../src/shared/logger";

// The service's own logs would flood the output with expected errors (refused
// requests, masked internals). TEST_LOG_LEVEL=debug brings them back.
const level = process.env.TEST_LOG_LEVEL;
setLogLevel(level === "debug" || level === "info" || level === "warn" || level === "error" ? level : "silent");
