package dev.semgrpo.model.io;

import java.io.IOException;

/** A safetensors file or checkpoint that cannot be read; the message names the file and, where known, the tensor. */
public class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
        super(message);
    }
}
