// `vdpa-mc/traces`: counterexamples as data. Read and write ITF (the Informal Trace Format of
// Apalache and Quint), render as text, Mermaid or HTML, and replay against a model.
export { fromItf, parseItf, toItf, itfText, type ItfTrace, type ReadResult } from '../traces/itf.js';
export type { Trace, TraceStep, TraceViolation, TraceWorld } from '../traces/trace.js';
export { replay, describeReplay, type ReplayResult, type Divergence } from '../traces/replay.js';
export type { TraceModel } from '../traces/trace-model.js';
export { renderText, type TextOptions } from '../traces/text.js';
export { renderMermaid } from '../traces/mermaid.js';
export { renderHtml } from '../traces/html.js';
