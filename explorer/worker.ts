// A worker thread of the chunked search (chunked.ts): builds the model from its source (a module
// and an exported factory: the explorer knows no model), then expands the chunks it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { Model } from './model.js';
import { Expander, failureOf, type ChunkResult } from './expand.js';
import { KnownFingerprints } from './store.js';
import { selectProperties } from './properties.js';
import type { WorkerInit, ChunkRequest, WorkerReply } from './pool.js';

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('explorer/worker.ts runs as a worker thread');
  const init = workerData as WorkerInit;
  let expander: Expander<unknown, unknown>;
  try {
    const mod = (await import(init.source.module)) as Record<string, unknown>;
    const factory = mod[init.source.export];
    if (typeof factory !== 'function') throw new Error(`${init.source.module} exports no function '${init.source.export}'`);
    const model = (await (factory as (arg: unknown) => unknown)(init.source.arg)) as Model<unknown, unknown>;
    expander = new Expander(model, selectProperties(model, init.propertyIds), init.distinct);
  } catch (e) {
    port.postMessage({ kind: 'init-error', message: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
    return;
  }
  port.postMessage({ kind: 'ready' } satisfies WorkerReply);
  // the merger's table, read through the buffer each chunk names (a new one once it moved)
  let known: KnownFingerprints | undefined;
  port.on('message', (req: ChunkRequest) => {
    let r: ChunkResult;
    try {
      if (req.store !== undefined) {
        if (known === undefined) known = new KnownFingerprints(req.store);
        else known.update(req.store);
      }
      r = expander.expandChunk(new Int32Array(req.records), req.count, req.active, req.shard, req.store === undefined ? undefined : known, req.sleep);
    } catch (e) {
      port.postMessage({ kind: 'failure', id: req.id, ...failureOf(e) } satisfies WorkerReply);
      return;
    }
    const buf = r.stream.buffer as ArrayBuffer;
    port.postMessage({ kind: 'done', id: req.id, stream: buf } satisfies WorkerReply, [buf]);
  });
}

void main();
