/**
 * Readers for the JSONL layouts users export from common datasets (FLORES-style parallel text, SQuAD/CMRC,
 * multiple choice, GSM8K, plain text), into one {@link dev.semgrpo.eval.data.TaskExample} type.
 */
package dev.semgrpo.eval.data;
