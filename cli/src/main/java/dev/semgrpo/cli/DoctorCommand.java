package dev.semgrpo.cli;

import dev.semgrpo.model.Doctor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Checks the Java/DJL/PyTorch set-up and self-tests the devices. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Print Java, DJL and PyTorch versions, the native flavour loaded, CUDA devices, threads, the"
                + " offline and TF32 switches, and self-test each device (matmul, tiny model in FP32 and FP16 against"
                + " the CPU, non-finite check). Exits 1 if a check fails; each failure names what to fix.",
        footer = {"", "Examples:",
                "  semgrpo doctor",
                "  semgrpo doctor --device gpu:1",
                "  scripts/semgrpo --tf32 doctor --device gpu"})
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--device", description = "cpu, gpu or gpu:N to self-test; repeatable. Default: cpu and every CUDA"
            + " device PyTorch can use.")
    List<String> devices = new ArrayList<>();

    @Override
    public Integer call() {
        Doctor.Report report = Doctor.run(devices);
        report.lines().forEach(System.out::println);
        return report.ok() ? 0 : 1;
    }
}
