/**
 * One process's link to the cluster's Redis: the per-model BullMQ queues it
 * adds to or reads, and the live workers' records. Redis going away for a
 * while (a restart) is waited out, not fatal: BullMQ reconnects.
 */
import { Queue, RedisConnection } from 'bullmq';
import { BusyError, errorMessage } from '../../common/errors.js';
import {
  queueNameFor,
  redisPrefix,
  workerKey,
  workerRecordSchema,
  type ModelIdentity,
  type WorkerRecord,
} from './protocol.js';
import { parseClusterUrl, type ClusterAddress } from './redis-connection.js';

/** How long the first contact may take before we say the cluster cannot be reached. */
const connectTimeoutMs = 10_000;

export class ClusterConnection {
  readonly #queues = new Map<string, Queue>();
  /** Our own keys (the workers' records, coordinator addresses) go through this connection. */
  readonly #control: RedisConnection;
  #lastError = '';
  /** While opening: where the first connection error goes instead of stderr. */
  #onFirstError: ((error: Error) => void) | null = null;

  private constructor(readonly address: ClusterAddress) {
    this.#control = this.#watch(new RedisConnection(address.connection));
  }

  /** Connects and checks that Redis answers; throws a one-line BusyError when it does not. */
  static async open(url: string): Promise<ClusterConnection> {
    const connection = new ClusterConnection(parseClusterUrl(url));
    try {
      // The first connection error (refused, wrong password, TLS) ends the attempt at once.
      const failed = new Promise<never>((_resolve, reject) => {
        connection.#onFirstError = reject;
      });
      const answered = connection.#control.client.then((client) => client.info());
      // Whichever loses the race below may still reject: that is no longer news.
      answered.catch(() => undefined);
      failed.catch(() => undefined);
      await withTimeout(Promise.race([answered, failed]), connectTimeoutMs);
    } catch (error) {
      await connection.close();
      throw new BusyError(
        `Cannot reach the cluster at ${connection.address.display}: ${errorMessage(error)}`,
        { cause: error },
      );
    } finally {
      connection.#onFirstError = null;
    }
    return connection;
  }

  queueOptions(): { connection: ClusterAddress['connection']; prefix: string } {
    return { connection: this.address.connection, prefix: redisPrefix };
  }

  /** The queue of one model identity. */
  queue(model: ModelIdentity): Queue {
    const name = queueNameFor(model);
    let queue = this.#queues.get(name);
    if (queue === undefined) {
      queue = this.#watch(new Queue(name, this.queueOptions()));
      this.#queues.set(name, queue);
    }
    return queue;
  }

  async redis(): Promise<Awaited<RedisConnection['client']>> {
    return this.#control.client;
  }

  /** The workers whose record has not expired. */
  async liveWorkers(): Promise<WorkerRecord[]> {
    const client = await this.redis();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, { MATCH: workerKey('*'), COUNT: 100 });
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await Promise.all(keys.map((key) => client.get(key)));
    return values.flatMap((value) => {
      if (value === null) return [];
      const parsed = workerRecordSchema.safeParse(JSON.parse(value));
      return parsed.success ? [parsed.data] : [];
    });
  }

  async close(): Promise<void> {
    const queues = [...this.#queues.values()];
    this.#queues.clear();
    const closing = this.#control.close();
    // A connection closed while still connecting reports its failure once more, to no one.
    this.#control.on('error', () => undefined);
    await Promise.all([
      closing.catch(() => undefined),
      ...queues.map((queue) => queue.close().catch(() => undefined)),
    ]);
  }

  /** Connection errors repeat on every retry while Redis is down: say each kind once. */
  #watch<T extends { on(event: 'error', listener: (error: Error) => void): unknown }>(
    emitter: T,
  ): T {
    emitter.on('error', (error: Error) => {
      if (this.#onFirstError !== null) {
        this.#onFirstError(error);
        return;
      }
      if (error.message === this.#lastError) return;
      this.#lastError = error.message;
      console.error(`yonos cluster: ${this.address.display}: ${error.message}`);
    });
    return emitter;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${String(ms / 1000)} s`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
