// --help texts (design.md's command table and options). The names and defaults come from the systems'
// registries (systems/catalogue.ts: light, no model is built).
import { registryOf } from '../systems/catalogue.js';

const vdpa = registryOf('vdpa');
const vfio = registryOf('vfio');
const names = (es: readonly { name: string }[]): string => es.map((e) => e.name).join(', ');

export const GLOBAL_HELP = `vdpa-mc: a model checker for the DMA-mapping semantics of Linux vDPA (vhost-vdpa, the vdpa bus,
parent drivers, virtio-vdpa), its userspace (QEMU) and VFIO type1.

usage: vdpa-mc <command> [options]

commands:
  check [options]                        check one configuration: verdict, statistics, shortest counterexamples
  matrix [options]                       check the shipped matrix of configurations (this is \`npm start\`)
  cost [options]                         the cost of QEMU's stop-then-start cycle under a configuration, in counts
  compare --base X --patched Y [options] patch semantics: verdicts on both sides and the behaviours that differ
  trace show FILE [--format text|mermaid|html]   render a saved trace
  trace replay FILE [options]            replay a saved trace against a (possibly different) configuration
  trace export-test FILE [--out FILE]    write a vitest regression test that replays the trace
  merge RESULT.json...                   combine the results of check --shard I/N into one
  list kernels|parents|userspaces|invariants|actions   what can be named

global options:
  --help, -h      this text (and \`vdpa-mc <command> --help\` for a command's options)
  --version       the version

exit codes: 0 no violation (pass), 12 an invariant is violated (matrix: a ref row contradicts),
            3 incomplete (a bound or --max-memory stopped the search: not a pass),
            130/143/129 stopped by SIGINT/SIGTERM/SIGHUP (what was found is printed),
            2 bad usage or configuration (or a kernel variant's error), 1 internal error.
`;

const CONFIG_OPTIONS = `  --system vdpa|vfio         the system modelled (default vdpa)
  --kernel NAME|FILE         vdpa: ${names(vdpa.kernels)}; vfio: ${names(vfio.kernels)};
                             or the path of a variant module (default ${vdpa.defaults.kernel})
  --parent NAME              vdpa only: ${names(vdpa.parents)} (default ${vdpa.defaults.parent})
  --userspace NAME           vdpa: ${names(vdpa.userspaces)} (default ${vdpa.defaults.userspace}); vfio: ${names(vfio.userspaces)} (default ${vfio.defaults.userspace})`;

const INVARIANTS_OPTION = `  --invariants ID,ID,...     check only these (default: all that apply; see \`vdpa-mc list invariants\`)`;

const BOUND_OPTIONS = `  --max-depth N              longest action sequence explored (default: the configuration's)
  --max-states N             stop after N distinct states: the verdict is then "incomplete", not a pass
  --time-limit SECONDS       stop after this long (e.g. 60 or 0.5): likewise "incomplete"
  --max-memory SIZE          stop cleanly (incomplete) when resident memory passes SIZE, e.g. 4G
                             (default: 3/4 of physical memory)`;
