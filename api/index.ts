// vdpa-mc as a library: the engine, the shipped systems, traces and the variant API.
// Each is also its own entry point: vdpa-mc/engine, vdpa-mc/systems, vdpa-mc/traces, vdpa-mc/variant.
export * from './engine.js';
export * from './systems.js';
export * from './traces.js';
export * from './variant.js';
