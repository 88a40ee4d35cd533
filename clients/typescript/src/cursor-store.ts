import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Where a feed consumer keeps the cursor of the last event it handled, so that
 * it resumes after it across reconnects and restarts.
 */
export interface CursorStore {
  /** The last cursor saved; undefined when none was ever saved. */
  load(): Promise<string | undefined>;
  save(cursor: string): Promise<void>;
}

/** Lives as long as the process: resumes across reconnects, not across restarts. */
export class MemoryCursorStore implements CursorStore {
  constructor(private cursor?: string) {}
  async load() {
    return this.cursor;
  }
  async save(cursor: string) {
    this.cursor = cursor;
  }
}

/**
 * One cursor in a file. Each save writes a temporary file and renames it over
 * the old one, so a crash leaves the old cursor or the new one, never half.
 */
export class FileCursorStore implements CursorStore {
  constructor(readonly path: string) {}

  async load(): Promise<string | undefined> {
    try {
      const text = (await readFile(this.path, "utf8")).trim();
      return text === "" ? undefined : text;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async save(cursor: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${cursor}\n`, "utf8");
    await rename(temporary, this.path);
  }
}
