/**
 * One process's link to the cluster's Redis: the per-model BullMQ queues it
 * adds to or reads, and the live workers' records. Redis going away for a
 * while (a restart) is waited out, not fatal: BullMQ reconnects.
 */
import { Queue } from 'bullmq';
import { BusyError, errorMessage } from '../shared/errors.js';
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
  readonly #control: Queue;
  #lastError = '';

  private constructor(readonly address: ClusterAddress) {
    // A queue no job is ever added to: our handle on Redis for the workers' records.
    this.#control = this.#watch(new Queue('control', this.queueOptions()));
  }

  /** Connects and checks that Redis answers; throws a one-line Error when it does not. */
  static async open(url: string): Promise<ClusterConnection> {
    const connection = new ClusterConnection(parseClusterUrl(url));
    try {
      await withTimeout(
        connection.#control.client.then((client) => client.info()),
        connectTimeoutMs,
      );
    } catch (error) {
      await connection.close();
      throw new BusyError(
        `Cannot reach the cluster at ${connection.address.display}: ${errorMessage(error)}`,
        { cause: error },
      );
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

  async redis(): Promise<Awaited<Queue['client']>> {
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
    const queues = [...this.#queues.values(), this.#control];
    this.#queues.clear();
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
  }

  /** Connection errors repeat on every retry while Redis is down: say each kind once. */
  #watch<T extends Queue>(queue: T): T {
    queue.on('error', (error: Error) => {
      if (error.message === this.#lastError) return;
      this.#lastError = error.message;
      console.error(`yonos cluster: ${this.address.display}: ${error.message}`);
    });
    return queue;
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
