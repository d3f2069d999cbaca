import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger, LOGGER } from '@sapora/service-kit';
import { GatewayConfig } from '../config/gateway-config';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Where files wait between a tab and the file service: an upload until every byte is in (the
 * file service wants its MD5 first), a download until its MD5 is checked. One folder per
 * gateway process, removed at shutdown; folders left by a gateway that died are removed at start.
 */
@Injectable()
export class FileSpool implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #root: string;

  constructor(
    private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.#root = join(config.GATEWAY_SPOOL_DIR, `${process.pid}-${randomUUID().slice(0, 8)}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    await mkdir(this.#root, { recursive: true, mode: 0o700 });
    for (const entry of await readdir(this.config.GATEWAY_SPOOL_DIR)) {
      const pid = Number(entry.split('-')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) {
        await rm(join(this.config.GATEWAY_SPOOL_DIR, entry), { recursive: true, force: true });
        this.logger.info({ folder: entry }, 'removed files a stopped gateway left in the spool');
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await rm(this.#root, { recursive: true, force: true });
  }

  /** A new empty folder for one transfer; remove it with release(). */
  async reserve(): Promise<string> {
    const dir = join(this.#root, randomUUID());
    await mkdir(dir, { mode: 0o700 });
    return dir;
  }

  /** Removes a transfer's folder; never throws (a file left behind is removed at shutdown). */
  async release(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) =>
      this.logger.warn({ err: error, dir }, 'could not remove a spooled file'),
    );
  }
}
