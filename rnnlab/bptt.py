"""Backpropagation through time written out: one reader's recurrence with its gradient by hand.

rnnlab.fastrnn hoists the input projections out of the loop; what is left inside is the recurrence
h_t = cell(z_t + h_{t-1} U). Left to TensorFlow's automatic differentiation, the loop's gradient is built op by
op: every intermediate of every step is pushed on a stack, and the recurrent weight's gradient is summed one small
product at a time, h_{t-1}^T dz_t with an inner size of one batch (32). Here the backward loop computes only what
must run step by step (the gradient reaching h_{t-1}, through dz_t U^T) and keeps each step's dz_t; the recurrent
weight's gradient is then one product over all steps at once, H_prev^T dZ, with an inner size of T x batch, as
cuDNN's and oneDNN's RNN kernels do it. The numbers are the same as the Keras layers' (tests/test_fastrnn.py,
within 1e-5). The backward loop multiplies by U^T transposed once before it: oneDNN's product with a transposed
operand (`transpose_b=True`) took 81 us against 50 us for the same (32, 512) by (512, 128) product on a transposed
copy (7 December, train()'s thread settings), and a step of the lesson's models was 2 to 10% faster for it.

Shapes: z (T, B, W) the input projections x_t W + b (W = gates x units), mask (T, B, 1) bool (True: a real word;
a padded step keeps the previous state, as Keras masks), u (h, W) the recurrent kernel, and for the GRU
(reset_after, Keras' default) its recurrent bias (W,). The result is the state after the last step, (B, h).
"""

from __future__ import annotations


def final_state(kind: str, z, mask, u, recurrent_bias=None):
    """The reader's final state, differentiable in z, u and (GRU) recurrent_bias by the hand-written BPTT."""
    if kind == "GRU":
        return _gru(z, mask, u, recurrent_bias)
    return (_lstm if kind == "LSTM" else _simple)(z, mask, u)


def _setup(z, mask, u):
    """(steps, each step's z, each step's mask, the zero state (B, h)): what every cell's loop starts from."""
    import tensorflow as tf

    steps = tf.shape(z)[0]
    zs, ms = _array(z.dtype, steps).unstack(z), _array(tf.bool, steps).unstack(mask)
    return steps, zs, ms, tf.zeros([tf.shape(z)[1], tf.shape(u)[0]], z.dtype)


def _loop(body, steps, state, arrays, reverse=False):
    """Run body(t, *state, *arrays) -> (state, arrays) for t = 0..steps-1 (or back from steps-1), TensorArrays in
    `arrays` written by the body; returns (state, arrays)."""
    import tensorflow as tf

    n = len(state)

    def cond(i, *_):
        return i < steps

    def step(i, *values):
        t = steps - 1 - i if reverse else i
        new_state, new_arrays = body(t, list(values[:n]), list(values[n:]))
        return (i + 1, *new_state, *new_arrays)

    out = tf.while_loop(cond, step, (tf.constant(0), *state, *arrays), maximum_iterations=steps)
    return list(out[1 : 1 + n]), list(out[1 + n :])


def _array(dtype, steps):
    import tensorflow as tf

    return tf.TensorArray(dtype, size=steps, clear_after_read=False)  # the mask is read forward and back


def _previous(states, h0):
    """(T, B, h): the state each step started from: h0, then the states after steps 0..T-2."""
    import tensorflow as tf

    return tf.concat([h0[None], states[:-1]], axis=0)


def _weight_gradient(previous, dz):
    """sum_t previous_t^T dz_t as one product: (h, T B) @ (T B, W)."""
    import tensorflow as tf

    return tf.matmul(tf.reshape(previous, [-1, tf.shape(previous)[-1]]), tf.reshape(dz, [-1, tf.shape(dz)[-1]]),
                     transpose_a=True)


def _simple(z, mask, u):
    import tensorflow as tf

    @tf.custom_gradient
    def run(z, u):
        steps, zs, ms, h0 = _setup(z, mask, u)

        def body(t, state, arrays):
            h = state[0]
            new = tf.tanh(zs.read(t) + tf.matmul(h, u))
            h = tf.where(ms.read(t), new, h)
            return [h], [arrays[0].write(t, h)]

        (h,), (hs,) = _loop(body, steps, [h0], [_array(z.dtype, steps)])
        hs = hs.stack()

        def grad(dh):
            # d tanh: 1 - h^2 with h the new state; on padded steps the state (and its gradient) passes through.
            def back(t, state, arrays):
                dh = state[0]
                real = ms.read(t)
                h = hss.read(t)
                da = tf.where(real, dh * (1 - tf.square(h)), tf.zeros_like(dh))
                dh = tf.matmul(da, u_t) + tf.where(real, tf.zeros_like(dh), dh)
                return [dh], [arrays[0].write(t, da)]

            hss = _array(z.dtype, steps).unstack(hs)
            u_t = tf.transpose(u)  # once, before the loop (module docstring)
            _, (das,) = _loop(back, steps, [dh], [_array(z.dtype, steps)], reverse=True)
            da = das.stack()
            return da, _weight_gradient(_previous(hs, h0), da)

        return h, grad

    return run(z, u)


