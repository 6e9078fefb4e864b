/**
 * `npm run bench [-- --scale N [--advance M]]`: runs bench/index.ts under `hardhat run` (which
 * takes no options of its own for the script), handing these options over as environment
 * variables: `--scale N` → BENCH_ONLY=scale (unless BENCH_ONLY is set) and BENCH_SCALE=N;
 * `--advance M` → BENCH_SCALE_ADVANCE=M. BENCH_ONLY and BENCH_QUICK work as before.
 */
import { spawn } from "node:child_process";

const argv = process.argv.slice(2);
const env = { ...process.env };
for (let i = 0; i < argv.length; i++) {
  const value = argv[i + 1];
  const number = Number(value);
  if (argv[i] === "--scale" || argv[i] === "--advance") {
    if (!Number.isInteger(number) || number < 1) {
      console.error(`${argv[i]} needs a positive number, got ${value}`);
      process.exit(2);
    }
    if (argv[i] === "--scale") {
      env.BENCH_SCALE = String(number);
      env.BENCH_ONLY ||= "scale";
    } else env.BENCH_SCALE_ADVANCE = String(number);
    i++;
  } else {
    console.error(`unknown option ${argv[i]} (npm run bench [-- --scale N [--advance M]])`);
    process.exit(2);
  }
}
const child = spawn("hardhat", ["run", "bench/index.ts"], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
