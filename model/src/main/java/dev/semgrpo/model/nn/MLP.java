package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** SwiGLU feed-forward: {@code down(silu(gate(x)) * up(x))}. */
final class MLP {
    private final Linear gate;
    private final Linear up;
    private final Linear down;

    MLP(Linear gate, Linear up, Linear down) {
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    Linear[] projections() {
        return new Linear[] {gate, up, down};
    }

    NDArray forward(NDArray x, boolean adapters, boolean training) {
        NDArray g = gate.forward(x, adapters, training);
        NDArray act = g.mul(Activation.sigmoid(g));
        return down.forward(act.mul(up.forward(x, adapters, training)), adapters, training);
    }
}