def _lstm(z, mask, u):
    import tensorflow as tf

    @tf.custom_gradient
    def run(z, u):
        steps, zs, ms, h0 = _setup(z, mask, u)

        def body(t, state, arrays):
            h, c = state
            i, f, g, o = tf.split(zs.read(t) + tf.matmul(h, u), 4, axis=-1)
            i, f, g, o = tf.sigmoid(i), tf.sigmoid(f), tf.tanh(g), tf.sigmoid(o)
            new_c = f * c + i * g
            real = ms.read(t)
            new_h = o * tf.tanh(new_c)
            gates, cs, hs = arrays
            return ([tf.where(real, new_h, h), tf.where(real, new_c, c)],
                    [gates.write(t, tf.concat([i, f, g, o], -1)), cs.write(t, tf.where(real, new_c, c)),
                     hs.write(t, tf.where(real, new_h, h))])

        (h, _), (gates, cs, hs) = _loop(body, steps, [h0, h0], [_array(z.dtype, steps) for _ in range(3)])
        gates, cs, hs = gates.stack(), cs.stack(), hs.stack()

        def grad(dh):
            gate_array, c_array = _array(z.dtype, steps).unstack(gates), _array(z.dtype, steps).unstack(cs)
            c_previous = _array(z.dtype, steps).unstack(_previous(cs, h0))
            u_t = tf.transpose(u)  # once, before the loop (module docstring)

            def back(t, state, arrays):
                dh, dc = state
                real = ms.read(t)
                i, f, g, o = tf.split(gate_array.read(t), 4, axis=-1)
                tanh_c = tf.tanh(c_array.read(t))
                zero = tf.zeros_like(dh)
                dh_new, dc_in = tf.where(real, dh, zero), tf.where(real, dc, zero)
                dc_new = dc_in + dh_new * o * (1 - tf.square(tanh_c))
                dz = tf.concat([dc_new * g * i * (1 - i), dc_new * c_previous.read(t) * f * (1 - f),
                                dc_new * i * (1 - tf.square(g)), dh_new * tanh_c * o * (1 - o)], -1)
                dh = tf.matmul(dz, u_t) + tf.where(real, zero, dh)
                dc = dc_new * f + tf.where(real, zero, dc)
                return [dh, dc], [arrays[0].write(t, dz)]

            _, (dzs,) = _loop(back, steps, [dh, tf.zeros_like(dh)], [_array(z.dtype, steps)], reverse=True)
            dz = dzs.stack()
            return dz, _weight_gradient(_previous(hs, h0), dz)

        return h, grad

    return run(z, u)


def _gru(z, mask, u, recurrent_bias):
    import tensorflow as tf

    @tf.custom_gradient
    def run(z, u, b):
        steps, zs, ms, h0 = _setup(z, mask, u)

        def body(t, state, arrays):
            h = state[0]
            x_z, x_r, x_h = tf.split(zs.read(t), 3, axis=-1)
            r_z, r_r, r_h = tf.split(tf.matmul(h, u) + b, 3, axis=-1)
            update, reset = tf.sigmoid(x_z + r_z), tf.sigmoid(x_r + r_r)
            candidate = tf.tanh(x_h + reset * r_h)
            new = update * h + (1 - update) * candidate
            new = tf.where(ms.read(t), new, h)
            saved, hs = arrays
            return [new], [saved.write(t, tf.concat([update, reset, candidate, r_h], -1)), hs.write(t, new)]

        (h,), (saved, hs) = _loop(body, steps, [h0], [_array(z.dtype, steps) for _ in range(2)])
        saved, hs = saved.stack(), hs.stack()
        previous = _previous(hs, h0)

        def grad(dh):
            saved_array = _array(z.dtype, steps).unstack(saved)
            previous_array = _array(z.dtype, steps).unstack(previous)
            u_t = tf.transpose(u)  # once, before the loop (module docstring)

            def back(t, state, arrays):
                dh = state[0]
                real = ms.read(t)
                update, reset, candidate, r_h = tf.split(saved_array.read(t), 4, axis=-1)
                zero = tf.zeros_like(dh)
                dh_new = tf.where(real, dh, zero)
                d_update = dh_new * (previous_array.read(t) - candidate) * update * (1 - update)
                d_candidate = dh_new * (1 - update) * (1 - tf.square(candidate))
                d_reset = d_candidate * r_h * reset * (1 - reset)
                d_recurrent = tf.concat([d_update, d_reset, d_candidate * reset], -1)
                dz = tf.concat([d_update, d_reset, d_candidate], -1)
                dh = tf.matmul(d_recurrent, u_t) + dh_new * update + tf.where(real, zero, dh)
                dzs, drs = arrays
                return [dh], [dzs.write(t, dz), drs.write(t, d_recurrent)]

            _, (dzs, drs) = _loop(back, steps, [dh], [_array(z.dtype, steps) for _ in range(2)], reverse=True)
            d_recurrent = drs.stack()
            return (dzs.stack(), _weight_gradient(previous, d_recurrent),
                    tf.reduce_sum(d_recurrent, axis=[0, 1]))

        return h, grad

    return run(z, u, recurrent_bias)
