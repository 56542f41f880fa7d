// Regression test exported by `vdpa-mc trace export-test` from a counterexample to kernel-device-agreement
// (system=vdpa kernel=6.12 parent=mlx5 userspace=qemu maxDepth=6). It replays the trace's actions on the model of that
// configuration and asserts that the invariant is still violated. When a fix makes it hold,
// the replay stops violating it and this test fails: then turn the last expectation around.
//
//   1. VHOST_SET_BACKEND_FEATURES IOTLB_BATCH | IOTLB_PERSIST (0x3)  = 0
//   2. VHOST_IOTLB_UPDATE asid=0 iova=[0x0000,0x1000) host=h0  = 0
//   3. vhost_vdpa_reset  = 0

import { expect, test } from 'vitest';
import { fromItf } from '../../../traces/itf.js';
import { describeReplay, replay } from '../../../traces/replay.js';
import { fixedToyModel } from '../fixtures/toy-model.js';

const ITF: unknown = {
  "#meta": {
    "format": "ITF",
    "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
    "source": "vdpa-mc 0.1.0",
    "description": "Counterexample to kernel-device-agreement in 3 steps, written by vdpa-mc 0.1.0",
    "vdpa-mc-trace": 1,
    "invariant": "kernel-device-agreement",
    "message": "vhost-vdpa holds [0x0000,0x1000) → h0+ but the device IOMMU has empty",
    "observation": "device DMA to IOVA 0x0000 faults (no IOMMU entry)",
    "config": {
      "system": "vdpa",
      "kernel": "6.12",
      "parent": "mlx5",
      "userspace": "qemu",
      "maxDepth": 6
    },
    "lanes": [
      "userspace",
      "vhost-vdpa",
      "parent",
      "device"
    ],
    "initIndex": 0
  },
  "vars": [
    "user",
    "kernel",
    "device",
    "action",
    "action_args",
    "ret"
  ],
  "states": [
    {
      "#meta": {
        "index": 0,
        "label": "init",
        "calls": [],
        "view": [
          {
            "layer": "userspace",
            "fields": [
              {
                "name": "asid 0",
                "value": "empty"
              }
            ]
          },
          {
            "layer": "vhost-vdpa",
            "fields": [
              {
                "name": "asid 0",
                "value": "empty"
              },
              {
                "name": "features",
                "value": "none"
              }
            ]
          },
          {
            "layer": "device",
            "fields": [
              {
                "name": "iommu",
                "value": "empty"
              }
            ]
          }
        ]
      },
      "user": {
        "asid0": []
      },
      "kernel": {
        "iotlb": {
          "#map": [
            [
              0,
              []
            ]
          ]
        },
        "features": {
          "#set": []
        },
        "resets": 0
      },
      "device": {
        "iommu": [],
        "dmaMask": {
          "#bigint": "18446744073709551615"
        }
      },
      "action": "init",
      "action_args": {},
      "ret": ""
    },
    {
      "#meta": {
        "index": 1,
        "label": "VHOST_SET_BACKEND_FEATURES IOTLB_BATCH | IOTLB_PERSIST (0x3)",
        "calls": [
          {
            "from": "userspace",
            "to": "vhost-vdpa",
            "label": "VHOST_SET_BACKEND_FEATURES 0x3"
          }
        ],
        "view": [
          {
            "layer": "userspace",
            "fields": [
              {
                "name": "asid 0",
                "value": "empty"
              }
            ]
          },
          {
            "layer": "vhost-vdpa",
            "fields": [
              {
                "name": "asid 0",
                "value": "empty"
              },
              {
                "name": "features",
                "value": "IOTLB_BATCH | IOTLB_PERSIST (0x3)"
              }
            ]
          },
          {
            "layer": "device",
            "fields": [
              {
                "name": "iommu",
                "value": "empty"
              }
            ]
          }
        ]
      },
      "user": {
        "asid0": []
      },
      "kernel": {
        "iotlb": {
          "#map": [
            [
              0,
              []
            ]
          ]
        },
        "features": {
          "#set": [
            "IOTLB_BATCH",
            "IOTLB_PERSIST"
          ]
        },
        "resets": 0
      },
      "device": {
        "iommu": [],
        "dmaMask": {
          "#bigint": "18446744073709551615"
        }
      },
      "action": "ackFeatures",
      "action_args": {
        "type": "ackFeatures",
        "bits": 3
      },
      "ret": "0"
    },
    {
      "#meta": {
        "index": 2,
        "label": "VHOST_IOTLB_UPDATE asid=0 iova=[0x0000,0x1000) host=h0",
        "calls": [
          {
            "from": "userspace",
            "to": "vhost-vdpa",
            "label": "VHOST_IOTLB_UPDATE iova=[0x0000,0x1000)"
          },
          {
            "from": "vhost-vdpa",
            "to": "parent",
            "label": "ops->set_map(asid=0)"
          },
          {
            "from": "parent",
            "to": "device",
            "label": "program IOMMU [0x0000,0x1000)"
          }
        ],
        "view": [
          {
            "layer": "userspace",
            "fields": [
              {
                "name": "asid 0",
                "value": "[0x0000,0x1000) → h0+"
              }
            ]
          },
          {
            "layer": "vhost-vdpa",
            "fields": [
              {
                "name": "asid 0",
                "value": "[0x0000,0x1000) → h0+"
              },
              {
                "name": "features",
                "value": "IOTLB_BATCH | IOTLB_PERSIST (0x3)"
              }
            ]
          },
          {
            "layer": "device",
            "fields": [
              {
                "name": "iommu",
                "value": "[0x0000,0x1000) → h0+"
              }
            ]
          }
        ]
      },
      "user": {
        "asid0": [
          {
            "#tup": [
              0,
              1,
              0
            ]
          }
        ]
      },
      "kernel": {
        "iotlb": {
          "#map": [
            [
              0,
              [
                {
                  "#tup": [
                    0,
                    1,
                    0
                  ]
                }
              ]
            ]
          ]
        },
        "features": {
          "#set": [
            "IOTLB_BATCH",
            "IOTLB_PERSIST"
          ]
        },
        "resets": 0
      },
      "device": {
        "iommu": [
          {
            "#tup": [
              0,
              1,
              0
            ]
          }
        ],
        "dmaMask": {
          "#bigint": "18446744073709551615"
        }
      },
      "action": "map",
      "action_args": {
        "type": "map",
        "iova": 0,
        "size": 1,
        "host": 0
      },
      "ret": "0"
    },
    {
      "#meta": {
        "index": 3,
        "label": "vhost_vdpa_reset",
        "calls": [
          {
            "from": "userspace",
            "to": "vhost-vdpa",
            "label": "VHOST_VDPA_SET_STATUS 0"
          },
          {
            "from": "vhost-vdpa",
            "to": "parent",
            "label": "ops->reset"
          },
          {
            "from": "parent",
            "to": "device",
            "label": "clear IOMMU"
          }
        ],
        "view": [
          {
            "layer": "userspace",
            "fields": [
              {
                "name": "asid 0",
                "value": "[0x0000,0x1000) → h0+"
              }
            ]
          },
          {
            "layer": "vhost-vdpa",
            "fields": [
              {
                "name": "asid 0",
                "value": "[0x0000,0x1000) → h0+"
              },
              {
                "name": "features",
                "value": "none"
              },
              {
                "name": "resets",
                "value": "1"
              }
            ]
          },
          {
            "layer": "device",
            "fields": [
              {
                "name": "iommu",
                "value": "empty"
              }
            ]
          }
        ]
      },
      "user": {
        "asid0": [
          {
            "#tup": [
              0,
              1,
              0
            ]
          }
        ]
      },
      "kernel": {
        "iotlb": {
          "#map": [
            [
              0,
              [
                {
                  "#tup": [
                    0,
                    1,
                    0
                  ]
                }
              ]
            ]
          ]
        },
        "features": {
          "#set": []
        },
        "resets": 1
      },
      "device": {
        "iommu": [],
        "dmaMask": {
          "#bigint": "18446744073709551615"
        }
      },
      "action": "reset",
      "action_args": {
        "type": "reset"
      },
      "ret": "0"
    }
  ]
};

test("kernel-device-agreement: the 3-step counterexample still violates it", async () => {
  const read = fromItf(ITF);
  if (!read.ok) throw new Error(read.error);
  const trace = read.trace;
  const model = fixedToyModel();
  const result = replay(trace, model);
  const report = describeReplay(trace, result).join('\n');
  expect(result.violations.map((v) => v.propertyId), report).toContain("kernel-device-agreement");
});
