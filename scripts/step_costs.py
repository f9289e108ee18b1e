"""Where a training step's time goes, in its parts: `python scripts/step_costs.py` prints one JSON report.

With train()'s thread settings (one thread inside each op, two ops at a time) it times, inside a compiled
`tf.while_loop` as the readers' loops run them:
- the LSTM's recurrent product, a batch of 32 states (32 x 128) times the recurrent kernel (128 x 512);
- one elementwise op on a (32, 512) tensor (a sigmoid and a scaling, counted as two ops);
- one LSTM reader's forward and backward pass over a batch of 32 sentences of `--steps` words through
  rnnlab.bptt (the hand-written backpropagation train() uses), per time step.
Each is the median of `--repeat` timings after a warm-up call.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BATCH, UNITS, GATES = 32, 128, 4 * 128
LOOP = 1000  # iterations of each timed loop


def _median_seconds(function, *args, repeat: int) -> float:
    function(*args)  # traced and warmed
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args)
        float(result[0] if isinstance(result, (list, tuple)) else result[0, 0])  # waits for the value
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(steps: int, repeat: int) -> dict:
    import numpy as np
    import tensorflow as tf

    from rnnlab import bptt
    from rnnlab.training import configure_threads

    configure_threads()
    rng = np.random.default_rng(0)
    state = tf.constant(rng.random((BATCH, UNITS), dtype=np.float32))
    kernel = tf.constant(rng.random((UNITS, GATES), dtype=np.float32) * 0.01)

    @tf.function(autograph=False)
    def products(h):
        return tf.while_loop(lambda i, h: i < LOOP, lambda i, h: (i + 1, tf.matmul(h, kernel)[:, :UNITS]), (0, h))[1]

    wide = tf.constant(rng.random((BATCH, GATES), dtype=np.float32))

    @tf.function(autograph=False)
    def elementwise(x):  # ten sigmoids and ten scalings a step
        def body(i, x):
            for _ in range(10):
                x = tf.sigmoid(x) * 0.5
            return i + 1, x
        return tf.while_loop(lambda i, x: i < LOOP, body, (0, x))[1]

    z = tf.constant(rng.normal(0, 1, (steps, BATCH, GATES)).astype(np.float32))
    mask = tf.constant(rng.random((steps, BATCH, 1)) < 0.9)
    recurrent = tf.Variable(rng.normal(0, 0.1, (UNITS, GATES)).astype(np.float32))

    @tf.function(autograph=False)
    def reader(z, mask):  # one LSTM reader, forward and backward, as in train()'s step
        with tf.GradientTape() as tape:
            tape.watch(z)
            loss = tf.reduce_sum(bptt.final_state("LSTM", z, mask, recurrent))
        dz, du = tape.gradient(loss, [z, recurrent])
        return tf.reduce_sum(dz), tf.reduce_sum(du)

    product_s = _median_seconds(products, state, repeat=repeat) / LOOP
    op_s = _median_seconds(elementwise, wide, repeat=repeat) / LOOP / 20
    reader_s = min(_median_seconds(reader, z, mask, repeat=repeat) for _ in range(3))  # 3 medians, the least
    return dict(
        recurrent_product_us=round(product_s * 1e6, 1),
        recurrent_product_gflops=round(2 * BATCH * UNITS * GATES / product_s / 1e9, 1),
        elementwise_op_us=round(op_s * 1e6, 2),
        lstm_reader_forward_backward_ms=round(reader_s * 1e3, 2),
        lstm_reader_per_step_us=round(reader_s / steps * 1e6, 1),
        two_products_share_of_a_step=round(2 * product_s / (reader_s / steps), 2),
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12, help="words per sentence for the reader (12: the "
                        "training batches' mean padded length)")
    parser.add_argument("--repeat", type=int, default=30, help="timings per measurement (the median is kept)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    load_before = os.getloadavg()[0]
    report = measure(args.steps, args.repeat)
    report = dict(command=" ".join(["python scripts/step_costs.py", *(argv if argv is not None else sys.argv[1:])]),
                  date=datetime.now(timezone.utc).isoformat(timespec="seconds"), machine=platform.node(),
                  cpus=os.cpu_count(), load_before=round(load_before, 2), load_after=round(os.getloadavg()[0], 2),
                  steps=args.steps, **report)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
