package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;

/** SwiGLU feed-forward, {@code down(silu(gate(x)) * up(x))}, with gate and up as one fused projection. */
final class MLP {
    private final FusedLinear gateUp;
    private final Linear down;

    MLP(FusedLinear gateUp, Linear down) {
        this.gateUp = gateUp;
        this.down = down;
    }

    /** gate, up, down in HF order. */
    Linear[] projections() {
        Linear[] m = gateUp.members();
        return new Linear[] {m[0], m[1], down};
    }

    FusedLinear gateUp() {
        return gateUp;
    }

    Linear down() {
        return down;
    }

    NDArray forward(NDArray x, Mode mode) {
        NDArray fused = gateUp.forward(x, mode);
        NDList gu = fused.split(2, fused.getShape().dimension() - 1);
        NDArray g = gu.get(0);
        NDArray act = mode.inplace() ? Activation.sigmoid(g).muli(g).muli(gu.get(1))
                : g.mul(Activation.sigmoid(g)).mul(gu.get(1));
        return down.forward(act, mode);
    }
}