const CI_OPTIONS = `  --junit FILE               write JUnit XML of the results
  --sarif FILE               write SARIF 2.1.0 of the results
  --summary FILE             append a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)`;

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  check: `usage: vdpa-mc check [options]

Checks one configuration by bounded exhaustive breadth-first search and prints the configuration,
the userspace's alphabet, the verdict (pass, violation, or incomplete when a bound stopped the run),
statistics, coverage warnings, and for each violated invariant its shortest counterexample.

options:
${CONFIG_OPTIONS}
${INVARIANTS_OPTION}
${BOUND_OPTIONS}
  --json                     print the JSON result object on stdout and nothing else
  --out DIR                  write each counterexample as <invariant>.itf.json, .txt and .html
  --exclude-actions A,B      leave these actions out of --userspace any's alphabet (vdpa): a kind, or a
                             kind with arguments, e.g. setStatus(status=0),userFree; to look past a
                             shorter violation of the same invariant
  --contract C               the contract --userspace any obeys: strict (the documented clauses), qemu-like
                             (those plus QEMU's habits) or none (default: unconstrained; each violation's
                             class still says when only a contract breach reaches it)
  --traces-per-invariant N   distinct causes kept per invariant, shortest trace each (default: all)
  --iotlb-limit N            (vdpa) entries per address space before UPDATE fails with -ENOSPC:
                             max_iotlb_entries (2048 in the kernel) scaled to the model, 1..4; default 3
  --reduce none|canonical    canonical: store one world per class of worlds the model declares equivalent
                             (vdpa: fields nothing reads any more; traces stay real worlds), or none:
                             every distinct world; default canonical
  --por none|sleep           sleep: skip transitions that sleep sets prove redundant (vdpa --userspace any:
                             actions that commute by footprint; the same worlds, verdicts and shortest
                             traces, fewer transitions; stats.asleep counts them); default none
${CI_OPTIONS}

deep searches (same verdicts, counts and shortest traces as the one-core search):
  --workers N|auto           threads expanding each BFS level in chunks: this one and N-1 worker threads,
                             started when a level first needs them (default and auto: the cores)
  --checkpoint FILE          save the search to FILE every --checkpoint-every seconds (default 300) and
                             when a signal (SIGINT, SIGTERM, SIGHUP) stops it; exit 130, 143 or 129 then
  --resume FILE              continue a search saved by --checkpoint (same configuration and bounds)
  --shard I/N                explore only shard I (0-based) of N: the worlds at --shard-depth D (default 3)
                             whose fingerprint falls in the shard; combine the --json results with merge
  --strategy bfs|random      random: seeded random walks of at most --max-depth steps (--seed S, default 1;
                             --walks W per violated invariant, default 1000), a violation shrunk and
                             shortened by BFS from its prefixes; never a pass ("incomplete")
  --frontier-memory SIZE     keep at most SIZE of the BFS queue in memory (0, bytes, or e.g. 256M, 2G); the
                             rest goes to files, read back in order (same results), removed at the end
  --frontier-dir DIR         where those files go (default: the system's temporary directory)

exit codes: 0 pass, 12 an invariant is violated, 3 incomplete, 130/143/129 a signal, 2 bad usage, 1 internal error.
`,
  merge: `usage: vdpa-mc merge RESULT.json... [--json]

Combines the results of \`check --shard I/N --json\` (every shard of one configuration) into one:
the verdict, each distinct (invariant, cause) with its shortest trace over the shards, and the
statistics summed (worlds above the split depth are counted once per shard).

options:
  --json                     print the merged JSON result

exit codes: 0 no violation, 12 an invariant is violated, 3 incomplete (a shard did not complete),
2 bad usage (missing or mismatched shards).
`,
  matrix: `usage: vdpa-mc matrix [options]

Checks the shipped matrix of configurations (kernels x parents x userspaces that make sense) with
default bounds, and prints a table of verdicts, one row per configuration. This is \`npm start\`.

options:
  --system vdpa|vfio         only this system's rows
${INVARIANTS_OPTION}
${BOUND_OPTIONS}
  --reduce none|canonical    every row's state-space reduction, as check's (default canonical)
  --por none|sleep           every row's partial-order reduction, as check's (default none)
  --json                     print the same as data on stdout and nothing else (no progress lines)
  --out DIR                  write every counterexample found under DIR (nothing is written without it)
${CI_OPTIONS}

exit codes: 0 every row as expected, 12 a reference row contradicts its expectation, 3 a row is
incomplete, 130/143/129 a signal, 2 bad usage.
`,
  cost: `usage: vdpa-mc cost [options]

The cost of the userspace's reference cycle (QEMU's device stop then start, as at a guest reboot)
under a configuration, in counts: IOTLB messages, pages pinned and unpinned, set_map, dma_map and
dma_unmap calls, VQ teardowns.

options:
${CONFIG_OPTIONS}
  --time-limit SECONDS       how long a variant module may take to load and run the cycle (default 60)
  --json                     print {config, cycle} on stdout and nothing else
`,
  compare: `usage: vdpa-mc compare --base X --patched Y [options]

Patch semantics: checks both kernels (shipped names or variant modules) under the same parent and
userspace, gives each invariant's verdict on both sides (fixed, regressed, unchanged), and the shortest
userspace action sequences whose observable results differ, shown on both sides.

options:
  --base NAME|FILE           the kernel before the patch (required)
  --patched NAME|FILE        the kernel with the patch (required)
  --system vdpa|vfio         the system modelled (default vdpa)
  --parent NAME              vdpa only (default mlx5)
  --userspace NAME           (default qemu; vfio: cpr)
${INVARIANTS_OPTION}
${BOUND_OPTIONS}
  --exclude-actions A,B      as for check: leave these actions out of --userspace any's alphabet (both sides)
  --json                     print the comparison object on stdout and nothing else
  --out DIR                  write the traces under DIR

--time-limit bounds the whole comparison (a search whose turn comes after it is not started; traces
not built in time are listed). exit codes: 0 no regression, 12 a regression, 3 incomplete,
130/143/129 a signal, 2 bad usage.
`,
  trace: `usage: vdpa-mc trace show FILE [--format text|mermaid|html]
       vdpa-mc trace replay FILE [options]
       vdpa-mc trace export-test FILE [--out FILE]

show         renders a saved trace (an .itf.json written by check --out); default format text
replay       re-executes the trace's actions against a configuration (by default the one it was found
             under; any of --system, --kernel, --parent, --userspace, --invariants changes it) and
             says at which step the outcome first differs, and at which steps the call path differs
             (from the call events: 6.6's ops->reset against 6.7's ops->compat_reset(CLEAN_MAP));
             exit 12 when an invariant is violated along it, 0 when none is, 2 when the file is not
             a trace it can read
export-test  writes a vitest file that replays the trace and asserts the violation (--force to
             overwrite an existing file)

replay options:
${CONFIG_OPTIONS}
${INVARIANTS_OPTION}
  --json                     print the replay result as JSON
  --out DIR                  write the replayed trace (.itf.json, .txt, .html) to render it
`,
  list: `usage: vdpa-mc list kernels|parents|userspaces|invariants|actions [--system vdpa|vfio]

Prints what can be named, one per line with a description. --system vfio lists VFIO's kernels,
userspaces and actions (vfio has no parents).
`,
};
