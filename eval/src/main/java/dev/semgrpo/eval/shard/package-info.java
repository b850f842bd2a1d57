/**
 * Sharded evaluation: {@code semgrpo eval --shard i/N} evaluates a deterministic slice of every task, and
 * {@code semgrpo merge-shards} combines the N shard folders into the folder one unsharded run writes.
 *
 * <p>A task's examples fall into {@link dev.semgrpo.eval.shard.Block}s, the runs of examples the model sees in one
 * batch (a generation batch, the examples whose first choice row starts a multiple-choice batch, one document of a
 * perplexity task); block b goes to shard b mod N ({@link dev.semgrpo.eval.shard.Shard}). Every batch is then the
 * same batch as in the unsharded run, and sampling streams stay keyed by the example's index in the whole task, so
 * the per-example records do not depend on N. Each shard records which blocks it holds and a fingerprint of the task
 * ({@link dev.semgrpo.eval.shard.ShardInfo}); {@link dev.semgrpo.eval.shard.ShardMerge} checks the folders belong
 * together, puts the records back in task order and recomputes every metric through its aggregate.
 */
package dev.semgrpo.eval.shard;
