package dev.semgrpo.pipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One stage of the paper's pipeline. Each writes {@code <output_dir>/<name>/} and returns what it wrote, which {@link
 * StageMarker} records; {@link #of} is the one list of stages a pipeline config configures, in order.
 */
public sealed interface Stage {
    /** The stage's name: its folder and what {@code --stage} and {@code --redo} take. */
    String name();

    /** Runs the stage (the stages before it are complete). */
    StageOutputs run(Pipeline p) throws IOException;

    /** A training stage: the config's {@code pretrain}, {@code cold_start}, {@code grpo} or {@code strong_sft}. */
    record Train(String name) implements Stage {
        @Override
        public StageOutputs run(Pipeline p) throws IOException {
            return p.train(this);
        }
    }

    /** The reward and similarity encoder, trained contrastively on the config's pairs. */
    record Encoder() implements Stage {
        @Override
        public String name() {
            return "encoder";
        }

        @Override
        public StageOutputs run(Pipeline p) throws IOException {
            return p.encoder();
        }
    }

    /** The cold-start adapter folded into the base: the model GRPO starts from. */
    record Merge() implements Stage {
        @Override
        public String name() {
            return "merge";
        }

        @Override
        public StageOutputs run(Pipeline p) throws IOException {
            return p.merge();
        }
    }

    /** The cold-start model's outputs on training prompts, for {@code tau: auto}. */
    record Calibrate() implements Stage {
        @Override
        public String name() {
            return "calibrate";
        }

        @Override
        public StageOutputs run(Pipeline p) throws IOException {
            return p.calibrate();
        }
    }

    /**
     * Evaluation of one model.
     *
     * @param model {@code base} or the training stage whose model it evaluates
     */
    record Evaluate(String model) implements Stage {
        @Override
        public String name() {
            return "eval_" + model;
        }

        @Override
        public StageOutputs run(Pipeline p) throws IOException {
            return p.evaluate(this);
        }
    }

    /** The alignment-tax reports: every model against the base, and GRPO against the cold start. */
    record Report() implements Stage {
        @Override
        public String name() {
            return "report";
        }

        @Override
        public StageOutputs run(Pipeline p) throws IOException {
            return p.report();
        }
    }

    /** The stages of {@code c}, in order; those not configured are left out. */
    static List<Stage> of(PipelineConfig c) {
        List<Stage> s = new ArrayList<>();
        if (c.pretrain() != null) {
            s.add(new Train("pretrain"));
        }
        if (c.encoder() != null) {
            s.add(new Encoder());
        }
        s.add(new Train("cold_start"));
        s.add(new Merge());
        s.add(new Calibrate());
        s.add(new Train("grpo"));
        if (c.strongSft() != null) {
            s.add(new Train("strong_sft"));
        }
        s.add(new Evaluate("base"));
        s.add(new Evaluate("cold_start"));
        if (c.strongSft() != null) {
            s.add(new Evaluate("strong_sft"));
        }
        s.add(new Evaluate("grpo"));
        s.add(new Report());
        return List.copyOf(s);
    }
}
