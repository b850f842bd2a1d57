package dev.semgrpo.model.remote;

import java.util.function.Function;

/**
 * The one way an API key is read here (generation server, judge, remote rewards): from the environment variable a
 * setting names, never from a config or a command line, stripped, and checked to fit an HTTP header.
 */
public final class ApiKeys {
    private ApiKeys() {
    }

    /**
     * @param variable the environment variable's name, or null for a server without authentication
     * @param setting what named it, for messages ({@code --api-key-env}, {@code rollout.api_key_env}, ...)
     * @param env environment lookup ({@code System::getenv} in production)
     * @return the key, or null when {@code variable} is null
     * @throws IllegalArgumentException when the variable is unset or empty, or holds characters a header cannot carry;
     *     the message names the variable and the setting, never the value
     */
    public static String fromEnv(String variable, String setting, Function<String, String> env) {
        if (variable == null) {
            return null;
        }
        String key = env.apply(variable);
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException(setting + " names the environment variable '" + variable + "', which "
                    + "is not set or empty; export " + variable + "=<your key>, or leave " + setting + " out for a "
                    + "server without authentication");
        }
        key = key.strip();
        if (!key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("the environment variable '" + variable + "' (" + setting + ") holds "
                    + "characters that an HTTP header cannot carry (spaces, control or non-ASCII characters); set it "
                    + "to the bare key");
        }
        return key;
    }
}
